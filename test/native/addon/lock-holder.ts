// A second process that opens a file and takes flock locks on command, so tests can
// see contention between open file descriptions in different processes. It speaks one
// line per request on stdin/stdout; every wait is on an event, never on a clock.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import readline from 'node:readline';

import { addonFile } from '../../../native/lib/load';

const CHILD = `
const addon = require(process.argv[1]);
const fd = require('node:fs').openSync(process.argv[2], 'r+');
require('node:readline').createInterface({ input: process.stdin }).on('line', (cmd) => {
  if (cmd === 'exclusive' || cmd === 'shared') {
    console.log(addon.tryLock(fd, cmd === 'exclusive') ? 'locked' : 'busy');
  } else if (cmd === 'ping') {
    console.log('pong');
  } else if (cmd === 'exit') {
    process.exit(0);
  }
});
`;

export type Reply = 'locked' | 'busy' | 'pong';

export class LockHolder {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly replies: string[] = [];
  private readonly waiting: ((line: string) => void)[] = [];
  private readonly exited: Promise<number | null>;
  private stderr = '';

  constructor(file: string) {
    this.child = spawn(process.execPath, ['-e', CHILD, addonFile(), file]);
    this.exited = new Promise((resolve, reject) => {
      this.child.once('error', reject);
      this.child.once('exit', (code) => resolve(code));
    });
    this.child.stderr.on('data', (chunk: Buffer) => {
      this.stderr += chunk.toString();
    });
    readline.createInterface({ input: this.child.stdout }).on('line', (line) => {
      const next = this.waiting.shift();
      if (next) next(line);
      else this.replies.push(line);
    });
  }

  /** Sends one command and resolves with the child's reply line. */
  request(cmd: 'exclusive' | 'shared' | 'ping'): Promise<Reply> {
    const reply = new Promise<string>((resolve) => {
      const ready = this.replies.shift();
      if (ready !== undefined) resolve(ready);
      else this.waiting.push(resolve);
    });
    this.child.stdin.write(`${cmd}\n`);
    return Promise.race([reply, this.exited.then((code) => `exited ${String(code)}: ${this.stderr}`)]) as Promise<Reply>;
  }

  /** Ends the child (its fd closes, so its locks go) and resolves with its exit code. */
  exit(): Promise<number | null> {
    this.child.stdin.write('exit\n');
    return this.exited;
  }

  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}
