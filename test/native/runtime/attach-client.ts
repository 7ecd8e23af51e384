// A test client of a terminal's attach socket (native/src/runtime/attach.c): frames of
// 1 byte type + 4 bytes big-endian length + payload. It collects the output ('D') as
// text, stderr ('E', a holder without a terminal) apart, and the exit code ('X'); it sends
// input, resize and close-stdin.
import net from 'node:net';

import { until } from './harness';

export class AttachClient {
  output = '';
  errors = '';
  exitCode: number | undefined;
  closed = false;
  private pending = Buffer.alloc(0);

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (b: Buffer) => this.take(b));
    socket.on('close', () => (this.closed = true));
    socket.on('error', () => (this.closed = true));
  }

  /** Connects; with read false the client never reads (a slow client). */
  static async connect(path: string, read = true): Promise<AttachClient> {
    const socket = net.connect(path);
    if (!read) socket.pause();
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new AttachClient(socket);
  }

  private take(b: Buffer): void {
    this.pending = Buffer.concat([this.pending, b]);
    while (this.pending.length >= 5) {
      const n = this.pending.readUInt32BE(1);
      if (this.pending.length < 5 + n) break;
      const type = String.fromCharCode(this.pending[0]!);
      const payload = this.pending.subarray(5, 5 + n);
      if (type === 'D') this.output += payload.toString('latin1');
      else if (type === 'E') this.errors += payload.toString('latin1');
      else if (type === 'X') this.exitCode = payload.readInt32BE(0);
      this.pending = this.pending.subarray(5 + n);
    }
  }

  private frame(type: string, payload: Buffer): void {
    const h = Buffer.alloc(5);
    h.write(type, 0, 'latin1');
    h.writeUInt32BE(payload.length, 1);
    this.socket.write(Buffer.concat([h, payload]));
  }

  send(text: string): void {
    this.frame('D', Buffer.from(text, 'latin1'));
  }

  resize(rows: number, cols: number): void {
    const p = Buffer.alloc(4);
    p.writeUInt16BE(rows, 0);
    p.writeUInt16BE(cols, 2);
    this.frame('R', p);
  }

  closeStdin(): void {
    this.frame('C', Buffer.alloc(0));
  }

  /** Raw bytes, for protocol errors. */
  raw(b: Buffer): void {
    this.socket.write(b);
  }

  /** Waits until the output (with \r removed) matches. */
  async waitFor(re: RegExp): Promise<void> {
    await until(() => re.test(this.output.replace(/\r/g, '')));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    const gone = new Promise((r) => this.socket.once('close', r));
    this.socket.destroy();
    await gone;
  }
}
