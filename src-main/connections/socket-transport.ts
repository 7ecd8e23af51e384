// A Transport to an engine behind a Unix socket (`strata system service`): the API table's
// WebSocket frames over the socket (the `ws` package's `ws+unix:` URLs), so calls, jobs,
// events, log follows and stats travel as they do over `strata serve`'s TCP socket.
import { WebSocket } from 'ws';
import type { ErrorShape } from '@shared/errors';
import { SYSTEM_GROUP } from './connection';
import { SOCKET_PATH } from '@shared/api/protocol';
import { type SocketConstructor, type WebSocketTransport, webSocketTransport } from '@shared/api/ws-transport';

/** The `ws` URL of the API endpoint behind a Unix socket. */
export function unixSocketUrl(socketPath: string): string {
  return `ws+unix://${socketPath}:${SOCKET_PATH}`;
}

export function socketTransport(socketPath: string): WebSocketTransport {
  return webSocketTransport(unixSocketUrl(socketPath), {
    WebSocket: WebSocket as unknown as SocketConstructor,
    connectFailure: (event) => connectFailure(socketPath, (event as { error?: unknown }).error),
  });
}

/** Why the socket could not be reached, as the user can act on it: UNAVAILABLE, naming the path. */
export function connectFailure(socketPath: string, error: unknown): ErrorShape {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const why =
    code === 'ENOENT'
      ? 'no such socket: is the engine running? (strata system service)'
      : code === 'ECONNREFUSED'
        ? 'connection refused: nothing listens on the socket, is the engine running?'
        : code === 'EACCES' || code === 'EPERM'
          ? `permission denied: the system engine takes root and members of the group ${SYSTEM_GROUP}`
          : code === 'ENOTSOCK'
            ? 'not a socket'
            : error instanceof Error
              ? error.message
              : 'the connection failed';
  return { code: 'UNAVAILABLE', message: `cannot reach the Strata engine at ${socketPath} (${why})` };
}
