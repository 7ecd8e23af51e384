// v1 memory controller (Documentation/admin-guide/cgroup-v1/memory.rst): limits and stats.
//
// memory.limit_in_bytes       hard limit; "-1" removes it; reads 9223372036854771712 when unlimited
// memory.soft_limit_in_bytes  reservation: reclaimed down to it under host pressure
// memory.memsw.limit_in_bytes memory + swap; exists only with swap accounting
//                             (CONFIG_MEMCG_SWAP and not swapaccount=0). Must always stay
//                             ≥ limit_in_bytes, so the order of the two writes matters.
// memory.usage_in_bytes, memory.memsw.usage_in_bytes, memory.stat (total_* = hierarchical),
// memory.oom_control ("oom_kill_disable 0 / under_oom 0 / oom_kill N", oom_kill since 4.13).
import path from 'node:path';
import { StrataError } from '@shared/errors';
import { readOptional, writeValue } from '../files';
import type { CgroupResources, CgroupStats } from '../manager';
import { keyed, parseFlatKeyed, parseLimit, parseSingle, workingSet } from '../parse';

export const LIMIT = 'memory.limit_in_bytes';
export const SOFT_LIMIT = 'memory.soft_limit_in_bytes';
export const MEMSW_LIMIT = 'memory.memsw.limit_in_bytes';

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

/** -1 → Infinity, so limits compare as numbers. */
function asBound(value: number): number {
  return value === -1 ? Infinity : value;
}

function asFileValue(bound: number): string {
  return bound === Infinity ? '-1' : String(bound);
}

/**
 * The order of the two writes that keeps memory ≤ memory+swap after each one: raise memsw
 * first when the new memory limit is above the current memsw limit, otherwise memory first.
 */
export function memoryWriteOrder(newMemory: number, currentMemsw: number): Array<'memory' | 'memsw'> {
  return newMemory > currentMemsw ? ['memsw', 'memory'] : ['memory', 'memsw'];
}

export async function applyMemoryV1(dir: string, r: CgroupResources): Promise<void> {
  if (r.memoryReservation !== undefined) await writeValue(path.join(dir, SOFT_LIMIT), asFileValue(asBound(r.memoryReservation)));
  if (r.memory === undefined && r.memorySwap === undefined) return;

  const memswFile = path.join(dir, MEMSW_LIMIT);
  const memswText = await readOptional(memswFile);
  const swapAccounting = memswText !== null;
  const currentMemsw = parseLimit(memswText) ?? Infinity;

  if (r.memorySwap !== undefined && r.memorySwap !== -1 && !swapAccounting) {
    throw new StrataError(
      'UNSUPPORTED',
      `cannot set ${MEMSW_LIMIT} to ${r.memorySwap}: ${MEMSW_LIMIT} does not exist in ${dir} — swap accounting is off in this kernel (boot with swapaccount=1), so memory+swap cannot be limited`,
    );
  }
  if (r.memory === undefined) return; // memorySwap -1 alone (validated): nothing else to do

  const newMemory = asBound(r.memory);
  // Docker: no memory limit means no memory+swap limit either.
  let newMemsw: number | undefined = r.memorySwap === undefined ? undefined : asBound(r.memorySwap);
  if (newMemsw === undefined && newMemory === Infinity && currentMemsw !== Infinity) newMemsw = Infinity;
  if (newMemsw === undefined && newMemory > currentMemsw) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `memory ${r.memory} is above the current memory+swap limit ${currentMemsw} of ${dir}; give memorySwap too (${MEMSW_LIMIT} must stay ≥ ${LIMIT})`,
    );
  }
  if (newMemsw === undefined || !swapAccounting) {
    await writeValue(path.join(dir, LIMIT), asFileValue(newMemory));
    return;
  }
  for (const which of memoryWriteOrder(newMemory, currentMemsw)) {
    if (which === 'memory') await writeValue(path.join(dir, LIMIT), asFileValue(newMemory));
    else await writeValue(memswFile, asFileValue(newMemsw));
  }
}
