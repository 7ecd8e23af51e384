// Where the sampler gets a container's cgroup counters: an interface with two
// implementations. `CgroupFileReader` (cgroup-file-reader.ts) is the one the engine uses:
// kept-open files, only the files a sample needs. `managerReader` reads through the
// CgroupManager's `stats()` — every file, opened afresh each time — which is simple and
// right but costs ~4.5 ms of CPU per container per read on cgroup v1 (see open-files.ts),
// so it suits a handful of containers or a test, not 100 at 1 Hz.
import type { StatsSource } from '@shared/api/types/stats';
import type { CgroupManager, CgroupStats } from '../cgroups/manager';
import { isStrataError } from '@shared/errors';

export interface CgroupReading {
  stats: CgroupStats;
  /**
   * Goes up when the reader finds the cgroup was created anew since its last reading (the
   * container restarted: its files were removed and are back). Counters start over then,
   * even if they happen to have grown past the old values. Readers that cannot tell keep
   * it at 0, and the sampler falls back to counters going backwards.
   */
  generation: number;
  /**
   * Which kernel file the block I/O bytes came from. v1 has several and the one that counts
   * can change (see cgroups/v1/blkio.ts); a change is a discontinuity, not I/O.
   */
  blkioSource: string | null;
  /** Where the counters came from: the container's cgroup (the default), or its processes in /proc (proc-reader.ts). */
  source?: StatsSource;
}

export interface CgroupReader {
  /** The counters of the cgroup at `path` (relative to the engine's parent); null if it does not exist. */
  read(path: string): Promise<CgroupReading | null>;
  /**
   * Many at once, in batches (optional: the sampler falls back to `read` for each). Per
   * path: the reading, null if the cgroup does not exist, or what kept it from being read.
   */
  readMany?(paths: readonly string[]): Promise<Array<CgroupReading | null | Error>>;
  /** Processes directly in the cgroup ([] when unknown): one of them names its network namespace. */
  pids(path: string): Promise<number[]>;
  /** Its limits were just changed (`update`): read them again at its next reading, not at the slow tier's turn. */
  limitsChanged?(path: string): void;
  /** Forget the cgroup: close its files, drop what was cached about it. */
  release(path: string): void;
  close(): void;
}

/** A reader over any CgroupManager: every counter, through `stats()`. */
export function managerReader(cgroups: CgroupManager): CgroupReader {
  return {
    async read(path) {
      try {
        return { stats: await cgroups.stats(path), generation: 0, blkioSource: null };
      } catch (error) {
        if (isStrataError(error, 'NOT_FOUND')) return null;
        throw error;
      }
    },
    async pids(path) {
      try {
        return await cgroups.pids(path);
      } catch {
        return [];
      }
    },
    release() {},
    close() {},
  };
}
