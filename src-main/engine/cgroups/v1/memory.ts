// v1 memory controller (Documentation/admin-guide/cgroup-v1/memory.rst): stats and the
// limit, read only (the runtime writes the limits, memsw in the order that keeps it ≥ the limit).
//
// memory.limit_in_bytes       hard limit; "-1" removes it; reads 9223372036854771712 when unlimited
// memory.soft_limit_in_bytes  reservation: reclaimed down to it under host pressure
// memory.memsw.limit_in_bytes memory + swap; exists only with swap accounting
//                             (CONFIG_MEMCG_SWAP and not swapaccount=0). Must always stay
//                             ≥ limit_in_bytes, so the order of the two writes matters.
// memory.usage_in_bytes, memory.memsw.usage_in_bytes, memory.stat (total_* = hierarchical),
// memory.oom_control ("oom_kill_disable 0 / under_oom 0 / oom_kill N", oom_kill since 4.13).
import path from 'node:path';
import { readOptional } from '../files';
import type { CgroupStats } from '../manager';
import { keyed, parseFlatKeyed, parseLimit, parseSingle, workingSet } from '../parse';

const LIMIT = 'memory.limit_in_bytes';

export type MemoryStats = Pick<
  CgroupStats,
  'memoryUsage' | 'memoryWorkingSet' | 'memoryLimit' | 'memorySwapUsage' | 'memoryOomEvents' | 'memoryOomKills'
>;

/** The raw file texts (null = absent) that `memoryStatsV1` reads. */
export interface MemoryFilesV1 {
  usage: string | null;
  limit: string | null;
  stat: string | null;
  memswUsage: string | null;
  oomControl: string | null;
}

export function memoryStatsV1(files: MemoryFilesV1): MemoryStats {
  const usage = parseSingle(files.usage);
  const stat = files.stat === null ? null : parseFlatKeyed(files.stat);
  // total_inactive_file covers sub-cgroups too; inactive_file alone on kernels without it.
  const inactiveFile = keyed(stat, 'total_inactive_file') ?? keyed(stat, 'inactive_file');
  const memsw = parseSingle(files.memswUsage);
  const oom = files.oomControl === null ? null : parseFlatKeyed(files.oomControl);
  return {
    memoryUsage: usage,
    memoryWorkingSet: workingSet(usage, inactiveFile),
    memoryLimit: parseLimit(files.limit) ?? null,
    memorySwapUsage: memsw === null || usage === null ? null : Math.max(0, memsw - usage),
    // v1 counts no OOM events, only the kills (and under_oom, a state, not a count).
    memoryOomEvents: null,
    memoryOomKills: keyed(oom, 'oom_kill'),
  };
}

export async function readMemoryV1(dir: string): Promise<MemoryStats> {
  const [usage, limit, stat, memswUsage, oomControl] = await Promise.all(
    ['memory.usage_in_bytes', LIMIT, 'memory.stat', 'memory.memsw.usage_in_bytes', 'memory.oom_control'].map((f) =>
      readOptional(path.join(dir, f)),
    ),
  );
  return memoryStatsV1({ usage: usage ?? null, limit: limit ?? null, stat: stat ?? null, memswUsage: memswUsage ?? null, oomControl: oomControl ?? null });
}
