// The cgroup v1 driver: one directory per controller hierarchy, each mounted on its own
// (/sys/fs/cgroup/memory) or joined with others (/sys/fs/cgroup/cpu,cpuacct). A container
// `abc` lives at <mount>/strata/abc in every hierarchy the engine uses, created together
// and removed together — by the runtime: this driver only reads (manager.ts). Mount points
// come from the layout, so tests can point the driver at a fixture tree.
import path from 'node:path';
import { StrataError } from '@shared/errors';
import type { CgroupLayoutV1 } from '../detect';
import { childCgroups, isDirectory, procsRecursive } from '../files';
import { type CgroupManager, type CgroupManagerOptions, type CgroupStats, EMPTY_STATS, type FreezerState, managerParent } from '../manager';
import { underParent } from '../paths';
import { readBlkioV1 } from './blkio';
import { readCpuV1 } from './cpu';
import { readCpuacct } from './cpuacct';
import { readFreezerV1 } from './freezer';
import { readMemoryV1 } from './memory';
import { readPids } from './pids';

/** The hierarchies the runtime puts a container in (cgroup_v1.c v1_controllers). */
export const V1_JOINED = ['cpu', 'cpuacct', 'cpuset', 'memory', 'pids', 'freezer', 'blkio', 'devices', 'net_cls', 'net_prio'] as const;

export class CgroupV1Manager implements CgroupManager {
  readonly version = 'v1' as const;
  readonly parent: string;

  constructor(
    private readonly layout: CgroupLayoutV1,
    options: CgroupManagerOptions = {},
  ) {
    this.parent = managerParent(options, (parent) => underParent(parent, 'x'));
  }

  cgroupsPath(cgroup: string): string {
    return `/${underParent(this.parent, cgroup)}`;
  }

  /** Mount points of the joined hierarchies, each once (cpu and cpuacct may share one). */
  private joinedMounts(): string[] {
    const mounts = V1_JOINED.map((c) => this.layout.controllers[c]).filter((m): m is string => m !== undefined);
    return [...new Set(mounts)];
  }

  /** Every hierarchy a process of the container may be in, for pids. */
  private allMounts(): string[] {
    const all = [...this.joinedMounts(), ...this.layout.hierarchies];
    if (this.layout.unified !== null) all.push(this.layout.unified);
    return [...new Set(all)];
  }

  /** The container's directory in a controller's hierarchy; null when it is not mounted. */
  private dirOf(controller: string, rel: string): string | null {
    const mount = this.layout.controllers[controller];
    return mount === undefined ? null : path.join(mount, rel);
  }

  /** A controller's directory: UNSUPPORTED if the controller is not mounted, NOT_FOUND if not created. */
  private async requireDir(controller: string, rel: string, what: string): Promise<string> {
    const dir = this.dirOf(controller, rel);
    if (dir === null) throw new StrataError('UNSUPPORTED', `cannot read ${what}: the ${controller} cgroup controller is not mounted on this machine`);
    if (!(await isDirectory(dir))) throw new StrataError('NOT_FOUND', `cgroup ${rel} does not exist in ${this.layout.controllers[controller]}`);
    return dir;
  }

  async exists(cgroup: string): Promise<boolean> {
    const rel = underParent(this.parent, cgroup);
    for (const mount of this.joinedMounts()) if (await isDirectory(path.join(mount, rel))) return true;
    return false;
  }

  async pids(cgroup: string): Promise<number[]> {
    const rel = underParent(this.parent, cgroup);
    const all = new Set<number>();
    for (const mount of this.allMounts()) for (const pid of await procsRecursive(path.join(mount, rel))) all.add(pid);
    return [...all].sort((a, b) => a - b);
  }

  async stats(cgroup: string): Promise<CgroupStats> {
    const rel = underParent(this.parent, cgroup);
    if (!(await this.exists(cgroup))) throw new StrataError('NOT_FOUND', `cgroup ${rel} does not exist`);
    // An unmounted controller contributes nothing; EMPTY_STATS fills its fields with null.
    const read = async <T extends Partial<CgroupStats>>(controller: string, reader: (dir: string) => Promise<T>): Promise<T | object> => {
      const dir = this.dirOf(controller, rel);
      return dir === null ? {} : reader(dir);
    };
    const parts = await Promise.all([
      read('cpuacct', readCpuacct),
      read('cpu', readCpuV1),
      read('memory', readMemoryV1),
      read('pids', readPids),
      read('blkio', readBlkioV1),
    ]);
    return Object.assign({ ...EMPTY_STATS }, ...parts) as CgroupStats;
  }

  async freezerState(cgroup: string): Promise<FreezerState> {
    return readFreezerV1(await this.requireDir('freezer', underParent(this.parent, cgroup), 'the freezer'));
  }

  /** The container cgroups under the parent in the memory (or first) hierarchy, for re-attach and cleanup. */
  async list(): Promise<string[]> {
    const mount = this.layout.controllers.memory ?? this.joinedMounts()[0];
    return mount === undefined ? [] : childCgroups(path.join(mount, this.parent));
  }
}
