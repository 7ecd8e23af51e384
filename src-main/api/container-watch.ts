// `containers.changed` events, driven by the store's record cache rather than by re-listing:
// - the cache tells of every record this process writes, at once, and of what other
//   processes write (the CLI, a restart policy) or a shim's exit.json, through inotify;
// - the dispatcher calls refresh() after every `containers.*` call: one listing of
//   containers/ (for created and removed ones) and a re-read of the containers touched;
// - a slow poll compares everything, as a safety net only: for filesystems without inotify,
//   a lost event, and a container whose init and shim both died without an exit.json (its
//   state changes with no file changing at all).
// Each look is compared with what was last published; only differences go out. Nothing
// runs while no one listens.
import type { ContainerChangedEvent, ContainerRecord } from '@shared/api/types/containers';
import { isStrataError } from '@shared/errors';

export const CONTAINER_POLL_MS = 10_000;

/** Where the watcher looks: the engine, or a fake in tests. */
export interface ContainerSource {
  /** Every container, as observed now. */
  list(): ContainerRecord[];
  /** One container by full id, as observed now; NOT_FOUND when it is gone. */
  inspect(id: string): ContainerRecord;
  /** The ids present now (a directory listing, no record read). */
  ids(): string[];
  /** Hints of changes: an id, or undefined for "look at all". Returns unsubscribe. */
  watch(hint: (id: string | undefined) => void): () => void;
}

export class ContainerWatcher {
  /** id → the record as JSON, as last published; undefined while no one listens. */
  private known: Map<string, string> | undefined;
  /** Containers hinted at since the last look. */
  private readonly touched = new Set<string>();
  private everything = false;
  private scheduled = false;
  private timer: NodeJS.Timeout | undefined;
  private unwatch: (() => void) | undefined;

  constructor(
    private readonly source: ContainerSource,
    private readonly publish: (event: ContainerChangedEvent) => void,
    private readonly pollMs = CONTAINER_POLL_MS,
  ) {}

  /** Takes the current list as the baseline and starts listening. Returns stop. */
  start(): () => void {
    this.known = fingerprints(attempt(() => this.source.list()) ?? []);
    this.unwatch = this.source.watch((id) => this.hint(id));
    this.timer = setInterval(() => this.refreshAll(), this.pollMs);
    this.timer.unref();
    return () => this.stop();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.unwatch?.();
    this.unwatch = undefined;
    this.known = undefined;
    this.touched.clear();
    this.everything = false;
  }

  /**
   * What changed since the last look: containers that appeared or went (one listing) and
   * those hinted at, each re-read alone. No-op while no one listens.
   */
  refresh(): void {
    if (!this.known) return;
    if (this.everything) return this.refreshAll();
    const ids = attempt(() => this.source.ids());
    if (!ids) return; // the store cannot be read this time: the next look retries
    const present = new Set(ids);
    for (const id of ids) if (!this.known.has(id)) this.touched.add(id);
    for (const id of this.known.keys()) if (!present.has(id)) this.touched.add(id);
    const touched = [...this.touched];
    this.touched.clear();
    for (const id of touched) this.look(id);
  }

  /** Re-lists everything and publishes the differences (the safety net). */
  refreshAll(): void {
    if (!this.known) return;
    const records = attempt(() => this.source.list());
    if (!records) return;
    this.everything = false;
    this.touched.clear();
    const current = fingerprints(records);
    for (const record of records) {
      if (this.known.get(record.id) !== current.get(record.id)) this.publish({ id: record.id, container: record });
    }
    for (const id of this.known.keys()) if (!current.has(id)) this.publish({ id });
    this.known = current;
  }

  private hint(id: string | undefined): void {
    if (id === undefined) this.everything = true;
    else this.touched.add(id);
    // Hints come in bursts (a write is a create and a rename): one look for the lot.
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.refresh();
    });
  }

  private look(id: string): void {
    const known = this.known!;
    let record: ContainerRecord | undefined;
    try {
      record = this.source.inspect(id);
    } catch (error) {
      if (!isStrataError(error, 'NOT_FOUND')) return; // unreadable this time: the poll retries
    }
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

function attempt<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}

function fingerprints(records: ContainerRecord[]): Map<string, string> {
  return new Map(records.map((record) => [record.id, JSON.stringify(record)]));
}
