// A Transport to an engine behind a Unix socket (`strata system service`): the API table's
// WebSocket frames over the socket (unix-websocket.ts' client), so calls, jobs,
// events, log follows and stats travel as they do over `strata serve`'s TCP socket. A
// socket this user may not open fails calls with PERMISSION_DENIED and how to get in; one
// that cannot be reached, with UNAVAILABLE naming the path and why.
import { SOCKET_PATH } from '@shared/api/protocol';
import { type ErrorShape, toErrorShape } from '@shared/errors';
import { type SocketConstructor, type WebSocketTransport, type WebSocketTransportOptions, webSocketTransport } from '@shared/api/ws-transport';
import { socketAccessDenied } from './access-denied';
import { UnixWebSocket } from './unix-websocket';

export function socketTransport(socketPath: string, options: Pick<WebSocketTransportOptions, 'onStatus'> = {}): WebSocketTransport {
  const OnThisSocket: SocketConstructor = class extends UnixWebSocket {
    constructor() {
      super(socketPath, SOCKET_PATH);
    }
  };
  // The URL names the socket for messages only: OnThisSocket knows where it connects.
  return webSocketTransport(`ws+unix://${socketPath}:${SOCKET_PATH}`, {
    ...options,
    WebSocket: OnThisSocket,
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
