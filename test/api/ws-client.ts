// A bare WebSocket client for the tests: raw frames in and out, to check the protocol
// itself (the typed client is tested over webSocketTransport).
import http from 'node:http';
import { type ClientOptions, WebSocket } from 'ws';
import type { Reply } from '@shared/api/protocol';

export type Frame = { id?: number | string | null; result?: unknown; error?: { code: string; message: string }; event?: string; payload?: unknown };

export class RawClient {
  private readonly frames: Frame[] = [];
  private readonly waiters = new Set<() => void>();
  private nextId = 1;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      this.frames.push(JSON.parse(data.toString()) as Frame);
      for (const wake of [...this.waiters]) wake();
    });
  }

  static connect(url: string, options: ClientOptions = {}): Promise<RawClient> {
    const socket = new WebSocket(url, options);
    return new Promise((resolve, reject) => {
      socket.once('open', () => resolve(new RawClient(socket)));
      socket.once('error', reject);
    });
  }

  send(frame: unknown): void {
    this.socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  async call(method: string, input?: unknown): Promise<Reply> {
    const id = this.nextId++;
    this.send({ id, method, input });
    const frame = await this.next((f) => f.id === id);
    return frame.error ? { error: frame.error as Extract<Reply, { error: unknown }>['error'] } : { result: frame.result };
  }

  async subscribe(event: string): Promise<Frame> {
    const id = this.nextId++;
    this.send({ id, subscribe: event });
    return this.next((f) => f.id === id);
  }

  async unsubscribe(event: string): Promise<Frame> {
    const id = this.nextId++;
    this.send({ id, unsubscribe: event });
    return this.next((f) => f.id === id);
  }

  /** Event payloads received so far. */
  events<T = unknown>(name: string): T[] {
    return this.frames.filter((f) => f.event === name).map((f) => f.payload as T);
  }

  /** The first frame (received or coming) that matches; it is consumed from the buffer. */
  next(match: (frame: Frame) => boolean, timeoutMs = 20_000): Promise<Frame> {
    return new Promise((resolve, reject) => {
      const look = (): boolean => {
        const index = this.frames.findIndex(match);
        if (index < 0) return false;
        const [frame] = this.frames.splice(index, 1);
        this.waiters.delete(wake);
        clearTimeout(timer);
        resolve(frame!);
        return true;
      };
      const wake = () => void look();
      const timer = setTimeout(() => {
        this.waiters.delete(wake);
        reject(new Error(`no matching frame within ${timeoutMs} ms; got ${JSON.stringify(this.frames).slice(0, 2000)}`));
      }, timeoutMs);
      if (!look()) this.waiters.add(wake);
    });
  }

  close(): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      this.socket.once('close', () => resolve());
      this.socket.close();
    });
  }
}

/** Tries to open a socket that the server must refuse; answers the HTTP status and body of the refusal. */
export function refusal(url: string, options: ClientOptions = {}): Promise<{ status: number; body: string }> {
  const socket = new WebSocket(url, options);
  return new Promise((resolve, reject) => {
    socket.once('open', () => {
      socket.close();
      reject(new Error('the server accepted the socket'));
    });
    socket.once('unexpected-response', (_request, response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    socket.once('error', () => {}); // ws reports the refusal as an error too, after unexpected-response
  });
}

/** A plain HTTP request with the path sent exactly as given (no normalising of `..`). */
export function httpGet(origin: string, rawPath: string, options: { method?: string; headers?: Record<string, string> } = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  const { hostname, port } = new URL(origin);
  return new Promise((resolve, reject) => {
    const request = http.request({ host: hostname, port, path: rawPath, method: options.method ?? 'GET', headers: options.headers }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
    });
    request.on('error', reject);
    request.end();
  });
}
