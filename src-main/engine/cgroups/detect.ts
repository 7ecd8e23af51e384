// Which cgroup hierarchies this machine has, read from /proc/self/mountinfo (proc(5)):
//
//   36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue
//   (1)(2)(3)   (4)   (5)      (6)      (7)    (8) (9)    (10)         (11)
//
// mount id, parent id, major:minor, root within the filesystem, mount point, mount
// options, optional fields, "-", filesystem type, source, super options. For a cgroup (v1)
// mount the super options name its controllers (`rw,cpu,cpuacct`); cgroup2 has none.
//
// The decision:
//  - v1 when any controller the engine uses (cpu, cpuacct, cpuset, memory, pids, freezer,
//    blkio) is mounted as a v1 hierarchy — legacy hosts and hybrid ones alike. A cgroup2
//    mount beside them (systemd's /sys/fs/cgroup/unified, holding few or no controllers)
//    does not make the machine v2; it is recorded as `unified`.
//  - v2 when a cgroup2 mount exists and none of those controllers is on v1. A stray v1
//    mount of another controller (net_cls for a VPN) or a named hierarchy
//    (name=systemd for old tools) on a v2 host does not make it v1.
//  - neither → UNSUPPORTED.
import fs from 'node:fs';
import { StrataError } from '@shared/errors';

export interface MountinfoEntry {
  mountId: number;
  parentId: number;
  /** Root of the mount within its filesystem (not "/" for bind mounts and cgroupns views). */
  root: string;
  mountPoint: string;
  fsType: string;
  source: string;
  superOptions: string[];
}

export interface CgroupLayoutV1 {
  version: 'v1';
  /** Controller → mount point; joined controllers (`cpu,cpuacct`) share one. */
  controllers: Record<string, string>;
  /** Every v1 hierarchy's mount point, named ones (name=systemd) included. */
  hierarchies: string[];
  /** The hybrid cgroup2 mount, if any (e.g. /sys/fs/cgroup/unified). */
  unified: string | null;
}

export interface CgroupLayoutV2 {
  version: 'v2';
  /** Where the unified hierarchy is mounted: /sys/fs/cgroup on a stock distribution. */
  mountPoint: string;
}

export type CgroupLayout = CgroupLayoutV1 | CgroupLayoutV2;

/** The v1 controllers the kernel knows (cgroup_subsys.h); anything else in the options is a mount flag. */
export const V1_CONTROLLERS = new Set([
  'cpu', 'cpuacct', 'cpuset', 'memory', 'devices', 'freezer', 'net_cls', 'net_prio',
  'blkio', 'perf_event', 'hugetlb', 'pids', 'rdma', 'misc', 'debug',
]);

/** The controllers whose presence on v1 makes the engine drive v1. */
export const ENGINE_V1_CONTROLLERS = ['cpu', 'cpuacct', 'cpuset', 'memory', 'pids', 'freezer', 'blkio'] as const;

/** proc(5) escapes space, tab, newline and backslash in paths as \040 \011 \012 \134. */
export function unescapeMountPath(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

export function parseMountinfo(text: string): MountinfoEntry[] {
  const out: MountinfoEntry[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const fields = line.trim().split(' ');
    const dash = fields.indexOf('-', 6);
    if (dash < 0 || fields.length < dash + 4) continue; // not a mountinfo line
    out.push({
      mountId: Number(fields[0]),
      parentId: Number(fields[1]),
      root: unescapeMountPath(fields[3] ?? ''),
      mountPoint: unescapeMountPath(fields[4] ?? ''),
      fsType: fields[dash + 1] ?? '',
      source: fields[dash + 2] ?? '',
      superOptions: (fields[dash + 3] ?? '').split(','),
    });
  }
  return out;
}

/** The v1 controllers named in a cgroup mount's super options. */
export function v1ControllersOf(entry: MountinfoEntry): string[] {
  return entry.superOptions.filter((option) => V1_CONTROLLERS.has(option));
}

/** Decides the layout from parsed mountinfo (pure; see the header for the rules). */
export function layoutFromMounts(entries: MountinfoEntry[]): CgroupLayout {
  const controllers: Record<string, string> = {};
  const hierarchies: string[] = [];
  // Prefer the mount that shows the whole hierarchy (root "/") when one is mounted twice.
  const ordered = [...entries].sort((a, b) => Number(b.root === '/') - Number(a.root === '/'));
  for (const entry of ordered) {
    if (entry.fsType !== 'cgroup') continue;
    if (!hierarchies.includes(entry.mountPoint)) hierarchies.push(entry.mountPoint);
    for (const controller of v1ControllersOf(entry)) controllers[controller] ??= entry.mountPoint;
  }
  const v2Mounts = ordered.filter((e) => e.fsType === 'cgroup2').map((e) => e.mountPoint);
  const unified = v2Mounts.includes('/sys/fs/cgroup') ? '/sys/fs/cgroup' : (v2Mounts[0] ?? null);

  if (ENGINE_V1_CONTROLLERS.some((c) => controllers[c] !== undefined)) {
    return { version: 'v1', controllers, hierarchies, unified };
  }
  if (unified !== null) return { version: 'v2', mountPoint: unified };
  throw new StrataError('UNSUPPORTED', 'no cgroup hierarchy is mounted (neither cgroup2 nor v1 cpu/memory/pids): container limits and stats need one');
}

export function layoutFromMountinfo(text: string): CgroupLayout {
  return layoutFromMounts(parseMountinfo(text));
}

export async function detectCgroupLayout(mountinfoPath = '/proc/self/mountinfo'): Promise<CgroupLayout> {
  let text: string;
  try {
    text = await fs.promises.readFile(mountinfoPath, 'utf8');
  } catch (error) {
    throw new StrataError('UNSUPPORTED', `cannot read ${mountinfoPath} to find the cgroup hierarchies: ${(error as Error).message}`, { cause: error });
  }
  return layoutFromMountinfo(text);
}
