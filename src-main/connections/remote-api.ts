// A SessionHost whose engine is behind a Unix socket (the system engine): each session a
// front end opens — one browser tab of `strata serve --connection system`, later the
// window's IPC — gets a connection of its own to the service, so what the service keeps
// per client (subscriptions, log follows, what ends when the client goes) stays per client
// here too. Calls and subscriptions are forwarded; events come back to the session's sink.
// A session whose own client tells its backlog (the window over IPC) stops reading its
// connection while that client is too far behind (read-gate.ts), so the service's bound on a
// slow client applies to it as to any other.
import type { Reply } from '@shared/api/protocol';
import { type EventName, isEventName } from '@shared/api/contract';
import type { ConnectionStatus, WebSocketTransport } from '@shared/api/ws-transport';
import { MAX_CLIENT_BACKLOG } from '../api/terminal-relay';
import { ReadGate } from './read-gate';
import type { ClientSession, SessionHost, SessionOptions, SessionSink } from './session-host';
import { socketTransport } from './socket-transport';

export interface RemoteApiOptions {
  /** Told when a session's connection to the service opens or drops (the front end's log). */
  onStatus?: (status: ConnectionStatus) => void;
}

export class RemoteApi implements SessionHost {
  private readonly open = new Set<WebSocketTransport>();

  constructor(
    readonly socketPath: string,
    private readonly options: RemoteApiOptions = {},
  ) {}

  openSession(sink: SessionSink, options: SessionOptions = {}): ClientSession {
    const transport = socketTransport(this.socketPath, { onStatus: this.options.onStatus });
    this.open.add(transport);
    const gate = options.backlog ? new ReadGate(transport, options.backlog, MAX_CLIENT_BACKLOG) : undefined;
    /** Subscribed events → how to stop listening. */
    const subscriptions = new Map<EventName, () => void>();
    let closed = false;
    return {
      call: (method: string, input: unknown): Promise<Reply> => {
        if (closed) return Promise.resolve({ error: { code: 'CONFLICT', message: 'the session is closed' } });
        return transport.invoke(method, input);
      },
      // The service answers the subscription itself; an event name it cannot know is refused
      // here already (the table is the same on both sides), so the answer is immediate.
      subscribe: (event: string): Reply => {
        if (!isEventName(event)) return { error: { code: 'INVALID_ARGUMENT', message: `no such event: ${JSON.stringify(event)}` } };
        if (!closed && !subscriptions.has(event))
          subscriptions.set(
            event,
            transport.subscribe(event, (payload) => {
              sink(event, payload);
              gate?.check();
            }),
          );
        return { result: null };
      },
      unsubscribe: (event: string): Reply => {
        if (!isEventName(event)) return { error: { code: 'INVALID_ARGUMENT', message: `no such event: ${JSON.stringify(event)}` } };
        subscriptions.get(event)?.();
        subscriptions.delete(event);
        return { result: null };
      },
      close: (): void => {
        if (closed) return;
        closed = true;
        gate?.stop();
        subscriptions.clear();
        // Closing the connection ends on the service what this client started there.
        transport.close();
        this.open.delete(transport);
      },
    };
  }

  /** Closes every session's connection (the front end is going away). */
  close(): void {
    for (const transport of this.open) transport.close();
    this.open.clear();
  }
}
