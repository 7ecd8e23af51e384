// The cgroup v2 driver: one unified hierarchy, a container `abc` at <root>/strata/abc with
// every controller in that one directory. `root` is the mount point (/sys/fs/cgroup) or a
// delegated subtree for rootless mode — or a fixture tree in tests.
import path from 'node:path';
import { StrataError } from '@shared/errors';
import {
  childCgroups, fileExists, isDirectory, mkdirOnce, procsRecursive, removeTree, signalProcess, treeDeepestFirst, writeValue,
} from '../files';
import { type CgroupManager, type CgroupManagerOptions, type CgroupResources, type CgroupStats, EMPTY_STATS, type FreezerState, managerSettings } from '../manager';
import { prefixes, underParent } from '../paths';
import { checkPid, validateResources, wantsCpu, wantsCpuset, wantsMemory } from '../resources';
import { applyCpuV2, readCpuV2 } from './cpu';
import { applyCpuset } from './cpuset';
import { readFreezerV2, setFrozenV2 } from './freezer';
import { readIoV2 } from './io';
import { applyMemoryV2, readMemoryV2 } from './memory';
import { applyPids, readPids } from './pids';
import { enableControllers } from './subtree';

export class CgroupV2Manager implements CgroupManager {
  readonly version = 'v2' as const;
  readonly parent: string;
  private readonly freezeTimeoutMs: number;
  private readonly removeTimeoutMs: number;

  constructor(
    private readonly root: string,
    options: CgroupManagerOptions = {},
  ) {
    ({ parent: this.parent, freezeTimeoutMs: this.freezeTimeoutMs, removeTimeoutMs: this.removeTimeoutMs } = managerSettings(options, (parent) => underParent(parent, 'x')));
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

  /**
   * Top-down: enable the controllers in the level above, then make the level, so each new
   * cgroup is born with them (the container leaf gets none enabled for children: it holds
   * the processes).
   */
  async create(cgroup: string): Promise<void> {
    let above = this.root;
    for (const level of prefixes(underParent(this.parent, cgroup))) {
      await enableControllers(above);
      above = path.join(this.root, level);
      await mkdirOnce(above);
    }
  }

  async exists(cgroup: string): Promise<boolean> {
    return isDirectory(this.dirOf(cgroup));
  }

  async apply(cgroup: string, r: CgroupResources): Promise<void> {
    validateResources(r);
    const dir = await this.existingDir(cgroup);
    if (wantsMemory(r)) await applyMemoryV2(dir, r);
    if (wantsCpu(r)) await applyCpuV2(dir, r);
    if (wantsCpuset(r)) await applyCpuset(dir, r);
    if (r.pidsLimit !== undefined) await applyPids(dir, r);
  }

  async addProcess(cgroup: string, pid: number): Promise<void> {
    checkPid(pid);
    await writeValue(path.join(await this.existingDir(cgroup), 'cgroup.procs'), pid);
  }

  async pids(cgroup: string): Promise<number[]> {
    return [...new Set(await procsRecursive(this.dirOf(cgroup)))].sort((a, b) => a - b);
  }

  async stats(cgroup: string): Promise<CgroupStats> {
    const dir = await this.existingDir(cgroup);
    const parts = await Promise.all([readCpuV2(dir), readMemoryV2(dir), readPids(dir), readIoV2(dir)]);
    return Object.assign({ ...EMPTY_STATS }, ...parts) as CgroupStats;
  }

  async freeze(cgroup: string): Promise<void> {
    await setFrozenV2(await this.existingDir(cgroup), true, this.freezeTimeoutMs);
  }

  async thaw(cgroup: string): Promise<void> {
    await setFrozenV2(await this.existingDir(cgroup), false, this.freezeTimeoutMs);
  }

  async freezerState(cgroup: string): Promise<FreezerState> {
    return readFreezerV2(await this.existingDir(cgroup));
  }

  /**
   * SIGKILL through cgroup.kill (Linux ≥ 5.14): the kernel kills the whole subtree, forks
   * included, in one write. Other signals, or older kernels: freeze → signal → thaw.
   */
  async killAll(cgroup: string, signal: NodeJS.Signals = 'SIGKILL'): Promise<number> {
    const dir = await this.existingDir(cgroup);
    const killFile = path.join(dir, 'cgroup.kill');
    if (signal === 'SIGKILL' && (await fileExists(killFile))) {
      const count = (await this.pids(cgroup)).length;
      await writeValue(killFile, '1');
      return count;
    }
    const wasFrozen = (await readFreezerV2(dir)) === 'frozen';
    if (!wasFrozen) await setFrozenV2(dir, true, this.freezeTimeoutMs);
    try {
      let signalled = 0;
      for (const pid of await this.pids(cgroup)) if (signalProcess(pid, signal)) signalled++;
      return signalled;
    } finally {
      if (!wasFrozen || signal === 'SIGKILL') await setFrozenV2(dir, false, this.freezeTimeoutMs);
    }
  }

  async remove(cgroup: string): Promise<void> {
    await removeTree(await treeDeepestFirst(this.dirOf(cgroup)), this.removeTimeoutMs, underParent(this.parent, cgroup));
  }

  async list(): Promise<string[]> {
    return childCgroups(path.join(this.root, this.parent));
  }
}
