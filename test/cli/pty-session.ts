// A command run on a real pty (fixtures/pty-driver.py, Python's pty module), for CLI tests of
// terminals: type keys, resize the window, read the screen, read the terminal's mode, and
// its exit status.
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';

export interface TerminalMode {
  echo: boolean;
  icanon: boolean;
  isig: boolean;
}

export class PtySession {
  /** Everything the command wrote to the terminal, \r removed. */
  screen = '';
  exitCode: number | undefined;
  /** The command's pid, once the driver has started it. */
  pid: number | undefined;
  /** The terminal's mode as the command left it. */
  finalMode: TerminalMode | undefined;
  private readonly modes: TerminalMode[] = [];
  private readonly child: ChildProcess;
  private readonly ended: Promise<number>;
  private closed = false;

  constructor(argv: string[]) {
    this.child = spawn('python3', [path.join(import.meta.dirname, 'fixtures/pty-driver.py'), ...argv], { stdio: ['pipe', 'pipe', 'inherit'] });
    const lines = readline.createInterface({ input: this.child.stdout! });
    lines.on('line', (line) => {
      const message = JSON.parse(line) as { output?: string; mode?: TerminalMode; exit?: number; pid?: number };
      if (message.pid !== undefined) this.pid = message.pid;
      if (message.output !== undefined) this.screen += Buffer.from(message.output, 'base64').toString('latin1').replace(/\r/g, '');
      if (message.mode) this.modes.push(message.mode);
      if (message.exit !== undefined) {
        this.exitCode = message.exit;
        this.finalMode = this.modes.at(-1);
      }
    });
    this.ended = new Promise((resolve) =>
      this.child.on('close', () => {
        this.closed = true;
        resolve(this.exitCode ?? -1);
      }),
    );
  }

  private command(message: unknown): void {
    this.child.stdin!.write(`${JSON.stringify(message)}\n`);
  }

  type(text: string): void {
    this.command({ write: Buffer.from(text, 'latin1').toString('base64') });
  }

  resize(rows: number, cols: number): void {
    this.command({ resize: [rows, cols] });
  }

  /** The terminal's mode now. */
  async mode(): Promise<TerminalMode> {
    const count = this.modes.length;
    this.command({ mode: true });
    await this.until(() => this.modes.length > count, () => 'the terminal mode');
    return this.modes.at(-1)!;
  }

  /** Waits until the screen matches (or, with a function, until it is true). */
  async waitFor(pattern: RegExp | (() => boolean), timeoutMs = 30_000): Promise<void> {
    const check = typeof pattern === 'function' ? pattern : () => pattern.test(this.screen);
    await this.until(check, () => `${pattern} on the screen:\n${JSON.stringify(this.screen.slice(-2000))}`, timeoutMs);
  }

  /** The command's exit status. */
  exited(): Promise<number> {
    return this.ended;
  }

  kill(): void {
    this.child.kill('SIGKILL');
  }

  private async until(check: () => boolean, what: () => string, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what()}`);
      if (this.closed && !check()) throw new Error(`the command ended (status ${this.exitCode}) before ${what()}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}
