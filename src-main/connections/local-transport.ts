// A Transport over one session of an in-process host (the engine in this process): what the
// CLI uses for the `local` connection, so its commands go through the same API table as
// over a socket. Listeners fan out locally; the session is asked for an event once.
import { EventListeners } from '@shared/api/listeners';
import type { EventListener, Reply, Transport } from '@shared/api/protocol';
import type { ClientSession, SessionHost } from './session-host';

export interface ClosableTransport extends Transport {
  /** Ends the session (its log follows) and fails later calls. */
  close(): void;
}

export function localTransport(host: SessionHost): ClosableTransport {
  const listeners = new EventListeners();
  const session: ClientSession = host.openSession((event, payload) => listeners.emit(event, payload));
  let closed = false;
  const warnOnError = (kind: string, event: string) => (reply: Reply) => {
    if ('error' in reply) console.warn(`strata: cannot ${kind} ${event}: ${reply.error.message}`);
  };
  return {
    invoke(method: string, input: unknown): Promise<Reply> {
      if (closed) return Promise.resolve({ error: { code: 'INTERNAL', message: 'the transport is closed' } });
      return session.call(method, input);
    },
    subscribe(event: string, listener: EventListener): () => void {
      const registration = listeners.add(event, listener);
      if (registration.first && !closed) void Promise.resolve(session.subscribe(event)).then(warnOnError('subscribe to', event));
      return () => {
        if (registration.remove().last && !closed) void Promise.resolve(session.unsubscribe(event)).then(warnOnError('unsubscribe from', event));
      };
    },
    close(): void {
      if (closed) return;
      closed = true;
      session.close();
    },
  };
}
