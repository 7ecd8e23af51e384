// Stats as they cross the API: one sample of a running container per tick (the
// `stats.samples` event carries them in batches) and the 10-s history points. The engine's
// sampler and history produce exactly these (src-main/engine/stats); the renderer's charts
// draw them.
//
// Conventions:
// - `null` means "unknown", never zero: the kernel does not keep the value here (controller
//   not mounted, file absent), or a rate has no previous reading to compare with.
// - Counters (…Bytes, …Periods, oom…) are cumulative, as the kernel keeps them: since the
//   container's cgroup (or network namespace) was created, i.e. since it last started.
// - Rates (…PerSec, cpuPercent, cpuThrottledPercent) are over the interval since the
//   previous sample of the same container. The FIRST sample after the container appears,
//   and the first after a counter went backwards (a restart made a new cgroup or network
//   namespace), has every rate null: there is nothing honest to compare with, and drawing
//   a 0 or the whole counter as one interval would be a lie or a spike. A rate is never
//   negative.

/**
 * Where a sample's numbers come from. `cgroup`: the container's cgroup, every field the
 * kernel keeps. `proc`: its processes in /proc, for a container without a cgroup (the
 * rootless engine on cgroup v1) — CPU time, resident memory summed over the processes
 * (shared pages count once per process) and their count; limits, throttling, OOM and
 * block I/O are null. The window says which.
 */
export type StatsSource = 'cgroup' | 'proc';

export interface StatsSample {
  /** The container's full id. */
  id: string;
  /** Wall-clock time of the reading, ms since the epoch. */
  time: number;
  source: StatsSource;

  /**
   * CPU as `docker stats` defines it: Δ container CPU time / Δ host CPU time (all CPUs,
   * /proc/stat) × online CPUs × 100. 100 = one core fully busy; the maximum is
   * 100 × online CPUs. null on the first sample and after a reset.
   */
  cpuPercent: number | null;
  /** CFS periods in which the CPU quota ran out, cumulative (v1 cpu.stat nr_throttled, v2 the same key). */
  cpuThrottledPeriods: number | null;
  /** Share of the interval's CFS periods that were throttled, 0–100; 0 when no period ran. */
  cpuThrottledPercent: number | null;

  /** Bytes charged to the cgroup, page cache included. */
  memoryUsage: number | null;
  /** Usage minus inactive file cache: what docker, podman and cAdvisor show as "memory". */
  memoryWorkingSet: number | null;
  /** The hard limit, capped at the host's RAM (so an unlimited container shows host RAM). */
  memoryLimit: number | null;
  /** Times the cgroup hit its limit and the OOM killer was invoked (v2 only; v1 keeps no count: null). */
  memoryOomEvents: number | null;
  /** Processes the OOM killer ended in the cgroup. */
  memoryOomKills: number | null;

  pidsCurrent: number | null;
  /** null when unlimited. */
  pidsLimit: number | null;

  /** Bytes read from and written to block devices, cumulative. */
  blkioReadBytes: number | null;
  blkioWriteBytes: number | null;
  blkioReadBytesPerSec: number | null;
  blkioWriteBytesPerSec: number | null;

  /** Bytes received and sent on the container's network interfaces, loopback excluded, cumulative. */
  netRxBytes: number | null;
  netTxBytes: number | null;
  netRxBytesPerSec: number | null;
  netTxBytesPerSec: number | null;
}

/** One tick's samples, every running container once: the payload of one `stats.samples` event. */
export type StatsBatch = StatsSample[];

/** One point of the long history: an interval's samples, averaged (peaks kept for CPU and working set). */
export interface HistoryPoint {
  /** Start of the interval, ms since the epoch (a multiple of the interval). */
  time: number;
  /** How many samples the point summarises (10 for a full 10-s interval at 1 Hz). */
  samples: number;
  cpuPercent: number | null;
  cpuPercentMax: number | null;
  cpuThrottledPercent: number | null;
  cpuThrottledPeriods: number | null;
  memoryUsage: number | null;
  memoryWorkingSet: number | null;
  memoryWorkingSetMax: number | null;
  memoryLimit: number | null;
  memoryOomEvents: number | null;
  memoryOomKills: number | null;
  pidsCurrent: number | null;
  pidsLimit: number | null;
  blkioReadBytesPerSec: number | null;
  blkioWriteBytesPerSec: number | null;
  blkioReadBytes: number | null;
  blkioWriteBytes: number | null;
  netRxBytesPerSec: number | null;
  netTxBytesPerSec: number | null;
  netRxBytes: number | null;
  netTxBytes: number | null;
}
