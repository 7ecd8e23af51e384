// The long history at reduced resolution: one point per container per interval (10 s),
// made from that interval's 1-s samples. Gauges and rates are averaged (and for CPU and
// working set the peak is kept too: a 10-s mean hides the spike that got a container
// OOM-killed); cumulative counters and limits keep their last value. Types only besides
// the aggregation, no node imports, so the API can share the type.
import type { HistoryPoint, StatsSample } from '@shared/api/types/stats';

export type { HistoryPoint };

export type HistoryValueKey = Exclude<keyof HistoryPoint, 'time' | 'samples'>;
type SampleValueKey = Exclude<keyof StatsSample, 'id' | 'time' | 'source'>;

export interface HistoryField {
  key: HistoryValueKey;
  from: SampleValueKey;
  /** mean: average of the known values; max: the peak; last: the newest known value. */
  how: 'mean' | 'max' | 'last';
  /** Decimal places kept (bytes and counts: 0). */
  digits: number;
}

/** Every value column, in file and export order. */
export const HISTORY_FIELDS: readonly HistoryField[] = [
  { key: 'cpuPercent', from: 'cpuPercent', how: 'mean', digits: 2 },
  { key: 'cpuPercentMax', from: 'cpuPercent', how: 'max', digits: 2 },
  { key: 'cpuThrottledPercent', from: 'cpuThrottledPercent', how: 'mean', digits: 2 },
  { key: 'cpuThrottledPeriods', from: 'cpuThrottledPeriods', how: 'last', digits: 0 },
  { key: 'memoryUsage', from: 'memoryUsage', how: 'mean', digits: 0 },
  { key: 'memoryWorkingSet', from: 'memoryWorkingSet', how: 'mean', digits: 0 },
  { key: 'memoryWorkingSetMax', from: 'memoryWorkingSet', how: 'max', digits: 0 },
  { key: 'memoryLimit', from: 'memoryLimit', how: 'last', digits: 0 },
  { key: 'memoryOomEvents', from: 'memoryOomEvents', how: 'last', digits: 0 },
  { key: 'memoryOomKills', from: 'memoryOomKills', how: 'last', digits: 0 },
  { key: 'pidsCurrent', from: 'pidsCurrent', how: 'mean', digits: 2 },
  { key: 'pidsLimit', from: 'pidsLimit', how: 'last', digits: 0 },
  { key: 'blkioReadBytesPerSec', from: 'blkioReadBytesPerSec', how: 'mean', digits: 0 },
  { key: 'blkioWriteBytesPerSec', from: 'blkioWriteBytesPerSec', how: 'mean', digits: 0 },
  { key: 'blkioReadBytes', from: 'blkioReadBytes', how: 'last', digits: 0 },
  { key: 'blkioWriteBytes', from: 'blkioWriteBytes', how: 'last', digits: 0 },
  { key: 'netRxBytesPerSec', from: 'netRxBytesPerSec', how: 'mean', digits: 0 },
  { key: 'netTxBytesPerSec', from: 'netTxBytesPerSec', how: 'mean', digits: 0 },
  { key: 'netRxBytes', from: 'netRxBytes', how: 'last', digits: 0 },
  { key: 'netTxBytes', from: 'netTxBytes', how: 'last', digits: 0 },
];

/** Every column of a point, `time` and `samples` first. */
export const HISTORY_COLUMNS: readonly (keyof HistoryPoint)[] = ['time', 'samples', ...HISTORY_FIELDS.map((f) => f.key)];

/** The start of the interval `time` falls in. */
export function intervalStart(time: number, intervalMs: number): number {
  return Math.floor(time / intervalMs) * intervalMs;
}

function rounded(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/** The samples of one container in one interval, summarised as they arrive. */
export class HistoryBucket {
  private samples = 0;
  private readonly sums = new Map<HistoryValueKey, { total: number; known: number; max: number; last: number | null }>();

  constructor(readonly time: number) {
    for (const field of HISTORY_FIELDS) this.sums.set(field.key, { total: 0, known: 0, max: -Infinity, last: null });
  }

  get count(): number {
    return this.samples;
  }

  add(sample: StatsSample): void {
    this.samples++;
    for (const field of HISTORY_FIELDS) {
      const value = sample[field.from];
      if (value === null) continue;
      const sum = this.sums.get(field.key)!;
      sum.total += value;
      sum.known++;
      sum.max = Math.max(sum.max, value);
      sum.last = value;
    }
  }

  toPoint(): HistoryPoint {
    const point = { time: this.time, samples: this.samples } as HistoryPoint;
    for (const field of HISTORY_FIELDS) {
      const sum = this.sums.get(field.key)!;
      const value = sum.known === 0 ? null : field.how === 'mean' ? sum.total / sum.known : field.how === 'max' ? sum.max : sum.last;
      point[field.key] = value === null ? null : rounded(value, field.digits);
    }
    return point;
  }
}
