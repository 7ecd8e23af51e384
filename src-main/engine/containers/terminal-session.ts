// One client connection to a terminal's attach socket (native/src/runtime/attach.c; the
// protocol is in native/src/runtime/README.md): the container's own terminal, kept by its
// shim, or an exec session's, kept by its helper — or, for a process without a terminal
// given a stdin (`-i` alone), its stdio pipes, served the same way. Frames both ways are 1
// byte type, 4 bytes big-endian length, payload. In: `D` output (the holder's scrollback
// first, then live; without a terminal, stdout), `E` stderr (without a terminal), `X` the
// exit code. Out: `D` input, `R` resize, `C` close stdin. Closing the connection is a detach:
// the process keeps its terminal (or its stdin) and runs on.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { StrataError } from '@shared/errors';

/** The holder refuses a payload over this: input is cut into frames of at most this. */
const MAX_PAYLOAD = 64 * 1024;
/** sun_path's room (108 bytes with its NUL); a longer path is reached through its directory's fd. */
const MAX_SOCKET_PATH = 107;
/** The kernel's window size fields are u16; 0 rows or columns is no size at all. */
const MAX_DIMENSION = 0xffff;

/** How a session ended: the process's exit code, or why there is none. */
/**
 * How a session ended: the process's exit code; `dropped`: the holder cut this connection off
 * (it fell too far behind: the holder keeps 1 MiB at most for a client) while the process runs
 * on; `lost`: the holder went without an exit code.
 */
export type TerminalEnd = { exitCode: number } | { exitCode: null; reason: 'lost' | 'dropped'; message: string };

/** An exec session as its clients know it: the id to attach to it again, and its command. */
export interface ExecSessionRef {
  id: string;
  command: string[];
}

export interface TerminalListener {
  /** Output; `stderr` for a process without a terminal (whose stdout and stderr are apart). */
  output(data: Buffer, stream: 'stdout' | 'stderr'): void;
  /** Once, when the connection is over (not after detach()). */
  end(end: TerminalEnd): void;
}

export class TerminalSession {
  private pending: Buffer = Buffer.alloc(0);
  private exitCode: number | undefined;
  private listener: TerminalListener | undefined;
  private detached = false;
  private ended = false;
  /** The end, kept when it came before listen(). */
  private result: TerminalEnd | undefined;
  /** Read when the connection has ended (an exec session's exit file): the exit code if it missed X. */
  private onClose: (() => Promise<number | undefined>) | undefined;

  /** The holder's socket, to tell a drop (it is still there) from a loss; absent for a finished() session. */
  private socketPath: string | undefined;

  private constructor(
    private readonly socket: net.Socket,
    /** The container's id. */
    readonly container: string,
    /** `container`: the container's own terminal; `exec`: a process exec'd with a terminal of its own. */
    readonly kind: 'container' | 'exec',
    /** Of an exec session: its id (to attach to it again) and what it runs. */
    readonly exec?: ExecSessionRef,
  ) {
    socket.on('data', (chunk: Buffer) => this.take(chunk));
    socket.on('error', () => undefined); // 'close' follows; a reset is an end like any other
    socket.on('close', () => void this.finish());
  }

  /**
   * Connects to the socket at `socketPath`. The connection is paused until listen(): the
   * holder's scrollback waits in the kernel meanwhile, nothing is read before anyone hears it.
   */
  static async connect(socketPath: string, container: string, kind: 'container' | 'exec', exec?: ExecSessionRef): Promise<TerminalSession> {
    const socket = await connectUnix(socketPath);
    socket.pause();
    const session = new TerminalSession(socket, container, kind, exec);
    session.socketPath = socketPath;
    return session;
  }

  /**
   * A session whose process had ended before anyone could attach (its socket was gone):
   * no output, only its end, told at listen().
   */
  static finished(container: string, kind: 'container' | 'exec', end: TerminalEnd, exec?: ExecSessionRef): TerminalSession {
    const session = new TerminalSession(new net.Socket(), container, kind, exec);
    session.ended = true;
    session.result = end;
    return session;
  }

  /** Starts reading: output and the end go to `listener`. */
  listen(listener: TerminalListener): void {
    this.listener = listener;
    if (this.result) return listener.end(this.result);
    this.socket.resume();
  }

  /** Where to look for the exit code when the connection ends without one. */
  whenClosed(work: () => Promise<number | undefined>): void {
    this.onClose = work;
  }

  /** Keys, pasted text: bytes for the terminal's input. */
  write(data: Buffer): void {
    for (let at = 0; at < data.length; at += MAX_PAYLOAD) this.frame('D', data.subarray(at, at + MAX_PAYLOAD));
  }

  /** The window's size; the foreground process group gets SIGWINCH. */
  resize(rows: number, cols: number): void {
    checkSize(rows, cols);
    const payload = Buffer.alloc(4);
    payload.writeUInt16BE(rows, 0);
    payload.writeUInt16BE(cols, 2);
    this.frame('R', payload);
  }

  /** The terminal's EOF character (^D) is typed; without a terminal, the stdin pipe is closed. */
  closeStdin(): void {
    this.frame('C', Buffer.alloc(0));
  }

  /** Input written but not yet taken by the holder (it stops reading while the terminal is full). */
  get queuedInput(): number {
    return this.socket.writableLength;
  }

  /** Leaves the terminal: the process keeps running; the end is not told. */
  detach(): void {
    this.detached = true;
    this.socket.destroy();
  }

  private frame(type: 'D' | 'R' | 'C', payload: Buffer): void {
    // The process has exited (X came, or the holder ended the connection): input has nowhere
    // to go, and it is no caller's mistake — a pipe's end ('C') races the exit of a process
    // that ends on its input. Dropped; the end is told to the listener as it comes.
    if (this.exitCode !== undefined || this.socket.destroyed || this.socket.writableEnded) return;
    const header = Buffer.alloc(5);
    header.write(type, 0, 'latin1');
    header.writeUInt32BE(payload.length, 1);
    this.socket.write(Buffer.concat([header, payload]));
  }

  private take(chunk: Buffer): void {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    let at = 0;
    while (this.pending.length - at >= 5) {
      const length = this.pending.readUInt32BE(at + 1);
      if (this.pending.length - at < 5 + length) break;
      const type = this.pending[at];
      const payload = this.pending.subarray(at + 5, at + 5 + length);
      if (type === 0x44 /* D */ && payload.length) this.listener?.output(payload, 'stdout');
      else if (type === 0x45 /* E */ && payload.length) this.listener?.output(payload, 'stderr');
      else if (type === 0x58 /* X */ && payload.length === 4) this.exitCode = payload.readInt32BE(0);
      at += 5 + length;
    }
    // copied, so a small remainder does not keep a large read alive
    this.pending = at === 0 ? this.pending : Buffer.from(this.pending.subarray(at));
  }

  private async finish(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    if (this.detached) return;
    const recorded = await this.onClose?.().catch(() => undefined);
    const exitCode = this.exitCode ?? recorded;
    if (exitCode !== undefined) this.result = { exitCode };
    else if (await holderListens(this.socketPath)) {
      // Cut off, not gone: this process read the holder slower than the terminal wrote (a
      // flood while the engine was starved of CPU). The process runs on; a new session sees it.
      this.result = { exitCode: null, reason: 'dropped', message: "the engine fell more than 1 MiB behind the terminal's output and its holder cut it off; the process keeps running: open the session again to see it" };
    } else this.result = { exitCode: null, reason: 'lost', message: 'the terminal went away without an exit code (its container was removed, or its holder ended)' };
    this.listener?.end(this.result);
  }
}

/** Whether a holder still serves the socket at `socketPath` (the holder removes it as it ends). */
async function holderListens(socketPath: string | undefined): Promise<boolean> {
  if (socketPath === undefined) return false;
  const stat = await fs.promises.lstat(socketPath).catch(() => undefined);
  return stat?.isSocket() === true;
}

export function checkSize(rows: number, cols: number): void {
  const ok = (n: number) => Number.isInteger(n) && n >= 1 && n <= MAX_DIMENSION;
  if (!ok(rows) || !ok(cols)) throw new StrataError('INVALID_ARGUMENT', `a terminal size is 1 to ${MAX_DIMENSION} rows and columns, not ${rows}x${cols}`);
}

/**
 * A stream connection to a Unix socket, however long its path: past sun_path's room it goes
 * through /proc/self/fd/N/NAME with N the socket's directory held open (as the runtime binds it).
 */
async function connectUnix(socketPath: string): Promise<net.Socket> {
  let dir: fs.promises.FileHandle | undefined;
  let target = socketPath;
  if (Buffer.byteLength(socketPath) > MAX_SOCKET_PATH) {
    dir = await fs.promises.open(path.dirname(socketPath), fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
    target = `/proc/self/fd/${dir.fd}/${path.basename(socketPath)}`;
  }
  try {
    return await new Promise<net.Socket>((resolve, reject) => {
      const socket = net.connect(target);
      socket.once('connect', () => {
        socket.off('error', reject);
        // Until the session's own listener: a reset meanwhile (a helper that ended at once)
        // would otherwise be an uncaught error; its 'close' still follows.
        socket.on('error', () => undefined);
        resolve(socket);
      });
      socket.once('error', reject);
    });
  } finally {
    await dir?.close();
  }
}
