// The one interface both cgroup drivers implement. The engine, `update` and the stats
// sampler talk to a CgroupManager and never to /sys/fs/cgroup directly; which driver they
// get is decided at start-up from /proc/self/mountinfo (detect.ts), never assumed.
//
// Every `path` is a container's cgroup *relative to the engine's parent* (`strata` by
// default): `abc123` means /sys/fs/cgroup/strata/abc123 on v2 and
// /sys/fs/cgroup/<controller>/strata/abc123 in each v1 hierarchy. A path that is absolute,
// empty or climbs out with `..` is refused with INVALID_ARGUMENT (paths.ts).
import { DEFAULT_PARENT } from './paths';

export type CgroupVersion = 'v1' | 'v2';

/**
 * Limits, in Docker's units and conventions. A field left undefined is not touched, so the
 * same object serves `create` and a later `update` of one limit.
 */
export interface CgroupResources {
  /** Hard memory limit in bytes; -1 removes it. (v1 memory.limit_in_bytes, v2 memory.max) */
  memory?: number;
  /** Soft limit in bytes; -1 removes it. (v1 memory.soft_limit_in_bytes, v2 memory.low) */
  memoryReservation?: number;
  /**
   * Memory plus swap, in bytes, as `docker run --memory-swap`: equal to `memory` means no
   * swap, -1 means unlimited swap. Needs `memory` in the same call. (v1
   * memory.memsw.limit_in_bytes; v2 memory.swap.max = memorySwap − memory)
   */
  memorySwap?: number;
  /** Relative CPU weight in v1 shares (2…262144, default 1024); v2 converts to cpu.weight. */
  cpuShares?: number;
  /** CPUs as a fraction: 0.5 → a quota of 50 000 µs per 100 000 µs period; 0 removes it. */
  cpus?: number;
  /** CFS quota in µs per period, as OCI `linux.resources.cpu.quota`; -1 removes it. */
  cpuQuota?: number;
  /** CFS period in µs (1 000…1 000 000); default 100 000 when `cpus` is given. */
  cpuPeriod?: number;
  /** CPUs the container may run on, kernel list format: "0-3,6". */
  cpusetCpus?: string;
  /** NUMA memory nodes, same format. */
  cpusetMems?: string;
  /** Maximum number of tasks; 0 or -1 removes the limit (as Docker's --pids-limit). */
  pidsLimit?: number;
}

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

  /**
   * Creates the cgroup (and the parent) in every hierarchy the engine uses; on v2 enables
   * the cpu, cpuset, io, memory and pids controllers for the children of each ancestor;
   * on v1 fills cpuset.cpus/mems from the level above. Succeeds if it already exists.
   */
  create(path: string): Promise<void>;
  exists(path: string): Promise<boolean>;
  /**
   * Writes the limits. A value the kernel refuses (EINVAL, EBUSY…) becomes
   * INVALID_ARGUMENT naming the file and value; a file this kernel lacks, UNSUPPORTED.
   */
  apply(path: string, resources: CgroupResources): Promise<void>;
  /** Moves a process (all its threads) into the cgroup. NOT_FOUND if it does not exist. */
  addProcess(path: string, pid: number): Promise<void>;
  /** Every process in the cgroup and in cgroups below it, ascending, without duplicates. */
  pids(path: string): Promise<number[]>;
  /** Reads every counter; asynchronous reads only, so a sampler never blocks the loop. */
  stats(path: string): Promise<CgroupStats>;
  /** Freezes every task and resolves once the kernel reports the cgroup frozen. */
  freeze(path: string): Promise<void>;
  /** Thaws and resolves once the kernel reports it thawed. */
  thaw(path: string): Promise<void>;
  freezerState(path: string): Promise<FreezerState>;
  /**
   * Signals every process in the cgroup (default SIGKILL) without racing forks: v2 writes
   * `cgroup.kill` for SIGKILL where the kernel has it; otherwise the cgroup is frozen, each
   * process signalled, then thawed (a cgroup that was frozen before stays frozen, unless
   * the signal is SIGKILL). Resolves to the number of processes signalled. Does not wait
   * for them to exit: `remove` does.
   */
  killAll(path: string, signal?: NodeJS.Signals): Promise<number>;
  /**
   * Removes the cgroup and any cgroups below it from every hierarchy, retrying while the
   * last processes exit (EBUSY); CONFLICT if some are still there after the timeout.
   * A cgroup that does not exist is not an error. The parent is left in place.
   */
  remove(path: string): Promise<void>;
  /** The cgroups directly under the parent (container ids), for re-attach and cleanup. */
  list(): Promise<string[]>;
}

export interface CgroupManagerOptions {
  /** The engine's parent cgroup; `strata` by default. */
  parent?: string;
  /** How long `freeze`/`thaw` wait for the kernel to report the new state (5 000 ms). */
  freezeTimeoutMs?: number;
  /** How long `remove` retries while processes exit (2 000 ms). */
  removeTimeoutMs?: number;
}

/** What both drivers take from their options: the validated parent and the timeouts. */
export interface ManagerSettings {
  parent: string;
  freezeTimeoutMs: number;
  removeTimeoutMs: number;
}

export function managerSettings(options: CgroupManagerOptions, validateParent: (parent: string) => void): ManagerSettings {
  const parent = options.parent ?? DEFAULT_PARENT;
  validateParent(parent);
  return { parent, freezeTimeoutMs: options.freezeTimeoutMs ?? 5000, removeTimeoutMs: options.removeTimeoutMs ?? 2000 };
}
