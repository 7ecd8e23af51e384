// The CLI's own WebSocket client (unix-websocket.ts) against the `ws` server the engines
// run, on a real Unix socket: messages both ways, of every length form, a server's ping,
// closes from either end with their codes, a refused upgrade, a socket that is not there;
// and, against a hand-written server, the frames `ws` does not send unless asked
// (fragments, binary). Nothing here is mocked.
import { createHash } from 'node:crypto';
import http from 'node:http';
import type net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import type { Duplex } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { UnixWebSocket } from '../../src-main/connections/unix-websocket';

let dir: string;
let socketPath: string;
let servers: http.Server[] = [];
/** Every connection the servers took (upgraded ones too, which http's close() leaves open). */
const connections: net.Socket[] = [];

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-uws-'));
  socketPath = path.join(dir, 'api.sock');
});

afterEach(async () => {
  for (const socket of connections.splice(0)) socket.destroy();
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  servers = [];
  fs.rmSync(dir, { recursive: true, force: true });
});

/** An http server on the test's socket whose upgrades go to `onUpgrade`. */
async function listen(onUpgrade: (request: http.IncomingMessage, socket: Duplex, head: Buffer) => void, onRequest?: http.RequestListener): Promise<http.Server> {
  const server = http.createServer(onRequest);
  server.on('connection', (socket: net.Socket) => connections.push(socket));
  server.on('upgrade', onUpgrade);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  return server;
}

/** A `ws` server, as the engines run it; each connection handed to `serve`. */
async function wsServer(serve: (ws: WebSocket) => void): Promise<void> {
  const sockets = new WebSocketServer({ noServer: true });
  const server = await listen((request, socket, head) => sockets.handleUpgrade(request, socket, head, serve));
  server.on('close', () => sockets.close());
}

interface Recorded {
  client: UnixWebSocket;
  events: { type: string; event: unknown }[];
  next(type: string): Promise<unknown>;
}

function connect(): Recorded {
  const client = new UnixWebSocket(socketPath, '/api');
  const events: { type: string; event: unknown }[] = [];
  // next(type) takes that type's events in order: each one once.
  const taken = new Map<string, number>();
  const waiting: { type: string; resolve: (event: unknown) => void }[] = [];
  const pump = () => {
    for (const waiter of [...waiting]) {
      const ofType = events.filter((entry) => entry.type === waiter.type);
      const index = taken.get(waiter.type) ?? 0;
      if (index >= ofType.length) continue;
      taken.set(waiter.type, index + 1);
      waiting.splice(waiting.indexOf(waiter), 1);
      waiter.resolve(ofType[index]!.event);
    }
  };
  for (const type of ['open', 'message', 'close', 'error'] as const) {
    client.addEventListener(type, (event) => {
      events.push({ type, event });
      pump();
    });
  }
  return {
    client,
    events,
    next: (type) =>
      new Promise((resolve) => {
        waiting.push({ type, resolve });
        pump();
      }),
  };
}

describe('UnixWebSocket against the ws server', () => {
  it('exchanges text messages of every length form, both ways', async () => {
    await wsServer((ws) => ws.on('message', (data) => ws.send(`echo:${String(data)}`)));
    const { client, next } = connect();
    await next('open');
    expect(client.readyState).toBe(1);
    for (const size of [0, 5, 125, 126, 65_535, 65_536, 3_000_000]) {
      const text = 'é'.repeat(size / 2) + 'x'.repeat(size % 2);
      client.send(text);
      expect(await next('message')).toEqual({ data: `echo:${text}` });
    }
    client.close();
    expect(await next('close')).toMatchObject({ code: 1000 });
    expect(client.readyState).toBe(3);
  });

  it('answers a ping with a pong carrying its payload', async () => {
    const pong = new Promise<string>((resolve) =>
      wsServer((ws) => {
        const pinging = ws as unknown as { ping(data: string): void; on(event: 'pong', listener: (data: Buffer) => void): void };
        pinging.on('pong', (data) => resolve(data.toString()));
        pinging.ping('are you there');
      }),
    );
    const { next } = connect();
    await next('open');
    expect(await pong).toBe('are you there');
  });

  it("hears the server's close with its code and reason (the engine's refusal) and closes", async () => {
    await wsServer((ws) => {
      ws.send(JSON.stringify({ id: null, error: { code: 'PERMISSION_DENIED', message: 'not in group strata' } }));
      ws.close(4403, 'PERMISSION_DENIED');
    });
    const { client, next } = connect();
    expect(await next('message')).toEqual({ data: JSON.stringify({ id: null, error: { code: 'PERMISSION_DENIED', message: 'not in group strata' } }) });
    expect(await next('close')).toEqual({ code: 4403, reason: 'PERMISSION_DENIED' });
    expect(client.readyState).toBe(3);
  });

  it('tells the server its own close code and reason', async () => {
    const closed = new Promise<[number, string]>((resolve) => wsServer((ws) => ws.on('close', (code, reason) => resolve([code, reason.toString()]))));
    const { client, next } = connect();
    await next('open');
    client.close(1000, 'client closed');
    expect(await closed).toEqual([1000, 'client closed']);
    expect(await next('close')).toMatchObject({ code: 1000 });
  });

  it('stops and starts reading with pause and resume', async () => {
    let server!: WebSocket;
    const connected = new Promise<void>((resolve) =>
      wsServer((ws) => {
        server = ws;
        resolve();
      }),
    );
    const { client, events, next } = connect();
    await next('open');
    await connected;
    client.pause();
    server.send('while paused');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(events.filter((entry) => entry.type === 'message')).toEqual([]);
    client.resume();
    expect(await next('message')).toEqual({ data: 'while paused' });
    client.close();
  });
});

describe('UnixWebSocket when there is no WebSocket to open', () => {
  it('reports a missing socket as an error with its errno, then a close 1006', async () => {
    const { client, next } = connect();
    const error = (await next('error')) as { message: string; error: NodeJS.ErrnoException };
    expect(error.error.code).toBe('ENOENT');
    expect(await next('close')).toMatchObject({ code: 1006 });
    expect(client.readyState).toBe(3);
  });

  it('reports an HTTP answer instead of an upgrade (a socket that is not an API socket)', async () => {
    await listen(
      (_request, socket) => socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n'),
      (_request, response) => response.end(),
    );
    const { next } = connect();
    expect(await next('error')).toMatchObject({ message: 'Unexpected server response: 403' });
    expect(await next('close')).toMatchObject({ code: 1006 });
  });
});

describe('UnixWebSocket against a hand-written server', () => {
  /** Accepts the upgrade as RFC 6455 says, then writes `frames` as they are. */
  async function rawServer(frames: Buffer[]): Promise<void> {
    await listen((request, socket) => {
      const accept = createHash('sha1')
        .update(`${request.headers['sec-websocket-key']}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`)
        .digest('base64');
      socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
      // One byte at a time: the client must put frames together across reads.
      const bytes = Buffer.concat(frames);
      let i = 0;
      const drip = () => {
        if (i < bytes.length) socket.write(bytes.subarray(i, ++i), drip);
      };
      drip();
    });
  }
  const frame = (first: number, payload: string | Buffer) => Buffer.concat([Buffer.from([first, Buffer.byteLength(payload)]), Buffer.from(payload)]);

  it('joins a fragmented text message and passes a binary one as bytes', async () => {
    await rawServer([frame(0x01, 'hel'), frame(0x00, 'lo, '), frame(0x80, 'world'), frame(0x82, Buffer.from([0, 1, 2]))]);
    const { client, next } = connect();
    expect(await next('message')).toEqual({ data: 'hello, world' });
    expect(await next('message')).toEqual({ data: Buffer.from([0, 1, 2]) });
    client.close();
  });

  it('refuses a wrong Sec-WebSocket-Accept', async () => {
    await listen((_request, socket) => socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: wrong\r\n\r\n'));
    const { next } = connect();
    expect(await next('error')).toMatchObject({ message: expect.stringContaining('Sec-WebSocket-Accept') });
    expect(await next('close')).toMatchObject({ code: 1006 });
  });
});
