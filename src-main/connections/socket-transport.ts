// A Transport to an engine behind a Unix socket (`strata system service`): the API table's
// WebSocket frames over the socket (the `ws` package's `ws+unix:` URLs), so calls, jobs,
// events, log follows and stats travel as they do over `strata serve`'s TCP socket. A
// socket this user may not open fails calls with PERMISSION_DENIED and how to get in; one
// that cannot be reached, with UNAVAILABLE naming the path and why.
import { createRequire } from 'node:module';
import type { WebSocket } from 'ws';
import { SOCKET_PATH } from '@shared/api/protocol';
import { type ErrorShape, toErrorShape } from '@shared/errors';
import { type SocketConstructor, type WebSocketTransport, type WebSocketTransportOptions, webSocketTransport } from '@shared/api/ws-transport';
import { socketAccessDenied } from './access-denied';

/** The `ws` URL of the API endpoint behind a Unix socket. */
export function unixSocketUrl(socketPath: string): string {
  return `ws+unix://${socketPath}:${SOCKET_PATH}`;
}

/**
 * `ws`, required when a socket is first opened: a command on the local engine never loads
 * it, and require() of the CommonJS package costs a third of what an ESM import of it does
 * (~45 ms vs ~150 ms of CPU here: CLI start-up, issue 18).
 */
function webSocketClass(): typeof WebSocket {
  return (createRequire(import.meta.url)('ws') as { WebSocket: typeof WebSocket }).WebSocket;
}

export function socketTransport(socketPath: string, options: Pick<WebSocketTransportOptions, 'onStatus'> = {}): WebSocketTransport {
  return webSocketTransport(unixSocketUrl(socketPath), {
    ...options,
    WebSocket: webSocketClass() as unknown as SocketConstructor,
    describeConnectError: (error) => connectFailure(socketPath, error),
  });
}

/** Why the socket could not be reached, as the user can act on it. */
export function connectFailure(socketPath: string, error: unknown): ErrorShape {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  // The socket's mode turns away users outside its group before the engine sees them.
  if (code === 'EACCES' || code === 'EPERM') return toErrorShape(socketAccessDenied(socketPath));
  const why =
    code === 'ENOENT'
      ? 'no such socket: is the engine running? (strata system service)'
      : code === 'ECONNREFUSED'
        ? 'connection refused: nothing listens on the socket, is the engine running?'
        : code === 'ENOTSOCK'
          ? 'not a socket'
          : error instanceof Error
            ? error.message
            : 'the connection failed';
  return { code: 'UNAVAILABLE', message: `cannot reach the Strata engine at ${socketPath} (${why})` };
}
