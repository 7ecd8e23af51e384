// `containers.changed` events, driven by the store's record cache rather than by re-listing:
// - the cache tells of every record this process writes, at once, and of what other
//   processes write (the CLI, a restart policy) or a shim's exit.json, through inotify;
// - the dispatcher calls refresh() after every `containers.*` call: one listing of
//   containers/ (for created and removed ones) and a re-read of the containers touched;
// - a slow poll compares everything, as a safety net only: for filesystems without inotify,
//   a lost event, and a container whose init and shim both died without an exit.json (its
//   state changes with no file changing at all).
// Each look is compared with what was last published; only differences go out. Nothing
// runs while no one listens. Looks read the store off the event loop, one at a time (each
// after the one before has published): two at once could publish an older state last.
import type { ContainerChangedEvent, ContainerRecord } from '@shared/api/types/containers';
import { isStrataError } from '@shared/errors';

export const CONTAINER_POLL_MS = 10_000;
/** A container that could not be read (its record mid-change, a lock held): looked at again this soon. */
export const CONTAINER_RETRY_MS = 200;

/** Where the watcher looks: the engine, or a fake in tests. */
export interface ContainerSource {
  /** Every container, as observed now. */
  list(): Promise<ContainerRecord[]>;
  /** One container by full id, as observed now; NOT_FOUND when it is gone. */
  inspect(id: string): Promise<ContainerRecord>;
  /** The ids present now (a directory listing, no record read). */
  ids(): Promise<string[]>;
  /** Hints of changes: an id, or undefined for "look at all". Returns unsubscribe. */
  watch(hint: (id: string | undefined) => void): () => void;
}

export class ContainerWatcher {
  /** id → the record as JSON, as last published; undefined while no one listens (or before the first listing). */
  private known: Map<string, string> | undefined;
  /** Bumped by start and stop: a look begun before them publishes nothing. */
  private generation = 0;
  private listening = false;
  /** The looks, one after another. */
  private queue: Promise<void> = Promise.resolve();
  /** Containers hinted at since the last look. */
  private readonly touched = new Set<string>();
  private everything = false;
  private scheduled = false;
  private timer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private unwatch: (() => void) | undefined;

  constructor(
    private readonly source: ContainerSource,
    private readonly publish: (event: ContainerChangedEvent) => void,
    private readonly pollMs = CONTAINER_POLL_MS,
  ) {}

  /** Takes the current list as the baseline (its first look) and starts listening. Returns stop. */
  start(): () => void {
    const generation = ++this.generation;
    this.listening = true;
    this.unwatch = this.source.watch((id) => this.hint(id));
    void this.serially(async () => {
      const records = (await attempt(() => this.source.list())) ?? [];
      if (generation === this.generation) this.known = fingerprints(records);
    });
    this.timer = setInterval(() => void this.refreshAll(), this.pollMs);
    this.timer.unref();
    return () => this.stop();
  }

  stop(): void {
    this.generation++;
    this.listening = false;
    clearInterval(this.timer);
    this.timer = undefined;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.unwatch?.();
    this.unwatch = undefined;
    this.known = undefined;
    this.touched.clear();
    this.everything = false;
  }

  /**
   * What changed since the last look: containers that appeared or went (one listing) and
   * those hinted at, each re-read alone. No-op while no one listens. Resolves once published.
   */
  refresh(): Promise<void> {
    if (!this.listening) return Promise.resolve();
    return this.serially(async (generation) => {
      if (this.everything) return this.lookAtAll(generation);
      const ids = await attempt(() => this.source.ids());
      const known = this.known;
      if (!ids || !known || generation !== this.generation) return; // unreadable this time: the next look retries
      const present = new Set(ids);
      for (const id of ids) if (!known.has(id)) this.touched.add(id);
      for (const id of known.keys()) if (!present.has(id)) this.touched.add(id);
      const touched = [...this.touched];
      this.touched.clear();
      for (const id of touched) await this.look(id, generation);
    });
  }

  /** Re-lists everything and publishes the differences (the safety net). */
  refreshAll(): Promise<void> {
    if (!this.listening) return Promise.resolve();
    return this.serially((generation) => this.lookAtAll(generation));
  }

  private async lookAtAll(generation: number): Promise<void> {
    const records = await attempt(() => this.source.list());
    const known = this.known;
    if (!records || !known || generation !== this.generation) return;
    this.everything = false;
    this.touched.clear();
    const current = fingerprints(records);
    for (const record of records) {
      if (known.get(record.id) !== current.get(record.id)) this.publish({ id: record.id, container: record });
    }
    for (const id of known.keys()) if (!current.has(id)) this.publish({ id });
    this.known = current;
  }

  /** Resolves once the looks queued so far (the baseline too) have published. */
  idle(): Promise<void> {
    return this.queue;
  }

  /** Runs `work` after every look before it; a failure ends only that look. */
  private serially(work: (generation: number) => Promise<void>): Promise<void> {
    const generation = this.generation;
    this.queue = this.queue.then(() => work(generation)).catch(() => undefined);
    return this.queue;
  }

  private hint(id: string | undefined): void {
    if (id === undefined) this.everything = true;
    else this.touched.add(id);
    // Hints come in bursts (a write is a create and a rename): one look for the lot.
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.refresh();
    });
  }

  /**
   * Looks at `id` again shortly: a hint is used up by the look it caused, and waiting for
   * the slow poll instead would miss a state that lasts less (a kill's exit before the next start).
   */
  private retrySoon(id: string): void {
    this.touched.add(id);
    if (this.retryTimer !== undefined) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.refresh();
    }, CONTAINER_RETRY_MS);
    this.retryTimer.unref();
  }

  private async look(id: string, generation: number): Promise<void> {
    let record: ContainerRecord | undefined;
    try {
      record = await this.source.inspect(id);
    } catch (error) {
      if (!isStrataError(error, 'NOT_FOUND')) return this.retrySoon(id); // unreadable this time
    }
    const known = this.known;
    if (!known || generation !== this.generation) return;
    if (!record) {
      if (known.delete(id)) this.publish({ id });
      return;
    }
    const json = JSON.stringify(record);
    if (known.get(id) === json) return;
    known.set(id, json);
    this.publish({ id, container: record });
  }
}

async function attempt<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch {
    return undefined;
  }
}

function fingerprints(records: ContainerRecord[]): Map<string, string> {
  return new Map(records.map((record) => [record.id, JSON.stringify(record)]));
}
