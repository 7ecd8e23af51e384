// Build recovery's cgroup step: a killed build can leave a RUN's cgroup (strata/build-<id>)
// that no runtime state names any more — the runtime itself died half-way — with the
// step's processes still in it. tearDownBuildDir hands it to the runtime
// (`cgroup-destroy --path`): its processes killed, sub-cgroups included, and every
// directory removed. Real kernel, real processes; the cgroup is made here by hand, as a
// runtime that died after creating it would have left it.
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { tearDownBuildDir } from '../../../src-main/engine/build/build-recovery';
import { CONTAINER_ID_FILE, runCgroup } from '../../../src-main/engine/build/run-step';
import { runtimeRoot } from '../../../src-main/engine/containers/runtime-root';
import { Engine } from '../../../src-main/engine/index';
import { cgroupLayout } from '../../helpers/cgroups';
import { makeTempDir } from '../../helpers/test-images';

const layout = cgroupLayout();
// where strata-runtime makes a container's cgroup: its v1 controllers, or the v2 tree
const V1 = ['cpu', 'cpuacct', 'cpuset', 'memory', 'pids', 'freezer', 'devices', 'blkio'];
const mounts = layout.version === 'v2' ? [layout.mountPoint] : [...new Set(V1.map((c) => layout.controllers[c]).filter((m): m is string => m !== undefined))];
const work = makeTempDir('build-recovery');
const spawned: ChildProcess[] = [];

afterAll(() => {
  for (const child of spawned) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  fs.rmSync(work, { recursive: true, force: true });
});

function alive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return false;
  }
}

/** A shell in `rel` of every hierarchy that forks a sleep once it is in. */
function processIn(rel: string): ChildProcess {
  const shell = spawn('sh', ['-c', 'read go; sleep 600 & exec sleep 600'], { stdio: ['pipe', 'ignore', 'ignore'] });
  spawned.push(shell);
  for (const mount of mounts) {
    const dir = path.join(mount, 'strata', rel);
    fs.mkdirSync(dir, { recursive: true });
    for (const f of ['cpuset.cpus', 'cpuset.mems']) {
      if (fs.existsSync(path.join(dir, f))) fs.writeFileSync(path.join(dir, f), fs.readFileSync(path.join(dir, '..', f)));
    }
    fs.writeFileSync(path.join(dir, 'cgroup.procs'), String(shell.pid));
  }
  shell.stdin!.write('go\n');
  return shell;
}

it.skipIf(mounts.length === 0)("clears a RUN's cgroup the runtime lost track of: processes killed, directories gone", async () => {
  const engine = Engine.open({ root: path.join(work, 'store') });
  const id = `${process.pid.toString(16).padStart(8, '0')}${'ab'.repeat(28)}`;
  const name = runCgroup(id);
  const stepDir = path.join(work, 'builds', 'b1', 'step-1');
  fs.mkdirSync(stepDir, { recursive: true });
  fs.writeFileSync(path.join(stepDir, CONTAINER_ID_FILE), id);
  expect(fs.existsSync(path.join(runtimeRoot(engine.store), id))).toBe(false); // no runtime state

  const shells = [processIn(name), processIn(`${name}/sub`)];
  const exits = shells.map((s) => new Promise<NodeJS.Signals | null>((resolve) => s.on('exit', (_code, signal) => resolve(signal))));
  const procs = (): number[] =>
    [name, `${name}/sub`].flatMap((rel) => fs.readFileSync(path.join(mounts[0]!, 'strata', rel, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number));
  while (procs().length < 4) await new Promise((r) => setTimeout(r, 10));
  const pids = procs();

  await tearDownBuildDir(engine.store, path.join(work, 'builds', 'b1'));

  expect(await Promise.all(exits)).toEqual(['SIGKILL', 'SIGKILL']);
  while (pids.some(alive)) await new Promise((r) => setTimeout(r, 10)); // the forked sleeps, reaped by init
  for (const mount of mounts) expect(fs.existsSync(path.join(mount, 'strata', name))).toBe(false);
  expect(fs.existsSync(path.join(work, 'builds', 'b1'))).toBe(false);
});
