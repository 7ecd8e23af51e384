// From raw readings to a sample: a pure function of the previous reading of the same
// container and the current one. Everything that is a rate is decided here, including
// what happens on the first reading and when a counter starts over (see sample.ts: rates
// are null then — never 0, never negative, never the whole counter as one spike).
import type { CgroupReading } from './cgroup-reader';
import type { HostCpu } from './host-cpu';
import type { NetCounters } from './net-dev';
import type { StatsSample } from './sample';

/** Everything read for one container at one tick, before any arithmetic. */
export interface StatsReading {
  id: string;
  /** Wall clock, ms since the epoch: what the sample is stamped with. */
  time: number;
  /** A monotonic clock, ms: what rates divide by (the wall clock can jump). */
  monoMs: number;
  /** /proc/stat of the same tick; null if it could not be read. */
  host: HostCpu | null;
  cgroup: CgroupReading;
  /** The process whose network namespace `net` was read from; a new one is a new namespace. */
  netPid: number | null;
  net: NetCounters | null;
}

/** `cur − prev` of a cumulative counter; null when either is unknown or it went backwards (reset). */
export function counterDelta(prev: number | null | undefined, cur: number | null | undefined): number | null {
  if (prev === null || prev === undefined || cur === null || cur === undefined) return null;
  const delta = cur - prev;
  return delta < 0 ? null : delta;
}

/**
 * docker's CPU %: Δ container ns / Δ host ns × online CPUs × 100, clamped to what the CPUs
 * can give (the two files are read a few µs apart, so a busy container can come out a hair
 * over its cores). null when there is nothing to compare: first reading, reset, or no host
 * time elapsed (two reads within one USER_HZ tick).
 */
export function cpuPercent(prevNs: number | null, curNs: number | null, prevHost: HostCpu | null, curHost: HostCpu | null): number | null {
  const used = counterDelta(prevNs, curNs);
  if (used === null || prevHost === null || curHost === null) return null;
  const hostDelta = curHost.totalNs - prevHost.totalNs;
  if (hostDelta <= 0) return null;
  const percent = (used / hostDelta) * curHost.onlineCpus * 100;
  return Math.min(percent, curHost.onlineCpus * 100);
}

/** Share of CFS periods throttled in the interval, 0–100; 0 when no period ran (idle, or no quota). */
export function throttledPercent(prevPeriods: number | null, curPeriods: number | null, prevThrottled: number | null, curThrottled: number | null): number | null {
  const periods = counterDelta(prevPeriods, curPeriods);
  const throttled = counterDelta(prevThrottled, curThrottled);
  if (periods === null || throttled === null) return null;
  if (periods === 0) return 0;
  return Math.min(100, (throttled / periods) * 100);
}

/** Bytes per second of a counter over `seconds`; null when unknown, reset or no time passed. */
export function perSecond(prev: number | null | undefined, cur: number | null | undefined, seconds: number): number | null {
  const delta = counterDelta(prev, cur);
  if (delta === null || !(seconds > 0)) return null;
  return delta / seconds;
}

/** The limit as a chart shows it: capped at the host's RAM (unlimited reads as host RAM). */
export function cappedMemoryLimit(limit: number | null, usage: number | null, hostMemoryBytes: number): number | null {
  // No memory controller at all (usage unknown too): the limit is unknown, not host RAM.
  if (limit === null && usage === null) return null;
  return Math.min(limit ?? hostMemoryBytes, hostMemoryBytes);
}

function round(value: number | null, digits: number): number | null {
  if (value === null) return null;
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

export function toSample(prev: StatsReading | undefined, cur: StatsReading, hostMemoryBytes: number): StatsSample {
  const c = cur.cgroup.stats;
  // The same cgroup as last time? A new generation (restart) means every counter started over.
  const sameCgroup = prev !== undefined && prev.cgroup.generation === cur.cgroup.generation;
  const p = sameCgroup ? prev.cgroup.stats : null;
  const seconds = prev === undefined ? 0 : (cur.monoMs - prev.monoMs) / 1000;
  const sameBlkio = p !== null && prev!.cgroup.blkioSource === cur.cgroup.blkioSource;
  // The same namespace with the same interfaces: an interface that came or went makes the
  // sums jump without any traffic.
  const sameNetns = prev !== undefined && prev.netPid !== null && prev.netPid === cur.netPid && prev.net !== null && cur.net !== null && prev.net.interfaces === cur.net.interfaces;
  const prevNet = sameNetns ? prev.net : null;

  return {
    id: cur.id,
    time: cur.time,
    source: cur.cgroup.source ?? 'cgroup',
    cpuPercent: round(p === null ? null : cpuPercent(p.cpuUsageNs, c.cpuUsageNs, prev!.host, cur.host), 2),
    cpuThrottledPeriods: c.cpuThrottledPeriods,
    cpuThrottledPercent: round(p === null ? null : throttledPercent(p.cpuPeriods, c.cpuPeriods, p.cpuThrottledPeriods, c.cpuThrottledPeriods), 2),
    memoryUsage: c.memoryUsage,
    memoryWorkingSet: c.memoryWorkingSet,
    memoryLimit: cappedMemoryLimit(c.memoryLimit, c.memoryUsage, hostMemoryBytes),
    memoryOomEvents: c.memoryOomEvents,
    memoryOomKills: c.memoryOomKills,
    pidsCurrent: c.pidsCurrent,
    pidsLimit: c.pidsLimit,
    blkioReadBytes: c.blkioReadBytes,
    blkioWriteBytes: c.blkioWriteBytes,
    blkioReadBytesPerSec: round(sameBlkio ? perSecond(p.blkioReadBytes, c.blkioReadBytes, seconds) : null, 0),
    blkioWriteBytesPerSec: round(sameBlkio ? perSecond(p.blkioWriteBytes, c.blkioWriteBytes, seconds) : null, 0),
    netRxBytes: cur.net?.rxBytes ?? null,
    netTxBytes: cur.net?.txBytes ?? null,
    netRxBytesPerSec: round(perSecond(prevNet?.rxBytes, cur.net?.rxBytes, seconds), 0),
    netTxBytesPerSec: round(perSecond(prevNet?.txBytes, cur.net?.txBytes, seconds), 0),
  };
}
