// The cgroup v2 driver: one unified hierarchy, a container `abc` at <root>/strata/abc with
// every controller in that one directory. `root` is the mount point (/sys/fs/cgroup) or a
// delegated subtree for rootless mode — or a fixture tree in tests. It only reads: the
// runtime makes, limits, freezes and removes the cgroups (manager.ts).
import path from 'node:path';
import { StrataError } from '@shared/errors';
import { childCgroups, isDirectory, procsRecursive } from '../files';
import { type CgroupManager, type CgroupManagerOptions, type CgroupStats, EMPTY_STATS, type FreezerState, managerParent } from '../manager';
import { underParent } from '../paths';
import { readCpuV2 } from './cpu';
import { readFreezerV2 } from './freezer';
import { readIoV2 } from './io';
import { readMemoryV2 } from './memory';
import { readPids } from './pids';

export class CgroupV2Manager implements CgroupManager {
  readonly version = 'v2' as const;
  readonly parent: string;

  constructor(
    private readonly root: string,
    options: CgroupManagerOptions = {},
  ) {
    this.parent = managerParent(options, (parent) => underParent(parent, 'x'));
  }

  cgroupsPath(cgroup: string): string {
    return `/${underParent(this.parent, cgroup)}`;
  }

  private dirOf(cgroup: string): string {
    return path.join(this.root, underParent(this.parent, cgroup));
  }

  private async existingDir(cgroup: string): Promise<string> {
    const dir = this.dirOf(cgroup);
    if (!(await isDirectory(dir))) throw new StrataError('NOT_FOUND', `cgroup ${underParent(this.parent, cgroup)} does not exist in ${this.root}`);
    return dir;
  }

  async exists(cgroup: string): Promise<boolean> {
    return isDirectory(this.dirOf(cgroup));
  }

  async pids(cgroup: string): Promise<number[]> {
    return [...new Set(await procsRecursive(this.dirOf(cgroup)))].sort((a, b) => a - b);
  }

  async stats(cgroup: string): Promise<CgroupStats> {
    const dir = await this.existingDir(cgroup);
    const parts = await Promise.all([readCpuV2(dir), readMemoryV2(dir), readPids(dir), readIoV2(dir)]);
    return Object.assign({ ...EMPTY_STATS }, ...parts) as CgroupStats;
  }

  async freezerState(cgroup: string): Promise<FreezerState> {
    return readFreezerV2(await this.existingDir(cgroup));
  }

  async list(): Promise<string[]> {
    return childCgroups(path.join(this.root, this.parent));
  }
}
