// The v1 driver on this machine's real kernel, as root: cgroups named strata-test-<random>
// under the `strata` parent of each hierarchy, a real child process inside, limits read
// back from the kernel's own files. Only what this file creates is touched, and it is all
// removed in afterAll even when a test fails: the processes it spawned, the cgroups it
// made, and the `strata` parents only where it created them and they are empty.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CgroupLayout, type CgroupLayoutV1, detectCgroupLayout } from '../../../src-main/engine/cgroups/detect';
import { CgroupV1Manager, V1_JOINED } from '../../../src-main/engine/cgroups/v1/manager';
import { rejection } from './fake-kernel';

const layout: CgroupLayout = await detectCgroupLayout();
const isRoot = process.getuid?.() === 0;
const skipReason = !isRoot ? 'not root' : layout.version !== 'v1' ? `this machine is cgroup ${layout.version}, not v1` : '';
if (skipReason !== '') console.log(`v1-live: skipped (${skipReason})`);

const PARENT = 'strata';
const name = `strata-test-${randomBytes(4).toString('hex')}`;
const otherName = `${name}-term`;
/** Every cgroup this file may create, for the cleanup. */
const ourNames = [name, otherName];
const spawned: ChildProcess[] = [];
const mounts = layout.version === 'v1' ? [...new Set(V1_JOINED.map((c) => layout.controllers[c]).filter((m): m is string => m !== undefined))] : [];
/** Parents (<mount>/strata) that did not exist before this file ran. */
const parentsWeMade: string[] = [];

let cgroups: CgroupV1Manager;
const v1 = layout as CgroupLayoutV1;
const kernelFile = (controller: string, file: string, cgroup = name): string => path.join(v1.controllers[controller] ?? '/nonexistent', PARENT, cgroup, file);
const kernel = (controller: string, file: string, cgroup = name): string => fs.readFileSync(kernelFile(controller, file, cgroup), 'utf8').trim();

function killSpawned(): void {
  for (const child of spawned) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

/**
 * Thaws, then rmdirs deepest first, every directory under <mount>/strata/<ours>; never
 * anything else. A frozen process cannot die, hence the thaw before anything.
 */
async function removeOurCgroups(): Promise<void> {
  const ours = [...mounts, ...(v1.hierarchies ?? [])].flatMap((m) => ourNames.map((n) => path.join(m, PARENT, n)));
  for (const dir of ours) {
    const state = path.join(dir, 'freezer.state');
    if (fs.existsSync(state)) fs.writeFileSync(state, 'THAWED');
  }
  killSpawned();
  for (const top of ours) {
    const dirs: string[] = [];
    const walk = (dir: string): void => {
      if (!fs.existsSync(dir)) return;
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) walk(path.join(dir, e.name));
      dirs.push(dir);
    };
    walk(top);
    for (const dir of dirs) {
      for (let attempt = 0; attempt < 100; attempt++) {
        try {
          fs.rmdirSync(dir);
          break;
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'ENOENT') break;
          await new Promise((r) => setTimeout(r, 20)); // processes still exiting
        }
      }
    }
  }
}

/** Spawns `sh` that waits on stdin, then execs `sleep 30` — once it is in the cgroup. */
function waitingChild(): ChildProcess {
  const child = spawn('sh', ['-c', 'read go; exec sleep 30'], { stdio: ['pipe', 'ignore', 'ignore'] });
  spawned.push(child);
  return child;
}

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`gave up waiting for ${what}`);
}

function comm(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}

function exited(child: ChildProcess): Promise<NodeJS.Signals | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.signalCode);
  return new Promise((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
}

describe.skipIf(skipReason !== '')('v1 driver on the real kernel', () => {
  let child: ChildProcess;
  let pid: number;

  beforeAll(() => {
    for (const mount of mounts) if (!fs.existsSync(path.join(mount, PARENT))) parentsWeMade.push(path.join(mount, PARENT));
    cgroups = new CgroupV1Manager(v1, { parent: PARENT });
  });

  afterAll(async () => {
    await removeOurCgroups();
    for (const parent of parentsWeMade) {
      try {
        fs.rmdirSync(parent); // only if empty: another user of `strata` keeps it
      } catch {
        // in use by someone else: leave it
      }
    }
  });

  it('creates the cgroup in every hierarchy, cpuset ready for tasks', async () => {
    await cgroups.create(name);
    for (const mount of mounts) expect(fs.statSync(path.join(mount, PARENT, name)).isDirectory()).toBe(true);
    expect(await cgroups.exists(name)).toBe(true);
    expect(kernel('cpuset', 'cpuset.cpus')).not.toBe('');
    expect(kernel('cpuset', 'cpuset.mems')).not.toBe('');
    expect(await cgroups.list()).toContain(name);
  });

  it('applies limits the kernel then reports in its own files', async () => {
    const swap = fs.existsSync(kernelFile('memory', 'memory.memsw.limit_in_bytes'));
    await cgroups.apply(name, {
      memory: 64 << 20,
      memoryReservation: 32 << 20,
      ...(swap ? { memorySwap: 128 << 20 } : {}),
      cpus: 0.5,
      cpuShares: 512,
      cpusetCpus: '0',
      pidsLimit: 10,
    });
    expect(kernel('memory', 'memory.limit_in_bytes')).toBe(String(64 << 20));
    expect(kernel('memory', 'memory.soft_limit_in_bytes')).toBe(String(32 << 20));
    if (swap) expect(kernel('memory', 'memory.memsw.limit_in_bytes')).toBe(String(128 << 20));
    else console.log('v1-live: no memory.memsw.* here (swap accounting off): memory+swap not checked');
    expect(kernel('cpu', 'cpu.cfs_period_us')).toBe('100000');
    expect(kernel('cpu', 'cpu.cfs_quota_us')).toBe('50000');
    expect(kernel('cpu', 'cpu.shares')).toBe('512');
    expect(kernel('cpuset', 'cpuset.cpus')).toBe('0');
    expect(kernel('pids', 'pids.max')).toBe('10');
  });

  it('puts a real process in and reads its stats', async () => {
    child = waitingChild();
    pid = child.pid as number;
    await cgroups.addProcess(name, pid);
    child.stdin?.end('go\n');
    await until(() => comm(pid) === 'sleep', 'the child to exec sleep');

    const membership = fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8');
    for (const c of ['memory', 'pids', 'cpu', 'cpuacct', 'freezer']) {
      expect(membership).toMatch(new RegExp(`^\\d+:[^:]*\\b${c}\\b[^:]*:/${PARENT}/${name}$`, 'm'));
    }
    expect(kernel('memory', 'cgroup.procs')).toBe(String(pid));
    expect(await cgroups.pids(name)).toEqual([pid]);

    const stats = await cgroups.stats(name);
    expect(stats.memoryUsage).toBeGreaterThan(0);
    expect(stats.memoryWorkingSet).toBeGreaterThan(0);
    expect(stats.memoryWorkingSet).toBeLessThanOrEqual(stats.memoryUsage as number);
    expect(stats.memoryLimit).toBe(64 << 20);
    expect(stats.pidsCurrent).toBe(1);
    expect(stats.pidsLimit).toBe(10);
    expect(stats.cpuUsageNs).toBeGreaterThanOrEqual(0);
    expect(stats.cpuPeriods).toBeGreaterThanOrEqual(0);
    expect(stats.memoryOomKills).toBe(0);
    expect(stats.blkioReadBytes).not.toBeNull();
    expect(stats.blkioWriteBytes).not.toBeNull();
  });

  it('freezes and thaws it', async () => {
    await cgroups.freeze(name);
    expect(kernel('freezer', 'freezer.state')).toBe('FROZEN');
    expect(await cgroups.freezerState(name)).toBe('frozen');
    expect(fs.readFileSync(`/proc/${pid}/status`, 'utf8')).toMatch(/^State:\s+D/m); // in the refrigerator

    await cgroups.thaw(name);
    expect(kernel('freezer', 'freezer.state')).toBe('THAWED');
    expect(await cgroups.freezerState(name)).toBe('thawed');
    // woken: running, or back asleep in sleep(1)'s nanosleep — no longer in the refrigerator
    expect(fs.readFileSync(`/proc/${pid}/status`, 'utf8')).toMatch(/^State:\s+[RS]/m);
  });

  it('refuses a memory limit below usage with a clear error, keeping the old limit', async () => {
    const error = await rejection(cgroups.apply(name, { memory: 4096 }));
    expect(error).toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(error.message).toContain('memory.limit_in_bytes');
    expect(error.message).toContain('"4096"');
    expect(error.message).toMatch(/EBUSY/);
    expect(kernel('memory', 'memory.limit_in_bytes')).toBe(String(64 << 20));
  });

  it('refuses values the kernel rejects and processes that do not exist', async () => {
    const quota = await rejection(cgroups.apply(name, { cpuQuota: 10 })); // below the kernel's 1 ms
    expect(quota).toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(quota.message).toMatch(/refused "10" for cpu\.cfs_quota_us in .*\/strata\/strata-test-\w+ \(EINVAL/);
    const cpuset = await rejection(cgroups.apply(name, { cpusetCpus: '4095' }));
    expect(cpuset).toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('cpuset.cpus') });
    const pidMax = Number(fs.readFileSync('/proc/sys/kernel/pid_max', 'utf8')); // never assigned
    expect(await rejection(cgroups.addProcess(name, pidMax))).toMatchObject({ code: 'NOT_FOUND' });
  });

  it('killAll kills everything in it; remove waits for the exit and leaves nothing', async () => {
    // a sub-cgroup of its own, as a container running systemd makes
    await cgroups.create(`${name}/inner`);
    expect(await cgroups.killAll(name)).toBe(1);
    await cgroups.remove(name); // retries while the process exits
    expect(await exited(child)).toBe('SIGKILL');
    for (const mount of [...mounts, ...v1.hierarchies]) expect(fs.existsSync(path.join(mount, PARENT, name))).toBe(false);
    expect(await cgroups.exists(name)).toBe(false);
    await cgroups.remove(name); // already gone: fine
  });

  it('killAll with another signal leaves the cgroup thawed and the process signalled', async () => {
    const other = otherName;
    await cgroups.create(other);
    try {
      const c = waitingChild();
      await cgroups.addProcess(other, c.pid as number);
      c.stdin?.end('go\n');
      await until(() => comm(c.pid as number) === 'sleep', 'the child to exec sleep');
      expect(await cgroups.killAll(other, 'SIGTERM')).toBe(1);
      expect(await exited(c)).toBe('SIGTERM');
      expect(kernel('freezer', 'freezer.state', other)).toBe('THAWED');
    } finally {
      await cgroups.remove(other);
    }
    for (const mount of mounts) expect(fs.existsSync(path.join(mount, PARENT, other))).toBe(false);
  });
});
