// Stats for the charts (src-renderer/src/lib/stats-sample.ts): a live sample and a stored
// history point become the same StatsPoint; a figure the engine does not know stays null
// (never 0), and only the fields the charts draw are kept.
import { describe, expect, it } from 'vitest';
import type { HistoryPoint } from '@shared/api/types/stats';
import { pointOf } from '../../../src-renderer/src/lib/stats-sample';
import { sample } from '../records';

describe('pointOf', () => {
  it('picks what the charts draw from a live sample, nulls kept as nulls', () => {
    const live = sample('c1', 1_000, { cpuPercent: 12.5, memoryWorkingSet: 4096, memoryLimit: 8192, pidsCurrent: 3, netRxBytesPerSec: 10, blkioWriteBytesPerSec: 0, memoryUsage: 9999, netRxBytes: 123 });
    expect(pointOf(live)).toEqual({ time: 1_000, cpuPercent: 12.5, memoryWorkingSet: 4096, memoryLimit: 8192, pids: 3, pidsLimit: null, netRx: 10, netTx: null, blockRead: null, blockWrite: 0 });
  });

  it('reads a stored history point the same way (its means, not its peaks)', () => {
    const point: HistoryPoint = {
      time: 10_000,
      samples: 10,
      cpuPercent: 20,
      cpuPercentMax: 95,
      cpuThrottledPercent: null,
      cpuThrottledPeriods: null,
      memoryUsage: 600,
      memoryWorkingSet: 500,
      memoryWorkingSetMax: 700,
      memoryLimit: 1000,
      memoryOomEvents: null,
      memoryOomKills: null,
      pidsCurrent: 2,
      pidsLimit: 64,
      blkioReadBytesPerSec: 1,
      blkioWriteBytesPerSec: 2,
      blkioReadBytes: null,
      blkioWriteBytes: null,
      netRxBytesPerSec: 3,
      netTxBytesPerSec: 4,
      netRxBytes: null,
      netTxBytes: null,
    };
    expect(pointOf(point)).toEqual({ time: 10_000, cpuPercent: 20, memoryWorkingSet: 500, memoryLimit: 1000, pids: 2, pidsLimit: 64, netRx: 3, netTx: 4, blockRead: 1, blockWrite: 2 });
  });
});
