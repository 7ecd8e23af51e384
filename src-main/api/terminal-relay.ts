// One terminal session's output on its way to the client that opened it: bytes from the
// attach socket gathered into `terminal.output` events (base64; a process without a terminal
// has stderr apart, in events of their own) and the end as one `terminal.exit`. A key's echo after a quiet moment goes out at once (the bytes of the same
// turn of the loop together); output that keeps coming is gathered, one event every 10 ms at
// most, or at once when 32 KiB are waiting — so typing feels direct and a flood costs few events.
//
// Flow control: the terminal's holder (the shim) never waits for anyone, and the engine reads
// its connection all the time, so a slow client cannot hold the container back. What it can
// do is make the engine buffer for it: events its transport has not delivered (a WebSocket
// client that does not read, a window whose renderer does not take its IPC messages). Past
// MAX_CLIENT_BACKLOG of those the session is dropped — the client is told (`reason:
// 'dropped'`), the process runs on, and the client may open a new session (it gets the
// holder's scrollback). The engine's own batch is at most one batch.
import type { TerminalSession, TerminalEnd } from '../engine/containers/terminal-session';
import type { Session } from './session';

/** While output keeps coming, a batch goes out this long after the last one at the latest. */
export const OUTPUT_FLUSH_MS = 10;
/** A batch this large goes out at once. */
export const OUTPUT_BATCH_BYTES = 32 * 1024;
/** A client with this much unread is dropped from the session (the WebSocket's own, larger, bound closes the whole connection). */
export const MAX_CLIENT_BACKLOG = 2 * 1024 * 1024;

export class TerminalRelay {
  private chunks: Buffer[] = [];
  private size = 0;
  /** The stream the gathered chunks are of: a batch is of one stream. */
  private stream: 'stdout' | 'stderr' = 'stdout';
  /** The pending flush: at once (an immediate, after a quiet moment) or later (a timeout). */
  private timer: { at: 'once'; handle: NodeJS.Immediate } | { at: 'later'; handle: NodeJS.Timeout } | undefined;
  private lastFlush = 0;
  private over = false;

  constructor(
    private readonly session: Session,
    /** The id the client knows the session by. */
    readonly id: string,
    readonly terminal: TerminalSession,
  ) {}

  /** Starts relaying; `ended` is called once when the session is over by itself (exit, drop). */
  start(ended: () => void): void {
    this.terminal.listen({
      output: (data, stream) => this.add(data, stream, ended),
      end: (end) => this.finish(end, ended),
    });
  }

  /** The client leaves (terminal.close, or its connection went): the process runs on; nothing more is sent. */
  close(): void {
    this.over = true;
    this.cancelTimer();
    this.chunks = [];
    this.terminal.detach();
  }

  private add(data: Buffer, stream: 'stdout' | 'stderr', ended: () => void): void {
    if (this.over) return;
    if (stream !== this.stream) {
      this.flush(ended); // the other stream's batch first: the order across streams holds
      if (this.over) return;
      this.stream = stream;
    }
    this.chunks.push(data);
    this.size += data.length;
    if (this.size >= OUTPUT_BATCH_BYTES) return this.flush(ended);
    if (this.timer !== undefined) return;
    const quietFor = performance.now() - this.lastFlush;
    this.timer =
      quietFor >= OUTPUT_FLUSH_MS
        ? { at: 'once', handle: setImmediate(() => this.flush(ended)) }
        : { at: 'later', handle: setTimeout(() => this.flush(ended), OUTPUT_FLUSH_MS - quietFor) };
  }

  private flush(ended: () => void): void {
    this.cancelTimer();
    this.lastFlush = performance.now();
    if (this.over || this.size === 0) return;
    if (this.session.backlog() > MAX_CLIENT_BACKLOG) return this.drop(ended);
    const data = Buffer.concat(this.chunks, this.size).toString('base64');
    this.chunks = [];
    this.size = 0;
    this.session.emit('terminal.output', { session: this.id, data, ...(this.stream === 'stderr' ? { stream: 'stderr' as const } : {}) });
  }

  private cancelTimer(): void {
    if (this.timer?.at === 'once') clearImmediate(this.timer.handle);
    else if (this.timer?.at === 'later') clearTimeout(this.timer.handle);
    this.timer = undefined;
  }

  private drop(ended: () => void): void {
    this.close();
    this.session.emit('terminal.exit', {
      session: this.id,
      exitCode: null,
      reason: 'dropped',
      message: `this client fell more than ${MAX_CLIENT_BACKLOG / (1024 * 1024)} MiB behind reading the terminal's output: its session was closed (the process keeps running; open a new session to see it again)`,
    });
    ended();
  }

  private finish(end: TerminalEnd, ended: () => void): void {
    this.flush(ended);
    if (this.over) return;
    this.over = true;
    this.session.emit('terminal.exit', end.exitCode === null ? { session: this.id, exitCode: null, reason: end.reason, message: end.message } : { session: this.id, exitCode: end.exitCode, reason: 'exited' });
    ended();
  }
}
