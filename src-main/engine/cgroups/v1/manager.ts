// The cgroup v1 driver: one directory per controller hierarchy, each mounted on its own
// (/sys/fs/cgroup/memory) or joined with others (/sys/fs/cgroup/cpu,cpuacct). A container
// `abc` lives at <mount>/strata/abc in every hierarchy the engine uses, created together
// and removed together. Mount points come from the layout, so tests can point the driver
// at a fixture tree.
import path from 'node:path';
import { StrataError } from '@shared/errors';
import type { CgroupLayoutV1 } from '../detect';
import {
  childCgroups, isDirectory, mkdirOnce, procsRecursive, removeTree, signalProcess, treeDeepestFirst, writeValue,
} from '../files';
import { type CgroupManager, type CgroupManagerOptions, type CgroupResources, type CgroupStats, EMPTY_STATS, type FreezerState, managerSettings } from '../manager';
import { prefixes, underParent } from '../paths';
import { checkPid, validateResources, wantsCpu, wantsCpuset, wantsMemory } from '../resources';
import { readBlkioV1 } from './blkio';
import { applyCpuV1, readCpuV1 } from './cpu';
import { readCpuacct } from './cpuacct';
import { applyCpuset, inheritCpusets } from './cpuset';
import { freezeV1, readFreezerV1, thawV1 } from './freezer';
import { applyMemoryV1, readMemoryV1 } from './memory';
import { applyPids, readPids } from './pids';

/** The hierarchies a container joins (devices too, so the runtime's device rules have a home). */
export const V1_JOINED = ['cpu', 'cpuacct', 'cpuset', 'memory', 'pids', 'freezer', 'blkio', 'devices'] as const;

export class CgroupV1Manager implements CgroupManager {
  readonly version = 'v1' as const;
  readonly parent: string;
  private readonly freezeTimeoutMs: number;
  private readonly removeTimeoutMs: number;

  constructor(
    private readonly layout: CgroupLayoutV1,
    options: CgroupManagerOptions = {},
  ) {
    ({ parent: this.parent, freezeTimeoutMs: this.freezeTimeoutMs, removeTimeoutMs: this.removeTimeoutMs } = managerSettings(options, (parent) => underParent(parent, 'x')));
  }

  cgroupsPath(cgroup: string): string {
    return `/${underParent(this.parent, cgroup)}`;
  }

  /** Mount points of the joined hierarchies, each once (cpu and cpuacct may share one). */
  private joinedMounts(): string[] {
    const mounts = V1_JOINED.map((c) => this.layout.controllers[c]).filter((m): m is string => m !== undefined);
    return [...new Set(mounts)];
  }

  /** Every hierarchy the runtime may have put the container in, for pids and removal. */
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

  /** The directory for a limit: UNSUPPORTED if the controller is not mounted, NOT_FOUND if not created. */
  private async requireDir(controller: string, rel: string, what: string): Promise<string> {
    const dir = this.dirOf(controller, rel);
    if (dir === null) throw new StrataError('UNSUPPORTED', `cannot apply ${what}: the ${controller} cgroup controller is not mounted on this machine`);
    if (!(await isDirectory(dir))) throw new StrataError('NOT_FOUND', `cgroup ${rel} does not exist in ${this.layout.controllers[controller]}`);
    return dir;
  }

  async create(cgroup: string): Promise<void> {
    const rel = underParent(this.parent, cgroup);
    const levels = prefixes(rel);
    for (const mount of this.joinedMounts()) {
      for (const level of levels) await mkdirOnce(path.join(mount, level));
    }
    const cpuset = this.layout.controllers.cpuset;
    if (cpuset !== undefined) await inheritCpusets(cpuset, levels.map((level) => path.join(cpuset, level)));
  }

  async exists(cgroup: string): Promise<boolean> {
    const rel = underParent(this.parent, cgroup);
    for (const mount of this.joinedMounts()) if (await isDirectory(path.join(mount, rel))) return true;
    return false;
  }

  async apply(cgroup: string, r: CgroupResources): Promise<void> {
    const rel = underParent(this.parent, cgroup);
    validateResources(r);
    if (wantsMemory(r)) await applyMemoryV1(await this.requireDir('memory', rel, 'memory limits'), r);
    if (wantsCpu(r)) await applyCpuV1(await this.requireDir('cpu', rel, 'CPU limits'), r);
    if (wantsCpuset(r)) await applyCpuset(await this.requireDir('cpuset', rel, 'cpuset'), r);
    if (r.pidsLimit !== undefined) await applyPids(await this.requireDir('pids', rel, 'a pids limit'), r);
  }

  async addProcess(cgroup: string, pid: number): Promise<void> {
    const rel = underParent(this.parent, cgroup);
    checkPid(pid);
    let joined = 0;
    for (const mount of this.joinedMounts()) {
      const dir = path.join(mount, rel);
      if (!(await isDirectory(dir))) continue;
      await writeValue(path.join(dir, 'cgroup.procs'), pid);
      joined++;
    }
    if (joined === 0) throw new StrataError('NOT_FOUND', `cgroup ${rel} does not exist`);
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

  async freeze(cgroup: string): Promise<void> {
    await freezeV1(await this.requireDir('freezer', underParent(this.parent, cgroup), 'freeze'), this.freezeTimeoutMs);
  }

  async thaw(cgroup: string): Promise<void> {
    await thawV1(await this.requireDir('freezer', underParent(this.parent, cgroup), 'thaw'), this.freezeTimeoutMs);
  }

  async freezerState(cgroup: string): Promise<FreezerState> {
    return readFreezerV1(await this.requireDir('freezer', underParent(this.parent, cgroup), 'the freezer'));
  }

  /**
   * Freeze → signal every pid → thaw, so no process forks a child the loop would miss.
   * Without a freezer hierarchy the pids are signalled as they are (a fork in between can
   * escape; `remove` then reports the survivor).
   */
  async killAll(cgroup: string, signal: NodeJS.Signals = 'SIGKILL'): Promise<number> {
    const rel = underParent(this.parent, cgroup);
    const freezer = this.dirOf('freezer', rel);
    if (freezer === null || !(await isDirectory(freezer))) {
      if (!(await this.exists(cgroup))) throw new StrataError('NOT_FOUND', `cgroup ${rel} does not exist`);
      return this.signalAll(cgroup, signal);
    }
    const wasFrozen = (await readFreezerV1(freezer)) === 'frozen';
    if (!wasFrozen) await freezeV1(freezer, this.freezeTimeoutMs);
    try {
      return await this.signalAll(cgroup, signal);
    } finally {
      if (!wasFrozen || signal === 'SIGKILL') await thawV1(freezer, this.freezeTimeoutMs);
    }
  }

  private async signalAll(cgroup: string, signal: NodeJS.Signals): Promise<number> {
    let signalled = 0;
    for (const pid of await this.pids(cgroup)) if (signalProcess(pid, signal)) signalled++;
    return signalled;
  }

  async remove(cgroup: string): Promise<void> {
    const rel = underParent(this.parent, cgroup);
    const dirs: string[] = [];
    for (const mount of this.allMounts()) dirs.push(...(await treeDeepestFirst(path.join(mount, rel))));
    await removeTree(dirs, this.removeTimeoutMs, rel);
  }

  /** The container cgroups under the parent in the memory (or first) hierarchy, for re-attach and cleanup. */
  async list(): Promise<string[]> {
    const mount = this.layout.controllers.memory ?? this.joinedMounts()[0];
    return mount === undefined ? [] : childCgroups(path.join(mount, this.parent));
  }
}
