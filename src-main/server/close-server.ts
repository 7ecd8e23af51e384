// Ending an http server that carries API WebSockets (`strata serve`, the system service):
// every client is told the server is going (close 1001), those that do not finish the
// closing handshake within a second are cut, and the server waits for its connections.
import type http from 'node:http';
import type { WebSocketServer } from 'ws';

export async function closeServer(server: http.Server, sockets: WebSocketServer, reason: string): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  for (const ws of sockets.clients) ws.close(1001, reason);
  const cut = setTimeout(() => {
    for (const ws of sockets.clients) ws.terminate();
  }, 1000);
  server.closeAllConnections();
  sockets.close();
  await closed;
  clearTimeout(cut);
}
