// How calls, answers and events travel, whatever carries them (Electron IPC or a
// WebSocket). Runs anywhere: the renderer, the preload, the main process and the server.
import type { ErrorShape } from '../errors';

/** The answer to one call: its output, or the error as `{ code, message }`. Never thrown across. */
export type Reply = { result: unknown } | { error: ErrorShape };

export type EventListener = (payload: unknown) => void;

/**
 * What the client needs from a transport; the Electron preload exposes exactly this (plus
 * version and platform) as `window.strata`, and webSocketTransport builds it over a socket.
 */
export interface Transport {
  invoke(method: string, input: unknown): Promise<Reply>;
  /** Listens to an event (asking the engine side to send it); returns the way to stop. */
  subscribe(event: string, listener: EventListener): () => void;
}

// The WebSocket frames (JSON text, one object per frame). Client → server:
//   { "id": 1, "method": "images.list", "input": {} }        a call
//   { "id": 2, "subscribe": "containers.changed" }           start receiving an event
//   { "id": 3, "unsubscribe": "containers.changed" }         stop
// Server → client:
//   { "id": 1, "result": [...] }  or  { "id": 1, "error": { "code": "NOT_FOUND", "message": "…" } }
//   { "event": "containers.changed", "payload": { … } }
// Ids are the client's (numbers or strings), echoed back; answers may come out of order.
// A frame the server cannot read is answered with `"id": null` and INVALID_ARGUMENT.

export type FrameId = number | string;

export type ClientFrame =
  | { id: FrameId; method: string; input?: unknown }
  | { id: FrameId; subscribe: string }
  | { id: FrameId; unsubscribe: string };

export type ServerFrame = ({ id: FrameId | null } & Reply) | { event: string; payload: unknown };

/** The WebSocket endpoint, on the same host and port as the page. */
export const SOCKET_PATH = '/api';

/** The query parameter carrying the access token, in the page's URL and the socket's. */
export const TOKEN_PARAM = 'token';

/** The Electron IPC channels (main ⇄ preload). */
export const IPC_CHANNELS = {
  invoke: 'strata:invoke',
  subscribe: 'strata:subscribe',
  unsubscribe: 'strata:unsubscribe',
  /** renderer → main: the system's open dialog (Electron only; not the API). */
  pickPath: 'strata:pick-path',
  /** main → renderer: (event name, payload, sequence number). */
  event: 'strata:event',
  /** renderer → main: the sequence number of the last event the preload has taken (the window's backlog, src-main/electron/delivery-ledger.ts). */
  eventsTaken: 'strata:events-taken',
} as const;
