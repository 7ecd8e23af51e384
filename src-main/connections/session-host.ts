// What a front end (the window's IPC, `strata serve`'s WebSocket, the CLI) needs from
// whatever answers the API: sessions. The in-process `Api` is one; a proxy to an engine
// behind a socket is another — so a front end does not care where its engine runs.
import type { Reply } from '@shared/api/protocol';
import type { EventName } from '@shared/api/contract';
import type { SessionOptions } from '../api/session';

export type { SessionOptions };

/** Delivers one event to the client. */
export type SessionSink = (event: EventName, payload: unknown) => void;

/** One client's calls and subscriptions; close() ends what it started (log follows). */
export interface ClientSession {
  call(method: string, input: unknown): Promise<Reply>;
  subscribe(event: string): Reply | Promise<Reply>;
  unsubscribe(event: string): Reply | Promise<Reply>;
  close(): void;
}

export interface SessionHost {
  openSession(sink: SessionSink, options?: SessionOptions): ClientSession;
}
