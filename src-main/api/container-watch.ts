// `containers.changed` events. Two sources: the dispatcher re-lists after every
// `containers.*` call made through the API (so its own changes are told at once), and a
// poll re-lists every pollMs while anyone listens, to notice what other processes do —
// the CLI, a container exiting, a restart policy. Each re-list is compared with the last
// one; only differences are published. Nothing runs while no one listens.
import type { ContainerChangedEvent, ContainerRecord } from '@shared/api/types/containers';

export const CONTAINER_POLL_MS = 1000;

export class ContainerWatcher {
  /** id → the record as JSON, as last seen; undefined while no one listens. */
  private known: Map<string, string> | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly list: () => ContainerRecord[],
    private readonly publish: (event: ContainerChangedEvent) => void,
    private readonly pollMs = CONTAINER_POLL_MS,
  ) {}

  /** Takes the current list as the baseline and starts polling. Returns stop. */
  start(): () => void {
    this.known = fingerprints(this.read() ?? []);
    this.timer = setInterval(() => this.refresh(), this.pollMs);
    this.timer.unref();
    return () => this.stop();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.known = undefined;
  }

  /** Re-lists and publishes what changed since the last look (no-op while no one listens). */
  refresh(): void {
    if (!this.known) return;
    const records = this.read();
    if (!records) return;
    const current = fingerprints(records);
    for (const record of records) {
      if (this.known.get(record.id) !== current.get(record.id)) this.publish({ id: record.id, container: record });
    }
    for (const id of this.known.keys()) if (!current.has(id)) this.publish({ id });
    this.known = current;
  }

  /** The containers now, or undefined when the store cannot be read this time (the next look retries). */
  private read(): ContainerRecord[] | undefined {
    try {
      return this.list();
    } catch {
      return undefined;
    }
  }
}

function fingerprints(records: ContainerRecord[]): Map<string, string> {
  return new Map(records.map((record) => [record.id, JSON.stringify(record)]));
}
