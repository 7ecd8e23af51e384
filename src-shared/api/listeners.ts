// Local listeners per event name, for transports: the first listener of an event is when
// to ask the other side to send it, the last one gone is when to tell it to stop.
import type { EventListener } from './protocol';

export class EventListeners {
  private readonly byEvent = new Map<string, Set<EventListener>>();

  /** Adds a listener; `first` says whether the event had none before. */
  add(event: string, listener: EventListener): { first: boolean; remove: () => { last: boolean } } {
    let set = this.byEvent.get(event);
    const first = set === undefined;
    if (!set) this.byEvent.set(event, (set = new Set()));
    // Each add is its own registration, so the same function added twice is removed twice.
    const entry: EventListener = (payload) => listener(payload);
    set.add(entry);
    let removed = false;
    return {
      first,
      remove: () => {
        if (removed) return { last: false };
        removed = true;
        set.delete(entry);
        if (set.size > 0 || this.byEvent.get(event) !== set) return { last: false };
        this.byEvent.delete(event);
        return { last: true };
      },
    };
  }

  /** Calls every listener of `event`; one that throws does not stop the others. */
  emit(event: string, payload: unknown): void {
    for (const listener of [...(this.byEvent.get(event) ?? [])]) {
      try {
        listener(payload);
      } catch (error) {
        console.error(`strata: a listener of ${event} failed:`, error);
      }
    }
  }

  /** The events that have listeners (to subscribe again after a reconnect). */
  events(): string[] {
    return [...this.byEvent.keys()];
  }
}
