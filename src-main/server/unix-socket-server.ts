// `strata system service`'s server: the API table's WebSocket frames on a Unix socket
// (default /run/strata/strata.sock, root:strata 0660), for root and the members of one
// group — or, for the rootless engine (no group), 0600 and its own user only (uid 0 in
// its user namespace, which is how the kernel shows that user's connections there). No TCP, no token: the kernel says who each peer is (peer-access.ts), read on
// every connection before a byte of it is served. A refused peer still gets its WebSocket
// — opened only to carry the refusal as `{ id: null, error: PERMISSION_DENIED }` and close
// code 4403, which the client shows — and the refusal is logged with the peer's uid and pid.
import http from 'node:http';
import type net from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { type PeerCredentials, peerCredentials } from '../../native/lib/index';
import type { SessionHost } from '../connections/session-host';
import { SOCKET_PATH, type ServerFrame } from '@shared/api/protocol';
import { REFUSED_CLOSE_CODE } from '@shared/api/ws-transport';
import { type SocketGroup, checkPeer } from './peer-access';
import { activatedSocketFd, bindPrivately, claimSocketPath, shareWithGroup } from './socket-file';
import { closeServer } from './close-server';
import { serveSocket } from './socket';

/** As `strata serve`'s: what one frame can make the service hold. */
const MAX_FRAME_BYTES = 4 * 1024 * 1024;

export interface UnixSocketServerOptions {
  host: SessionHost;
  /** Where to listen (ignored when systemd passed the socket). */
  socketPath: string;
  /** Its members (and root) are admitted; the socket file gets this group. None: uid 0 only, 0600. */
  group?: SocketGroup;
  /** Where refusals and failures are told (the service's stderr). */
  log: (line: string) => void;
  /** The environment to read socket activation from (tests pass their own). */
  env?: NodeJS.ProcessEnv;
}

export interface RunningUnixServer {
  /** The socket file, or `fd 3 (systemd)` when socket-activated. */
  address: string;
  activated: boolean;
  /** Stops accepting and closes every connection (their sessions end); removes the socket file it made. */
  close(): Promise<void>;
  /** How many clients are connected now (the rootless engine exits when idle). */
  connections(): number;
}

type Peer = { credentials: PeerCredentials } | { error: Error };

export async function startUnixSocketServer(options: UnixSocketServerOptions): Promise<RunningUnixServer> {
  const { group, log } = options;
  const peers = new WeakMap<net.Socket, Peer>();
  const sockets = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES });

  const verdictOf = (socket: net.Socket) => {
    const peer = peers.get(socket);
    if (!peer) return { ok: false as const, message: 'the engine could not tell who you are', peer };
    if ('error' in peer) return { ok: false as const, message: `the engine could not tell who you are: ${peer.error.message}`, peer };
    return { ...checkPeer(peer.credentials, group), peer };
  };
  const logRefusal = (peer: Peer | undefined, message: string) => {
    const who = peer && 'credentials' in peer ? `uid ${peer.credentials.uid} pid ${peer.credentials.pid}` : 'an unknown peer';
    log(`strata system service: refused ${who}: ${message}\n`);
  };

  const server = http.createServer((request, response) => {
    const verdict = verdictOf(request.socket);
    if (!verdict.ok) logRefusal(verdict.peer, verdict.message);
    const [status, error] = !verdict.ok
      ? [403, { code: 'PERMISSION_DENIED', message: verdict.message }]
      : [426, { code: 'INVALID_ARGUMENT', message: `this is the Strata API socket: open a WebSocket at ${SOCKET_PATH}` }];
    response.writeHead(status, { 'Content-Type': 'application/json', Connection: 'close' });
    response.end(`${JSON.stringify({ error })}\n`);
  });

  // Who connected, asked of the kernel before anything is read from the peer.
  let open = 0;
  server.on('connection', (socket: net.Socket) => {
    open++;
    socket.once('close', () => open--);
    try {
      const fd = (socket as unknown as { _handle?: { fd?: number } })._handle?.fd;
      if (typeof fd !== 'number' || fd < 0) throw new Error('no file descriptor for the connection');
      peers.set(socket, { credentials: peerCredentials(fd) });
    } catch (error) {
      peers.set(socket, { error: error as Error });
    }
  });

  server.on('upgrade', (request: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    if (new URL(request.url ?? '/', 'http://host').pathname !== SOCKET_PATH) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const verdict = verdictOf(request.socket);
    sockets.handleUpgrade(request, socket, head, (ws) => {
      if (verdict.ok) return serveSocket(ws, options.host);
      logRefusal(verdict.peer, verdict.message);
      const refusal: ServerFrame = { id: null, error: { code: 'PERMISSION_DENIED', message: verdict.message } };
      ws.send(JSON.stringify(refusal));
      ws.close(REFUSED_CLOSE_CODE, 'PERMISSION_DENIED');
    });
  });

  const fd = activatedSocketFd(options.env);
  if (fd === undefined) await claimSocketPath(options.socketPath);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    const listening = () => {
      server.off('error', reject);
      resolve();
    };
    if (fd !== undefined) server.listen({ fd }, listening);
    else bindPrivately(() => server.listen(options.socketPath, listening));
  });
  if (fd === undefined && group) {
    try {
      shareWithGroup(options.socketPath, group.gid);
    } catch (error) {
      server.close();
      throw error;
    }
  }

  let closing: Promise<void> | undefined;
  return {
    address: fd === undefined ? options.socketPath : `fd ${fd} (systemd socket activation)`,
    activated: fd !== undefined,
    close() {
      // A socket from systemd is systemd's: it stays and keeps queueing for the next start.
      closing ??= closeServer(server, sockets, 'the Strata service is shutting down');
      return closing;
    },
    connections: () => open,
  };
}
