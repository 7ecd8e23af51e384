// The one interface both cgroup drivers implement: the engine's *reading* side of cgroups
// (stats, pids, which cgroups exist, the freezer's state). Every write — creating a
// cgroup, its limits, freeze/thaw, killing and removing — is the OCI runtime's
// (native/src/runtime: create, update, pause/resume, delete, cgroup-destroy --path), so
// there is one implementation of each. Which driver the engine gets is decided at
// start-up from /proc/self/mountinfo (detect.ts), never assumed.
//
// Every `path` is a container's cgroup *relative to the engine's parent* (`strata` by
// default): `abc123` means /sys/fs/cgroup/strata/abc123 on v2 and
// /sys/fs/cgroup/<controller>/strata/abc123 in each v1 hierarchy. A path that is absolute,
// empty or climbs out with `..` is refused with INVALID_ARGUMENT (paths.ts).
import { DEFAULT_PARENT } from './paths';

export type CgroupVersion = 'v1' | 'v2';

/**
 * One reading of a cgroup's counters. `null` means this kernel or hierarchy does not keep
 * the value (controller not mounted or not enabled, file absent), never "zero".
 * Counters are cumulative since the cgroup was created; rates are the sampler's job.
 * Numbers are JS numbers: exact up to 2^53 (104 days of CPU time in ns, 8 PiB).
 */
export interface CgroupStats {
  /** Total CPU time of every task, ns. (v1 cpuacct.usage, v2 cpu.stat usage_usec) */
  cpuUsageNs: number | null;
  cpuUserNs: number | null;
  cpuSystemNs: number | null;
  /** CFS periods that ran, and those in which the quota was exhausted. */
  cpuPeriods: number | null;
  cpuThrottledPeriods: number | null;
  /** Time the tasks were held back by the quota, ns. */
  cpuThrottledNs: number | null;
  /** Bytes charged to the cgroup, page cache included. (usage_in_bytes / memory.current) */
  memoryUsage: number | null;
  /** Usage minus inactive file cache, floored at 0: what docker, podman and cAdvisor show. */
  memoryWorkingSet: number | null;
  /** The hard limit in bytes, null when unlimited (callers cap it at host RAM). */
  memoryLimit: number | null;
  /** Swap in use, bytes. */
  memorySwapUsage: number | null;
  /** Times the cgroup ran out of memory (v2 memory.events `oom`; v1 has no counter: null). */
  memoryOomEvents: number | null;
  /** Processes the OOM killer ended in this cgroup (v2 `oom_kill`, v1 oom_control `oom_kill`). */
  memoryOomKills: number | null;
  pidsCurrent: number | null;
  /** null when unlimited. */
  pidsLimit: number | null;
  /** Bytes read from and written to block devices, summed over devices. */
  blkioReadBytes: number | null;
  blkioWriteBytes: number | null;
}

/** Every field unknown: the base a driver fills in from the controllers it has. */
export const EMPTY_STATS: Readonly<CgroupStats> = Object.freeze({
  cpuUsageNs: null, cpuUserNs: null, cpuSystemNs: null, cpuPeriods: null, cpuThrottledPeriods: null, cpuThrottledNs: null,
  memoryUsage: null, memoryWorkingSet: null, memoryLimit: null, memorySwapUsage: null, memoryOomEvents: null, memoryOomKills: null,
  pidsCurrent: null, pidsLimit: null, blkioReadBytes: null, blkioWriteBytes: null,
});

/** The freezer as the kernel reports it; `freezing` is the v1 transition state. */
export type FreezerState = 'thawed' | 'freezing' | 'frozen';

export interface CgroupManager {
  readonly version: CgroupVersion;
  /** The engine's parent cgroup, relative to each hierarchy's root: `strata` by default. */
  readonly parent: string;

  /**
   * `linux.cgroupsPath` for the OCI config.json of a container in `path`: `/strata/<path>`,
   * relative to the root of each hierarchy.
   */
  cgroupsPath(path: string): string;

  exists(path: string): Promise<boolean>;
  /** Every process in the cgroup and in cgroups below it, ascending, without duplicates. */
  pids(path: string): Promise<number[]>;
  /** Reads every counter; asynchronous reads only, so a sampler never blocks the loop. */
  stats(path: string): Promise<CgroupStats>;
  /** What the freezer reports (the runtime's pause/resume set it). */
  freezerState(path: string): Promise<FreezerState>;
  /** The cgroups directly under the parent (container ids), for re-attach and cleanup. */
  list(): Promise<string[]>;
}

export interface CgroupManagerOptions {
  /** The engine's parent cgroup; `strata` by default. */
  parent?: string;
}

/** The validated parent both drivers take from their options. */
export function managerParent(options: CgroupManagerOptions, validateParent: (parent: string) => void): string {
  const parent = options.parent ?? DEFAULT_PARENT;
  validateParent(parent);
  return parent;
}
