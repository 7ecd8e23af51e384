// pids controller, the same files on v1 and v2 (Documentation/admin-guide/cgroup-v1/pids.rst):
// pids.max ("max" or a number), pids.current, pids.events ("max N": forks refused).
import path from 'node:path';
import { readOptional } from '../files';
import type { CgroupStats } from '../manager';
import { parseLimit, parseSingle } from '../parse';

export type PidsStats = Pick<CgroupStats, 'pidsCurrent' | 'pidsLimit'>;

export function pidsStats(current: string | null, max: string | null): PidsStats {
  return { pidsCurrent: parseSingle(current), pidsLimit: parseLimit(max) ?? null };
}

export async function readPids(dir: string): Promise<PidsStats> {
  const [current, max] = await Promise.all([readOptional(path.join(dir, 'pids.current')), readOptional(path.join(dir, 'pids.max'))]);
  return pidsStats(current, max);
}
