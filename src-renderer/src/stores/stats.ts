// Live stats of every container: one Series per container (the last 5 minutes at 1 Hz),
// fed by `stats.samples` batches and, for a container opened in the detail, seeded with its
// last 5 minutes (stats.recent) in front of what came live. The series are plain arrays outside Vue's reactivity;
// `tick` moves once per batch and is what charts watch. The 1 h and 24 h ranges come from
// the stored history (stats.history, one point per 10 s) into a separate series.
// The list's sparklines share one scale per figure (sparkTop): every CPU sparkline on one,
// every memory sparkline on another, so that rows compare at a glance.
import { defineStore } from 'pinia';
import { markRaw, nextTick, ref, shallowRef } from 'vue';
import { api } from '../api/bridge';
import { errorMessage } from '../api/errors';
import { type ValueSteps, fitAxis } from '../lib/chart-scale';
import { Series, sharedPeak } from '../lib/series';
import { pointOf } from '../lib/stats-sample';
import type { StatsSample } from '@shared/api/types/stats';

/** 5 minutes at one sample a second. */
export const LIVE_POINTS = 300;

export type StatsRange = '5m' | '1h' | '24h';
export const RANGES: readonly { id: StatsRange; label: string; ms: number }[] = [
  { id: '5m', label: '5 min (live)', ms: 5 * 60_000 },
  { id: '1h', label: '1 hour', ms: 3_600_000 },
  { id: '24h', label: '24 hours', ms: 86_400_000 },
];

/** What a sparkline in the list spans. */
export const SPARK_MS = 60_000;

/** The figures the list draws as sparklines, and their scales' steps and least tops. */
export type SparkKey = 'cpuPercent' | 'memoryWorkingSet';
const SPARK_AXES: Record<SparkKey, { steps: ValueSteps; floor: number }> = {
  cpuPercent: { steps: 'decimal', floor: 1 },
  memoryWorkingSet: { steps: 'binary', floor: 1024 * 1024 },
};

/** The name of the performance measure around one batch (bench/renderer.js reads it). */
export const TICK_MEASURE = 'strata:stats-tick';

export const useStatsStore = defineStore('stats', () => {
  const live = new Map<string, Series>();
  /** Moves once per applied batch: what charts and figures watch. */
  const tick = ref(0);
  /** Whether any sample has arrived since the window opened. */
  const receiving = ref(false);
  const range = ref<StatsRange>('5m');
  /** The open container's stored history for the 1 h or 24 h range. */
  const history = shallowRef<Series | undefined>();
  const historyError = ref<string | undefined>();
  const historyLoading = ref(false);
  let stop: (() => void) | undefined;
  /** The containers whose sparklines are on screen: the shared scales span these alone. */
  const sparkRows = new Map<string, number>();
  /** The shared scales' tops, worked out once per tick (and again when a row comes or goes). */
  let sparkTops: Partial<Record<SparkKey, number>> = {};
  let sparkTopsAt = -1;
  /** The containers whose recent samples were asked for (seed). */
  const seeded = new Set<string>();
  /** Counts history reads: only the newest may set what is shown (ranges switch faster than 24 h loads). */
  let historyRequest = 0;

  function start(): void {
    stop ??= api.on('stats.samples', (batch) => void apply(batch));
  }

  async function apply(batch: StatsSample[]): Promise<void> {
    performance.mark(`${TICK_MEASURE}:start`);
    for (const sample of batch) seriesOf(sample.id).push(pointOf(sample));
    receiving.value = true;
    tick.value++;
    await nextTick(); // charts and figures have redrawn
    performance.measure(TICK_MEASURE, `${TICK_MEASURE}:start`);
  }

  function seriesOf(id: string): Series {
    let series = live.get(id);
    if (!series) live.set(id, (series = markRaw(new Series(LIVE_POINTS))));
    return series;
  }

  /** A row shows its sparklines until the returned function is called. */
  function showSparks(id: string): () => void {
    sparkRows.set(id, (sparkRows.get(id) ?? 0) + 1);
    sparkTopsAt = -1;
    return () => {
      const left = (sparkRows.get(id) ?? 1) - 1;
      if (left > 0) sparkRows.set(id, left);
      else sparkRows.delete(id);
      sparkTopsAt = -1;
    };
  }

  /** The top of the scale every sparkline of `key` is drawn on: the rows' last minute, with headroom, on a round figure. */
  function sparkTop(key: SparkKey): number {
    if (sparkTopsAt !== tick.value) {
      sparkTops = {};
      sparkTopsAt = tick.value;
    }
    return (sparkTops[key] ??= fitAxis(
      sharedPeak(Array.from(sparkRows.keys(), (id) => seriesOf(id).lines[key]), SPARK_MS),
      SPARK_AXES[key].steps,
      { floor: SPARK_AXES[key].floor },
    ).scale.max);
  }

  /**
   * Fills a container's live series with its last 5 minutes, once per container: what the
   * engine kept from before the window's own samples goes in front of them. (An exited
   * container's cgroup is sampled on until it is removed, so a window opened after the exit
   * has live samples of it at once, all after the exit: its life is in the recent ones.)
   */
  async function seed(id: string): Promise<void> {
    if (seeded.has(id)) return;
    seeded.add(id);
    try {
      const samples = await api.call('stats.recent', { ref: id });
      const series = seriesOf(id);
      const size = series.size;
      series.prepend(samples.map(pointOf));
      if (series.size !== size) tick.value++;
    } catch {
      seeded.delete(id); // nothing recent (not sampled yet): asked again next time
    }
  }

  async function loadHistory(id: string): Promise<void> {
    const span = RANGES.find((r) => r.id === range.value)!;
    const mine = ++historyRequest;
    history.value = undefined;
    historyError.value = undefined;
    historyLoading.value = false;
    if (range.value === '5m') return;
    historyLoading.value = true;
    try {
      const points = await api.call('stats.history', { ref: id, sinceMs: Date.now() - span.ms });
      if (mine !== historyRequest) return;
      const series = markRaw(new Series(Math.max(points.length, 1)));
      for (const point of points) series.push(pointOf(point));
      history.value = series;
    } catch (error) {
      if (mine === historyRequest) historyError.value = errorMessage(error);
    } finally {
      if (mine === historyRequest) historyLoading.value = false;
    }
  }

  /** The container's stored history as a file to save (the engine's CSV or JSON). */
  async function exportFile(id: string, name: string, format: 'csv' | 'json'): Promise<{ filename: string; blob: Blob }> {
    const { text } = await api.call('stats.export', { ref: id, format });
    return { filename: `${name}-stats.${format}`, blob: new Blob([text], { type: format === 'csv' ? 'text/csv' : 'application/json' }) };
  }

  return { tick, receiving, range, history, historyError, historyLoading, start, seriesOf, seed, loadHistory, exportFile, showSparks, sparkTop };
});
