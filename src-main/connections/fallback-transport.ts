// A transport that tries one connection and, if it cannot be reached at all, uses another
// for good: root's read-only commands try the system engine (served-store.ts) and fall back
// to the engine in their own process when its socket does not answer (a service killed
// without cleaning up). A refusal or an error from an engine that answered is its answer,
// not a reason to switch. Subscriptions stay where they were made: this is for commands
// that only call.
import type { EventListener, Reply } from '@shared/api/protocol';
import type { ClosableTransport } from './local-transport';

export function fallbackTransport(first: ClosableTransport, fallback: () => ClosableTransport): ClosableTransport {
  let current = first;
  let reached = false; // the first has answered once: from then on its replies are its own
  let closed = false;
  return {
    async invoke(method: string, input: unknown): Promise<Reply> {
      const used = current;
      const reply = await used.invoke(method, input);
      if (used !== first || reached || closed || !unreachable(reply)) {
        if (used === first) reached = true;
        return reply;
      }
      if (current === first) {
        first.close();
        current = fallback();
      }
      return current.invoke(method, input);
    },
    subscribe(event: string, listener: EventListener): () => void {
      return current.subscribe(event, listener);
    },
    close(): void {
      closed = true;
      current.close();
    },
  };
}

function unreachable(reply: Reply): boolean {
  return 'error' in reply && reply.error.code === 'UNAVAILABLE';
}
