// The stats sampler behind the API: one per engine process, stopped with the API. Batches
// reach only the clients subscribed to `stats.samples` (the event bus sees to that). Every
// engine samples for its own clients; the history on disk is the store's, written only by
// its elected supervisor: given one, the sampler starts with the API and writes history
// while that supervisor is elected (the window, `strata serve`); without one, it never
// writes, and it starts only when first needed — a one-shot CLI command that asks for no
// stats pays nothing for it.
import type { Engine } from '../engine/index';
import type { StatsSampler } from '../engine/stats/index';
import type { HistoryExportFormat } from '../engine/stats/export';
import type { HistoryPoint } from '../engine/stats/history-point';
import type { StatsBatch, StatsSample } from '../engine/stats/sample';
import type { StoreSupervisor } from '../engine/supervisor/store-supervisor';

export class StatsService {
  private opened: Promise<StatsSampler | undefined> | undefined;
  private detach: (() => void) | undefined;
  private closed = false;

  constructor(
    private readonly engine: Engine,
    private readonly onError: (error: unknown) => void,
    private readonly supervisor?: StoreSupervisor,
  ) {
    if (supervisor) void this.sampler();
  }

  /** The sampler, opened and started at the first call. */
  private sampler(): Promise<StatsSampler | undefined> {
    if (this.closed && !this.opened) return Promise.resolve(undefined);
    // stats/ (the sampler, the cgroup readers) is loaded here, when stats are first asked for.
    this.opened ??= import('../engine/stats/index').then(({ openContainerStatsSampler }) => openContainerStatsSampler(this.engine.store, { writeHistory: false })).then(
      (sampler) => {
        this.detach = this.supervisor?.writeHistoryOf(sampler);
        sampler.start();
        return sampler;
      },
      (error: unknown) => {
        this.onError(error); // no cgroups to read here: the API still answers, with no samples
        return undefined;
      },
    );
    return this.opened;
  }

  /** Every batch from now on; returns the unsubscribe. */
  subscribe(listener: (batch: StatsBatch) => void): () => void {
    let unsubscribe: (() => void) | undefined;
    let cancelled = false;
    void this.sampler().then((sampler) => {
      if (!cancelled && sampler) unsubscribe = sampler.subscribe(listener);
    });
    return () => {
      cancelled = true;
      unsubscribe?.();
    };
  }

  /** The container's samples of the last minutes (what a chart shows at once on opening). */
  async recent(ref: string): Promise<StatsSample[]> {
    const { id } = await this.engine.inspectContainer(ref);
    return (await this.sampler())?.recent(id) ?? [];
  }

  /** A container's limits were just changed: samples from now on show the new ones (a sampler not started yet has nothing to do). */
  async limitsChanged(id: string): Promise<void> {
    await (await this.opened)?.limitsChanged(id);
  }

  /** The container's stored history: 10-s points, the last 24 h (or since `sinceMs`). */
  async history(ref: string, sinceMs?: number): Promise<HistoryPoint[]> {
    const { id } = await this.engine.inspectContainer(ref);
    return (await this.sampler())?.historyOf(id, { sinceMs }) ?? [];
  }

  /** The stored history as CSV or JSON text, for a download. */
  async export(ref: string, format: HistoryExportFormat): Promise<string> {
    const { exportContainerStatsHistory } = await import('../engine/stats/index');
    return exportContainerStatsHistory(this.engine.store, ref, format);
  }

  /** Stops sampling (writing the last partial points if this engine writes history), then lets go of the supervisor. */
  async close(): Promise<void> {
    this.closed = true;
    await (await this.opened)?.stop();
    this.detach?.();
  }
}
