// The v1 driver on this machine's real kernel, as root: a cgroup named strata-test-<random>
// under the `strata` parent of each hierarchy, with a limit and a real child process put
// in by this file (as the runtime would), read back through the driver — which only
// reads. Only what this file creates is touched, and it is all removed in afterAll even
// when a test fails: the processes it spawned, the cgroups it made, and the `strata`
// parents only where it created them and they are empty.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CgroupLayout, type CgroupLayoutV1, detectCgroupLayout } from '../../../src-main/engine/cgroups/detect';
import { CgroupV1Manager, V1_JOINED } from '../../../src-main/engine/cgroups/v1/manager';

const layout: CgroupLayout = await detectCgroupLayout();
const isRoot = process.getuid?.() === 0;
const skipReason = !isRoot ? 'not root' : layout.version !== 'v1' ? `this machine is cgroup ${layout.version}, not v1` : '';
if (skipReason !== '') console.log(`v1-live: skipped (${skipReason})`);

const PARENT = 'strata';
const name = `strata-test-${randomBytes(4).toString('hex')}`;
/** Every cgroup this file may create, for the cleanup. */
const ourNames = [name];
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

/** What the runtime does at create: the directories, cpuset copied down, limits, the process joined. */
function makeCgroupWith(pid: number): void {
  for (const mount of mounts) {
    for (const rel of [PARENT, path.join(PARENT, name)]) {
      const dir = path.join(mount, rel);
      if (!fs.existsSync(dir)) fs.mkdirSync(dir);
      for (const f of ['cpuset.cpus', 'cpuset.mems']) {
        const file = path.join(dir, f);
        if (fs.existsSync(file) && fs.readFileSync(file, 'utf8').trim() === '') fs.writeFileSync(file, fs.readFileSync(path.join(dir, '..', f)));
      }
    }
  }
  fs.writeFileSync(kernelFile('memory', 'memory.limit_in_bytes'), String(64 << 20));
  fs.writeFileSync(kernelFile('pids', 'pids.max'), '10');
  for (const mount of mounts) fs.writeFileSync(path.join(mount, PARENT, name, 'cgroup.procs'), String(pid));
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

  it('sees the cgroup in every hierarchy and reads a real process and its stats', async () => {
    child = waitingChild();
    pid = child.pid as number;
    makeCgroupWith(pid);
    child.stdin?.end('go\n');
    await until(() => comm(pid) === 'sleep', 'the child to exec sleep');

    expect(await cgroups.exists(name)).toBe(true);
    expect(await cgroups.list()).toContain(name);
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

  it('reads the freezer state the kernel reports (the runtime pauses; here the file is written by hand)', async () => {
    fs.writeFileSync(kernelFile('freezer', 'freezer.state'), 'FROZEN');
    await until(() => kernel('freezer', 'freezer.state') === 'FROZEN', 'the freezer to report FROZEN');
    expect(await cgroups.freezerState(name)).toBe('frozen');
    fs.writeFileSync(kernelFile('freezer', 'freezer.state'), 'THAWED');
    expect(await cgroups.freezerState(name)).toBe('thawed');
  });
});
