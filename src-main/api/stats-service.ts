// The stats sampler behind the API: one per engine process, started with the API and
// stopped with it. Batches reach only the clients subscribed to `stats.samples` (the event
// bus sees to that). Every engine samples for its own clients; the history on disk is the
// store's, written only by its elected supervisor: given one, the sampler writes history
// while that supervisor is elected; without one, it never writes (it only reads).
import type { Engine } from '../engine/index';
import { type StatsSampler, exportContainerStatsHistory, openContainerStatsSampler } from '../engine/stats/index';
import type { HistoryExportFormat } from '../engine/stats/export';
import type { HistoryPoint } from '../engine/stats/history-point';
import type { StatsBatch, StatsSample } from '../engine/stats/sample';
import type { StoreSupervisor } from '../engine/supervisor/store-supervisor';

export class StatsService {
  private readonly sampler: Promise<StatsSampler | undefined>;
  private detach: (() => void) | undefined;

  constructor(
    private readonly engine: Engine,
    onError: (error: unknown) => void,
    supervisor?: StoreSupervisor,
  ) {
    this.sampler = openContainerStatsSampler(engine.store, { writeHistory: false }).then(
      (sampler) => {
        this.detach = supervisor?.writeHistoryOf(sampler);
        sampler.start();
        return sampler;
      },
      (error: unknown) => {
        onError(error); // no cgroups to read here: the API still answers, with no samples
        return undefined;
      },
    );
  }

  /** Every batch from now on; returns the unsubscribe. */
  subscribe(listener: (batch: StatsBatch) => void): () => void {
    let unsubscribe: (() => void) | undefined;
    let cancelled = false;
    void this.sampler.then((sampler) => {
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
    return (await this.sampler)?.recent(id) ?? [];
  }

  /** The container's stored history: 10-s points, the last 24 h (or since `sinceMs`). */
  async history(ref: string, sinceMs?: number): Promise<HistoryPoint[]> {
    const { id } = await this.engine.inspectContainer(ref);
    return (await this.sampler)?.historyOf(id, { sinceMs }) ?? [];
  }

  /** The stored history as CSV or JSON text, for a download. */
  export(ref: string, format: HistoryExportFormat): Promise<string> {
    return exportContainerStatsHistory(this.engine.store, ref, format);
  }

  /** Stops sampling (writing the last partial points if this engine writes history), then lets go of the supervisor. */
  async close(): Promise<void> {
    await (await this.sampler)?.stop();
    this.detach?.();
  }
}
