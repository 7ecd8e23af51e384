// What the charts plot, from the API's stats: a live sample (1 Hz) or a stored history
// point (one per 10 s) become the same StatsPoint. The sampler already works out rates and
// leaves a value null when it is not known (never zero), so this only picks the fields.
import type { HistoryPoint, StatsSample } from '@shared/api/types/stats';

export interface StatsPoint {
  /** ms since the epoch. */
  time: number;
  cpuPercent: number | null;
  memoryWorkingSet: number | null;
  memoryLimit: number | null;
  pids: number | null;
  pidsLimit: number | null;
  /** Bytes per second. */
  netRx: number | null;
  netTx: number | null;
  blockRead: number | null;
  blockWrite: number | null;
}

export function pointOf(sample: StatsSample | HistoryPoint): StatsPoint {
  return {
    time: sample.time,
    cpuPercent: sample.cpuPercent,
    memoryWorkingSet: sample.memoryWorkingSet,
    memoryLimit: sample.memoryLimit,
    pids: sample.pidsCurrent,
    pidsLimit: sample.pidsLimit,
    netRx: sample.netRxBytesPerSec,
    netTx: sample.netTxBytesPerSec,
    blockRead: sample.blkioReadBytesPerSec,
    blockWrite: sample.blkioWriteBytesPerSec,
  };
}
