// Readings → samples: docker's CPU %, rates per second, the first sample and resets.
import { describe, expect, it } from 'vitest';
import { EMPTY_STATS, type CgroupStats } from '../../../src-main/engine/cgroups/manager';
import { cappedMemoryLimit, counterDelta, cpuPercent, perSecond, type StatsReading, throttledPercent, toSample } from '../../../src-main/engine/stats/rates';

const GiB = 1024 ** 3;
const HOST_RAM = 16 * GiB;

function reading(over: { monoMs: number; hostNs: number; cpus?: number; stats?: Partial<CgroupStats>; generation?: number; blkioSource?: string | null; netPid?: number | null; rx?: number; tx?: number }): StatsReading {
  return {
    id: 'c1',
    time: 1_700_000_000_000 + over.monoMs,
    monoMs: over.monoMs,
    host: { totalNs: over.hostNs, onlineCpus: over.cpus ?? 4 },
    cgroup: { stats: { ...EMPTY_STATS, ...over.stats }, generation: over.generation ?? 0, blkioSource: over.blkioSource === undefined ? 'io.stat' : over.blkioSource },
    netPid: over.netPid === undefined ? 42 : over.netPid,
    net: over.rx === undefined ? null : { rxBytes: over.rx, txBytes: over.tx ?? 0, interfaces: 1 },
  };
}

describe('cpuPercent', () => {
  it('is Δcontainer / Δhost × online CPUs × 100 (100 = one core)', () => {
    // 4 CPUs over 1 s: the host clocks 4 s of CPU time; the container used 0.5 s → half a core.
    expect(cpuPercent(0, 0.5e9, { totalNs: 0, onlineCpus: 4 }, { totalNs: 4e9, onlineCpus: 4 })).toBeCloseTo(50);
    // Two full cores.
    expect(cpuPercent(1e9, 3e9, { totalNs: 10e9, onlineCpus: 4 }, { totalNs: 14e9, onlineCpus: 4 })).toBeCloseTo(200);
  });

  it('never exceeds what the online CPUs can give', () => {
    expect(cpuPercent(0, 5e9, { totalNs: 0, onlineCpus: 4 }, { totalNs: 4e9, onlineCpus: 4 })).toBe(400);
  });

  it('is null when the counter went backwards, is unknown, or no host time passed', () => {
    const h0 = { totalNs: 0, onlineCpus: 2 };
    const h1 = { totalNs: 2e9, onlineCpus: 2 };
    expect(cpuPercent(5e9, 1e9, h0, h1)).toBeNull();
    expect(cpuPercent(null, 1e9, h0, h1)).toBeNull();
    expect(cpuPercent(0, 1e9, null, h1)).toBeNull();
    expect(cpuPercent(0, 1e9, h1, h1)).toBeNull();
  });
});

describe('counters and rates', () => {
  it('counterDelta treats a counter going backwards as a reset (null), never negative', () => {
    expect(counterDelta(10, 15)).toBe(5);
    expect(counterDelta(15, 15)).toBe(0);
    expect(counterDelta(15, 10)).toBeNull();
    expect(counterDelta(null, 10)).toBeNull();
  });

  it('perSecond divides by the elapsed seconds; no time, no rate', () => {
    expect(perSecond(1000, 3000, 2)).toBe(1000);
    expect(perSecond(1000, 3000, 0)).toBeNull();
    expect(perSecond(3000, 1000, 1)).toBeNull();
  });

  it('throttledPercent is the share of periods throttled, 0 when none ran', () => {
    expect(throttledPercent(100, 110, 20, 27)).toBe(70);
    expect(throttledPercent(100, 100, 20, 20)).toBe(0);
    expect(throttledPercent(null, 100, 20, 20)).toBeNull();
    expect(throttledPercent(110, 100, 20, 27)).toBeNull();
  });

  it('caps the memory limit at host RAM; unlimited shows host RAM; no controller shows null', () => {
    expect(cappedMemoryLimit(512 * 1024 ** 2, 1, HOST_RAM)).toBe(512 * 1024 ** 2);
    expect(cappedMemoryLimit(64 * GiB, 1, HOST_RAM)).toBe(HOST_RAM);
    expect(cappedMemoryLimit(null, 1, HOST_RAM)).toBe(HOST_RAM);
    expect(cappedMemoryLimit(null, null, HOST_RAM)).toBeNull();
  });
});

describe('toSample', () => {
  const first = reading({
    monoMs: 0,
    hostNs: 100e9,
    stats: { cpuUsageNs: 10e9, cpuPeriods: 100, cpuThrottledPeriods: 10, memoryUsage: 300, memoryWorkingSet: 200, memoryLimit: null, pidsCurrent: 3, pidsLimit: 512, blkioReadBytes: 1000, blkioWriteBytes: 2000, memoryOomKills: 0 },
    rx: 5000,
    tx: 7000,
  });

  it('gives the first reading null rates (there is nothing to compare with), and the gauges and counters as read', () => {
    const sample = toSample(undefined, first, HOST_RAM);
    expect(sample).toEqual({
      id: 'c1', time: first.time, source: 'cgroup',
      cpuPercent: null, cpuThrottledPeriods: 10, cpuThrottledPercent: null,
      memoryUsage: 300, memoryWorkingSet: 200, memoryLimit: HOST_RAM, memoryOomEvents: null, memoryOomKills: 0,
      pidsCurrent: 3, pidsLimit: 512,
      blkioReadBytes: 1000, blkioWriteBytes: 2000, blkioReadBytesPerSec: null, blkioWriteBytesPerSec: null,
      netRxBytes: 5000, netTxBytes: 7000, netRxBytesPerSec: null, netTxBytesPerSec: null,
    });
  });

  it('computes every rate over the interval from the second reading on', () => {
    const second = reading({
      monoMs: 2000,
      hostNs: 108e9, // 4 CPUs × 2 s
      stats: { cpuUsageNs: 11e9, cpuPeriods: 120, cpuThrottledPeriods: 15, memoryUsage: 400, memoryWorkingSet: 250, pidsCurrent: 4, pidsLimit: 512, blkioReadBytes: 5000, blkioWriteBytes: 2000 },
      rx: 9000,
      tx: 7100,
    });
    const sample = toSample(first, second, HOST_RAM);
    expect(sample.cpuPercent).toBe(50); // 1 s of CPU in 2 s → half a core
    expect(sample.cpuThrottledPercent).toBe(25);
    expect(sample.blkioReadBytesPerSec).toBe(2000);
    expect(sample.blkioWriteBytesPerSec).toBe(0);
    expect(sample.netRxBytesPerSec).toBe(2000);
    expect(sample.netTxBytesPerSec).toBe(50);
  });

  it('after a reset (counters went backwards) gives null rates, not negatives or spikes', () => {
    const restarted = reading({ monoMs: 1000, hostNs: 104e9, stats: { cpuUsageNs: 0.2e9, cpuPeriods: 3, cpuThrottledPeriods: 0, blkioReadBytes: 10, blkioWriteBytes: 0 }, rx: 0, tx: 0 });
    const sample = toSample(first, restarted, HOST_RAM);
    for (const key of ['cpuPercent', 'cpuThrottledPercent', 'blkioReadBytesPerSec', 'blkioWriteBytesPerSec', 'netRxBytesPerSec', 'netTxBytesPerSec'] as const) {
      expect(sample[key], key).toBeNull();
    }
    // The counters themselves are the kernel's new values.
    expect(sample.blkioReadBytes).toBe(10);
  });

  it('treats a new cgroup generation as a reset even when the counters grew past the old values', () => {
    const regrown = reading({ monoMs: 1000, hostNs: 104e9, generation: 1, stats: { cpuUsageNs: 12e9, cpuPeriods: 200, cpuThrottledPeriods: 20, blkioReadBytes: 9000, blkioWriteBytes: 9000 }, rx: 6000, tx: 8000 });
    const sample = toSample(first, regrown, HOST_RAM);
    expect(sample.cpuPercent).toBeNull();
    expect(sample.cpuThrottledPercent).toBeNull();
    expect(sample.blkioReadBytesPerSec).toBeNull();
    // The network namespace is another matter: same pid, same namespace, same counters.
    expect(sample.netRxBytesPerSec).toBe(1000);
  });

  it('does not take an interface that came or went for traffic', () => {
    const more = reading({ monoMs: 1000, hostNs: 104e9, stats: { cpuUsageNs: 10e9 }, rx: 900_000, tx: 900_000 });
    more.net!.interfaces = 2;
    expect(toSample(first, more, HOST_RAM).netRxBytesPerSec).toBeNull();
  });

  it('does not take a switch of v1 blkio file, or of network namespace, for I/O', () => {
    const switched = reading({ monoMs: 1000, hostNs: 104e9, blkioSource: 'blkio.bfq.io_service_bytes_recursive', netPid: 43, stats: { cpuUsageNs: 10.5e9, blkioReadBytes: 900_000, blkioWriteBytes: 900_000 }, rx: 900_000, tx: 900_000 });
    const sample = toSample({ ...first, cgroup: { ...first.cgroup, blkioSource: 'blkio.throttle.io_service_bytes_recursive' } }, switched, HOST_RAM);
    expect(sample.cpuPercent).toBe(50); // 0.5 s of CPU in 1 s
    expect(sample.blkioReadBytesPerSec).toBeNull();
    expect(sample.netRxBytesPerSec).toBeNull();
  });
});
