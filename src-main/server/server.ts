// `strata serve`'s server: one http server on a loopback address that serves the built
// renderer and, on SOCKET_PATH, the API over a WebSocket (see access.ts for who gets in).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { SessionHost } from '../connections/session-host';
import { packageRoot } from '../api/package-info';
import { SOCKET_PATH, TOKEN_PARAM } from '@shared/api/protocol';
import { StrataError } from '@shared/errors';
import { checkSocketRequest, isLoopbackHost, newToken } from './access';
import { securityHeaders } from './security-headers';
import { sendText, serveStatic } from './static-files';
import { closeServer } from './close-server';
import { serveSocket } from './socket';

/** Addresses the server may listen on: loopback only (a remote user comes through an SSH tunnel). */
export const LOOPBACK_ADDRESSES = ['127.0.0.1', '::1'] as const;

/** Calls and subscriptions are small; this bounds what one frame can make the server hold. */
const MAX_FRAME_BYTES = 4 * 1024 * 1024;

export interface ServerOptions {
  /** What answers the API: the in-process Api, or a proxy to the system engine (connections/remote-api.ts). */
  api: SessionHost;
  /** 127.0.0.1 (default) or ::1. */
  host?: string;
  /** 0 (default): a free port. */
  port?: number;
  /** The built renderer; default: out/renderer of this package. */
  staticRoot?: string;
  /** Default: a new random one. */
  token?: string;
}

export interface RunningServer {
  /** The page to open: http://127.0.0.1:PORT/?token=… */
  url: string;
  /** http://127.0.0.1:PORT */
  origin: string;
  port: number;
  token: string;
  staticRoot: string;
  /** Stops listening and closes every connection (their sessions end). The Api is the caller's to close. */
  close(): Promise<void>;
}

export function defaultStaticRoot(): string {
  return path.join(packageRoot() ?? process.cwd(), 'out', 'renderer');
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  if (!(LOOPBACK_ADDRESSES as readonly string[]).includes(host)) {
    throw new StrataError('INVALID_ARGUMENT', `strata serve listens on loopback only (${LOOPBACK_ADDRESSES.join(' or ')}), not ${host}: reach it from elsewhere through an SSH tunnel`);
  }
  const token = options.token ?? newToken();
  const staticRoot = path.resolve(options.staticRoot ?? defaultStaticRoot());
  const sockets = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES });

  const server = http.createServer((request, response) => {
    const requestHost = request.headers.host;
    if (!isLoopbackHost(requestHost)) return sendText(response, 403, 'this server answers only to loopback host names');
    const headers = securityHeaders(requestHost!);
    if (new URL(request.url ?? '/', 'http://host').pathname === SOCKET_PATH) return sendText(response, 426, 'this is the API WebSocket', headers);
    serveStatic(staticRoot, request, response, headers).catch(() => response.destroy());
  });

  server.on('upgrade', (request: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const pathname = new URL(request.url ?? '/', 'http://host').pathname;
    const verdict = pathname === SOCKET_PATH ? checkSocketRequest({ host: request.headers.host, origin: request.headers.origin, url: request.url }, token) : ({ ok: false, status: 404, reason: 'not found' } as const);
    if (!verdict.ok) return refuseUpgrade(socket, verdict.status, verdict.reason);
    sockets.handleUpgrade(request, socket, head, (ws) => serveSocket(ws, options.api));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const origin = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  return {
    url: `${origin}/?${TOKEN_PARAM}=${token}`,
    origin,
    port,
    token,
    staticRoot,
    close: () => closeServer(server, sockets, 'the server is shutting down'),
  };
}

/** Answers an upgrade request with an HTTP error and hangs up: no socket is opened. */
function refuseUpgrade(socket: Duplex, status: number, reason: string): void {
  const body = `${reason}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}
