// v2 memory controller (Documentation/admin-guide/cgroup-v2.rst, "Memory"), read only:
// the runtime writes the limits.
//
// memory.max       hard limit, "max" = none. Lowering it below usage does not fail: the
//                  kernel reclaims and, if that is not enough, OOM-kills inside the cgroup.
// memory.low       best-effort protection: Docker's --memory-reservation (as runc maps it)
// memory.swap.max  swap alone (v1 memsw counted memory + swap); absent without swap accounting
// memory.current, memory.swap.current, memory.stat (already hierarchical, no total_*),
// memory.events    "low N / high N / max N / oom N / oom_kill N [/ oom_group_kill N]",
//                  hierarchical (memory.events.local is this cgroup alone).
import path from 'node:path';
import { readOptional } from '../files';
import type { CgroupStats } from '../manager';
import { keyed, parseFlatKeyed, parseLimit, parseSingle, workingSet } from '../parse';

export type MemoryStats = Pick<
  CgroupStats,
  'memoryUsage' | 'memoryWorkingSet' | 'memoryLimit' | 'memorySwapUsage' | 'memoryOomEvents' | 'memoryOomKills'
>;

export interface MemoryFilesV2 {
  current: string | null;
  max: string | null;
  stat: string | null;
  swapCurrent: string | null;
  events: string | null;
}

/**
 * Working set as docker, podman and cAdvisor compute it on v2: memory.current minus
 * inactive_file from memory.stat (file pages the kernel would drop first), floored at 0.
 */
export function memoryStatsV2(files: MemoryFilesV2): MemoryStats {
  const usage = parseSingle(files.current);
  const stat = files.stat === null ? null : parseFlatKeyed(files.stat);
  const events = files.events === null ? null : parseFlatKeyed(files.events);
  return {
    memoryUsage: usage,
    memoryWorkingSet: workingSet(usage, keyed(stat, 'inactive_file')),
    memoryLimit: parseLimit(files.max) ?? null,
    memorySwapUsage: parseSingle(files.swapCurrent),
    memoryOomEvents: keyed(events, 'oom'),
    memoryOomKills: keyed(events, 'oom_kill'),
  };
}

export async function readMemoryV2(dir: string): Promise<MemoryStats> {
  const [current, max, stat, swapCurrent, events] = await Promise.all(
    ['memory.current', 'memory.max', 'memory.stat', 'memory.swap.current', 'memory.events'].map((f) => readOptional(path.join(dir, f))),
  );
  return memoryStatsV2({ current: current ?? null, max: max ?? null, stat: stat ?? null, swapCurrent: swapCurrent ?? null, events: events ?? null });
}
