// A Transport to an engine behind a Unix socket (`strata system service`): the API table's
// WebSocket frames over the socket (the `ws` package's `ws+unix:` URLs), so calls, jobs,
// events, log follows and stats travel as they do over `strata serve`'s TCP socket.
import { WebSocket } from 'ws';
import { SOCKET_PATH } from '@shared/api/protocol';
import { type SocketConstructor, type WebSocketTransport, webSocketTransport } from '@shared/api/ws-transport';

/** The `ws` URL of the API endpoint behind a Unix socket. */
export function unixSocketUrl(socketPath: string): string {
  return `ws+unix://${socketPath}:${SOCKET_PATH}`;
}

export function socketTransport(socketPath: string): WebSocketTransport {
  return webSocketTransport(unixSocketUrl(socketPath), { WebSocket: WebSocket as unknown as SocketConstructor });
}
