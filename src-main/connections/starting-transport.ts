// A transport whose connection is made once something before it is done: the rootless
// engine started (rootless-start.ts), or the socket client's code loaded (cli/connect.ts).
import type { EventListener, Reply } from '@shared/api/protocol';
import { toErrorShape } from '@shared/errors';
import type { ClosableTransport } from './local-transport';

/**
 * A transport that first waits for `start` (the engine's start, or the client's code
 * loading), then is `connect()`'s: calls made
 * meanwhile wait; a start that fails fails them with its error. Subscriptions made before
 * the connection reach it before any waiting call does (a job's events are asked for
 * before the job starts).
 */
export function startingTransport(start: () => Promise<void>, connect: () => ClosableTransport): ClosableTransport {
  let closed = false;
  let connected: ClosableTransport | undefined;
  const pending = new Set<{ event: string; listener: EventListener; stop?: () => void }>();
  const ready: Promise<ClosableTransport | { error: ReturnType<typeof toErrorShape> }> = start().then(
    () => {
      connected = connect();
      for (const entry of pending) entry.stop = connected.subscribe(entry.event, entry.listener);
      if (closed) connected.close();
      return connected;
    },
    (error: unknown) => ({ error: toErrorShape(error) }),
  );
  return {
    async invoke(method: string, input: unknown): Promise<Reply> {
      const value = await ready;
      if ('error' in value) return { error: value.error };
      return closed ? { error: { code: 'INTERNAL', message: 'the transport is closed' } } : value.invoke(method, input);
    },
    subscribe(event: string, listener: EventListener): () => void {
      if (connected) return connected.subscribe(event, listener);
      const entry: { event: string; listener: EventListener; stop?: () => void } = { event, listener };
      pending.add(entry);
      return () => {
        pending.delete(entry);
        entry.stop?.();
      };
    },
    close(): void {
      closed = true;
      connected?.close();
    },
  };
}
