// v1 cpuset controller (Documentation/admin-guide/cgroup-v1/cpusets.rst).
//
// A new v1 cpuset starts with empty cpuset.cpus and cpuset.mems (unless the parent set
// cgroup.clone_children), and the kernel refuses to attach a task to it (ENOSPC). So
// every level the engine creates gets its parent's values copied in, top-down, before
// any process joins — without touching cgroup.clone_children of cgroups it does not own.
import path from 'node:path';
import { readOptional, writeValue } from '../files';
import type { CgroupResources } from '../manager';

const FILES = ['cpuset.cpus', 'cpuset.mems'] as const;

/**
 * For each directory in `levels` (top-down, each a child of the one before; the first a
 * child of `root`), fills an empty cpuset.cpus / cpuset.mems from the level above.
 */
export async function inheritCpusets(root: string, levels: string[]): Promise<void> {
  let above = root;
  for (const dir of levels) {
    for (const file of FILES) {
      const own = await readOptional(path.join(dir, file));
      if (own === null || own.trim() !== '') continue;
      const inherited = (await readOptional(path.join(above, file)))?.trim() ?? '';
      if (inherited !== '') await writeValue(path.join(dir, file), inherited);
    }
    above = dir;
  }
}

/** Same files and syntax on v2 (cpuset.cpus, cpuset.mems). Mems first: cpus alone cannot run without them. */
export async function applyCpuset(dir: string, r: CgroupResources): Promise<void> {
  if (r.cpusetMems !== undefined) await writeValue(path.join(dir, 'cpuset.mems'), r.cpusetMems);
  if (r.cpusetCpus !== undefined) await writeValue(path.join(dir, 'cpuset.cpus'), r.cpusetCpus);
}
