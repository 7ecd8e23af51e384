// The event bus inside the engine's process: handlers and pollers publish, sessions (one
// per window or WebSocket connection) subscribe. Work that produces an event only for
// listeners (a poll, a sampler) runs only while the event has at least one.
import type { EventName, EventPayload } from '@shared/api/contract';

type Listener = (payload: unknown) => void;

export class EventBus {
  private readonly listeners = new Map<EventName, Set<Listener>>();
  private readonly producers = new Map<EventName, { start: () => () => void; stop?: () => void }>();

  publish<E extends EventName>(event: E, payload: EventPayload<E>): void {
    for (const listener of [...(this.listeners.get(event) ?? [])]) {
      try {
        listener(payload);
      } catch (error) {
        console.error(`strata: a listener of ${event} failed:`, error);
      }
    }
  }

  subscribe<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    const entry: Listener = (payload) => listener(payload as EventPayload<E>);
    set.add(entry);
    if (set.size === 1) this.startProducer(event);
    return () => {
      if (!set.delete(entry) || set.size > 0) return;
      this.listeners.delete(event);
      this.stopProducer(event);
    };
  }

  hasSubscribers(event: EventName): boolean {
    return (this.listeners.get(event)?.size ?? 0) > 0;
  }

  /** Runs `start` while `event` has subscribers; `start` returns how to stop. */
  produceOnDemand(event: EventName, start: () => () => void): void {
    this.producers.set(event, { start });
    if (this.hasSubscribers(event)) this.startProducer(event);
  }

  /** Stops every producer; subscriptions stay (their owners end them). */
  close(): void {
    for (const event of this.producers.keys()) this.stopProducer(event);
    this.producers.clear();
  }

  private startProducer(event: EventName): void {
    const producer = this.producers.get(event);
    if (producer && !producer.stop) producer.stop = producer.start();
  }

  private stopProducer(event: EventName): void {
    const producer = this.producers.get(event);
    const stop = producer?.stop;
    if (!producer || !stop) return;
    producer.stop = undefined;
    stop();
  }
}
