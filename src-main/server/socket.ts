// One WebSocket connection of `strata serve` or `strata system service`: frames in (calls,
// subscriptions) and out (answers, events) for one API session, which ends when the socket
// closes. The session is the host's: the in-process Api, or a proxy to an engine behind
// another socket (connections/remote-api.ts). The frames are described in
// src-shared/api/protocol.ts.
import type { WebSocket } from 'ws';
import { z } from '@shared/zod';
import type { SessionHost } from '../connections/session-host';
import type { ClientFrame, ServerFrame } from '@shared/api/protocol';

/** A client this far behind on reading its events is dropped (it can reconnect and re-read). */
export const MAX_BUFFERED_BYTES = 32 * 1024 * 1024;

const frameId = z.union([z.number(), z.string().check(z.maxLength(200))]);

const clientFrame: z.ZodMiniType<ClientFrame> = z.union([
  z.strictObject({ id: frameId, method: z.string(), input: z.optional(z.unknown()) }),
  z.strictObject({ id: frameId, subscribe: z.string() }),
  z.strictObject({ id: frameId, unsubscribe: z.string() }),
]);

export function serveSocket(socket: WebSocket, api: SessionHost): void {
  const send = (frame: ServerFrame): void => {
    if (socket.readyState === socket.OPEN) socket.send(encode(frame));
  };
  const session = api.openSession(
    (event, payload) => {
      if (socket.bufferedAmount > MAX_BUFFERED_BYTES) return socket.close(1013, 'events are not read fast enough');
      send({ event, payload });
    },
    // a terminal's output watches it, and drops its session before the whole socket goes
    { backlog: () => socket.bufferedAmount },
  );

  socket.on('message', (data, isBinary) => {
    const frame = isBinary ? undefined : readFrame(data.toString());
    if (!frame) return send({ id: null, error: { code: 'INVALID_ARGUMENT', message: 'unreadable frame: expected a JSON text frame {id, method, input}, {id, subscribe} or {id, unsubscribe}' } });
    if ('method' in frame) {
      void session.call(frame.method, frame.input).then((reply) => send({ id: frame.id, ...reply }));
    } else if ('subscribe' in frame) {
      void Promise.resolve(session.subscribe(frame.subscribe)).then((reply) => send({ id: frame.id, ...reply }));
    } else {
      void Promise.resolve(session.unsubscribe(frame.unsubscribe)).then((reply) => send({ id: frame.id, ...reply }));
    }
  });
  socket.on('close', () => session.close());
  socket.on('error', () => socket.terminate()); // 'close' follows and ends the session
}

function readFrame(text: string): ClientFrame | undefined {
  try {
    const parsed = clientFrame.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** The frame as JSON; an answer that cannot be encoded (a bug) still answers its call, with INTERNAL. */
function encode(frame: ServerFrame): string {
  try {
    return JSON.stringify(frame);
  } catch (error) {
    const id = 'id' in frame ? frame.id : null;
    return JSON.stringify({ id, error: { code: 'INTERNAL', message: `cannot encode the answer: ${(error as Error).message}` } });
  }
}
