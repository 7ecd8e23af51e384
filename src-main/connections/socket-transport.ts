// A Transport to an engine behind a Unix socket (`strata system service`): the API table's
// WebSocket frames over the socket (the `ws` package's `ws+unix:` URLs), so calls, jobs,
// events, log follows and stats travel as they do over `strata serve`'s TCP socket. A
// socket this user may not open fails calls with PERMISSION_DENIED and how to get in.
import { WebSocket } from 'ws';
import { SOCKET_PATH } from '@shared/api/protocol';
import { toErrorShape } from '@shared/errors';
import { socketAccessDenied } from './access-denied';
import { type SocketConstructor, type WebSocketTransport, type WebSocketTransportOptions, webSocketTransport } from '@shared/api/ws-transport';

/** The `ws` URL of the API endpoint behind a Unix socket. */
export function unixSocketUrl(socketPath: string): string {
  return `ws+unix://${socketPath}:${SOCKET_PATH}`;
}

export function socketTransport(socketPath: string, options: Pick<WebSocketTransportOptions, 'onStatus'> = {}): WebSocketTransport {
  return webSocketTransport(unixSocketUrl(socketPath), {
    ...options,
    WebSocket: WebSocket as unknown as SocketConstructor,
    // The socket's mode turns away users outside its group before the engine sees them.
    describeConnectError: (error) => ((error as NodeJS.ErrnoException | undefined)?.code === 'EACCES' ? toErrorShape(socketAccessDenied(socketPath)) : undefined),
  });
}
