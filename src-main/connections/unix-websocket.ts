// The client end of a WebSocket (RFC 6455) over a Unix socket: what socket-transport.ts
// opens to an engine's API socket (the system engine, the rootless engine). Only what the
// API's transport uses (ws-transport.ts' SocketLike): text messages out, text and binary
// messages in, ping answered, close both ways, pause and resume of reading.
//
// Why not the `ws` package, which serves the other end: require('ws') loads its server,
// compression and TLS with it, ~27 ms of every CLI command over a socket (issue 18), and a
// normal user's commands all go over one.
import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import type { SocketLike } from '@shared/api/ws-transport';

const CONNECTING = 0;
const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;

/** RFC 6455's key suffix for Sec-WebSocket-Accept. */
const ACCEPT_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
/** The close code for a connection that ended without a close frame (RFC 6455, 7.1.5). */
const ABNORMAL_CLOSURE = 1006;
/** How long a close we started waits for the server's close frame before it cuts the socket. */
const CLOSE_WAIT_MS = 1000;
/** An HTTP response head longer than this is not an API socket's. */
const MAX_HEAD_BYTES = 16 * 1024;

const OPCODE = { continuation: 0x0, text: 0x1, binary: 0x2, close: 0x8, ping: 0x9, pong: 0xa } as const;

type Listener = (event: unknown) => void;

/** A connection to `path` (an HTTP path on the socket, e.g. /api) on the Unix socket `socketPath`. */
export class UnixWebSocket implements SocketLike {
  readyState = CONNECTING;
  private readonly listeners = new Map<string, Listener[]>();
  private readonly socket: net.Socket;
  private readonly key = randomBytes(16).toString('base64');
  private received: Buffer = Buffer.alloc(0);
  private fragments: Buffer[] = [];
  private fragmentOpcode = 0;
  private closeTimer: ReturnType<typeof setTimeout> | undefined;
  private closeEvent: { code: number; reason: string } | undefined;

  constructor(socketPath: string, path: string) {
    this.socket = net.connect(socketPath);
    this.socket.on('connect', () => {
      this.socket.write(
        `GET ${path} HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` + `Sec-WebSocket-Key: ${this.key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
    });
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    this.socket.on('error', (error) => this.emit('error', { message: error.message, error }));
    this.socket.on('close', () => this.finish());
  }

  addEventListener(type: 'open' | 'message' | 'close' | 'error', listener: Listener): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }

  send(data: string): void {
    if (this.readyState !== OPEN) throw new Error('the WebSocket is not open');
    this.sendFrame(OPCODE.text, Buffer.from(data, 'utf8'));
  }

  close(code = 1000, reason = ''): void {
    if (this.readyState === CLOSED || this.readyState === CLOSING) return;
    if (this.readyState === CONNECTING) {
      this.closeEvent = { code: ABNORMAL_CLOSURE, reason: '' };
      this.socket.destroy();
      return;
    }
    this.readyState = CLOSING;
    const body = Buffer.alloc(2 + Buffer.byteLength(reason));
    body.writeUInt16BE(code, 0);
    body.write(reason, 2);
    this.sendFrame(OPCODE.close, body);
    this.closeTimer = setTimeout(() => this.socket.destroy(), CLOSE_WAIT_MS);
    this.closeTimer.unref();
  }

  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  private emit(type: string, event: unknown): void {
    for (const listener of this.listeners.get(type) ?? []) listener(event);
  }

  /** The socket is gone: one close event, with the server's code when it sent one. */
  private finish(): void {
    if (this.readyState === CLOSED) return;
    this.readyState = CLOSED;
    clearTimeout(this.closeTimer);
    this.emit('close', this.closeEvent ?? { code: ABNORMAL_CLOSURE, reason: '' });
  }

  /** A protocol error: said, and the connection dropped. */
  private fail(message: string): void {
    this.emit('error', { message, error: new Error(message) });
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    this.received = this.received.length ? Buffer.concat([this.received, chunk]) : chunk;
    if (this.readyState === CONNECTING && !this.readHandshake()) return;
    while (this.readyState !== CLOSED && this.readFrame());
  }

  /** The server's answer to the upgrade: true once it is read and accepted. */
  private readHandshake(): boolean {
    const end = this.received.indexOf('\r\n\r\n');
    if (end < 0) {
      if (this.received.length > MAX_HEAD_BYTES) this.fail('the engine answered with an over-long HTTP head');
      return false;
    }
    const [status, ...headers] = this.received.subarray(0, end).toString('latin1').split('\r\n');
    this.received = this.received.subarray(end + 4);
    const code = Number(/^HTTP\/1\.1 (\d{3})/.exec(status ?? '')?.[1]);
    if (code !== 101) {
      this.fail(`Unexpected server response: ${Number.isNaN(code) ? status : code}`);
      return false;
    }
    const accept = headers.find((line) => line.toLowerCase().startsWith('sec-websocket-accept:'))?.slice('sec-websocket-accept:'.length).trim();
    if (accept !== createHash('sha1').update(this.key + ACCEPT_GUID).digest('base64')) {
      this.fail('the engine answered the upgrade with a wrong Sec-WebSocket-Accept');
      return false;
    }
    this.readyState = OPEN;
    this.emit('open', {});
    return true;
  }

  /** One whole frame from what was received, handled; false when more bytes are needed. */
  private readFrame(): boolean {
    const data = this.received;
    if (data.length < 2) return false;
    const fin = (data[0]! & 0x80) !== 0;
    const opcode = data[0]! & 0x0f;
    if ((data[1]! & 0x80) !== 0) {
      this.fail('the engine sent a masked frame');
      return false;
    }
    let length = data[1]! & 0x7f;
    let offset = 2;
    if (length === 126) {
      if (data.length < 4) return false;
      length = data.readUInt16BE(2);
      offset = 4;
    } else if (length === 127) {
      if (data.length < 10) return false;
      const long = data.readBigUInt64BE(2);
      if (long > BigInt(Number.MAX_SAFE_INTEGER)) {
        this.fail('the engine sent a frame too large to read');
        return false;
      }
      length = Number(long);
      offset = 10;
    }
    if (data.length < offset + length) return false;
    const payload = data.subarray(offset, offset + length);
    this.received = data.subarray(offset + length);
    this.handleFrame(fin, opcode, payload);
    return true;
  }

  private handleFrame(fin: boolean, opcode: number, payload: Buffer): void {
    if (opcode === OPCODE.ping) return this.sendFrame(OPCODE.pong, payload);
    if (opcode === OPCODE.pong) return;
    if (opcode === OPCODE.close) {
      const code = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
      this.closeEvent = { code, reason: payload.subarray(2).toString('utf8') };
      // Answered as RFC 6455 asks (the server then ends the connection), unless we started it.
      if (this.readyState === OPEN) this.sendFrame(OPCODE.close, payload.subarray(0, 2));
      this.readyState = CLOSING;
      this.socket.end();
      return;
    }
    if (opcode !== OPCODE.continuation) {
      this.fragments = [];
      this.fragmentOpcode = opcode;
    }
    this.fragments.push(payload);
    if (!fin) return;
    const message = this.fragments.length === 1 ? this.fragments[0]! : Buffer.concat(this.fragments);
    this.fragments = [];
    if (this.readyState === OPEN) this.emit('message', { data: this.fragmentOpcode === OPCODE.text ? message.toString('utf8') : message });
  }

  /** A frame to the server: masked, as every client frame must be. */
  private sendFrame(opcode: number, payload: Buffer): void {
    const length = payload.length;
    const header = Buffer.alloc(length < 126 ? 2 : length < 0x10000 ? 4 : 10);
    header[0] = 0x80 | opcode;
    if (length < 126) {
      header[1] = 0x80 | length;
    } else if (length < 0x10000) {
      header[1] = 0x80 | 126;
      header.writeUInt16BE(length, 2);
    } else {
      header[1] = 0x80 | 127;
      header.writeBigUInt64BE(BigInt(length), 2);
    }
    const mask = randomBytes(4);
    const masked = Buffer.allocUnsafe(length);
    for (let i = 0; i < length; i++) masked[i] = payload[i]! ^ mask[i & 3]!;
    this.socket.write(Buffer.concat([header, mask, masked]));
  }
}
