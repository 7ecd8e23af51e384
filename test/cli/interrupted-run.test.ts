// `strata run -d` killed without warning (SIGKILL) at many points of its work: at each step
// an observer can see from outside (the record, the root's mount, the namespace's mount,
// the veth, the runtime's state…) and at delays spread over the time a whole run takes.
// After each kill the container is absent or starts; `ps` calls it plain "Created" only
// when nothing of a start is left; and `rm -f` leaves no mount, veth, cgroup, process,
// port rule or address behind.
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { status } from '../../src-main/cli/commands/ps';
import { runtimeRoot } from '../../src-main/engine/containers/runtime-root';
import { Engine } from '../../src-main/engine/index';
import { addressDir } from '../../src-main/engine/network/ipam';
import { networkConfig } from '../../src-main/engine/network/index';
import { hostVethName } from '../../src-main/engine/network/veth-name';
import { existingCgroupDirs } from '../helpers/cgroups';
import { makeTempDir, testImages, writeDockerArchive } from '../helpers/test-images';
import { TEST_BRIDGE } from '../test-network';

let work: string;
let root: string;
let engine: Engine;
/** How long one whole `run -d` takes here: the delays are spread over it. */
let runMs = 1000;
const bin = path.resolve('bin/strata.js');

function strata(...args: string[]): { code: number; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [bin, '--root', root, ...args], { encoding: 'utf8' });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

beforeAll(() => {
  work = makeTempDir('cli-interrupted');
  root = path.join(work, 'store');
  const { a } = testImages(work);
  expect(strata('import', writeDockerArchive(work, [a])).code).toBe(0);
  engine = Engine.open({ root });
  const began = Date.now();
  expect(strata('run', '-d', '--name', 'whole', '-p', '80', 'test/a:1', 'sleep', '60')).toMatchObject({ code: 0, stderr: '' });
  runMs = Date.now() - began;
  expect(strata('rm', '-f', 'whole').code).toBe(0);
});

/** What each kill left, printed at the end: which parts of a start the kill points reached. */
const seen: string[] = [];

afterAll(async () => {
  console.log(`interrupted runs:\n${seen.join('\n')}`);
  for (const container of await engine.listContainers({ all: true })) await engine.removeContainer(container.id, { force: true });
  const mounts = fs.readFileSync('/proc/self/mountinfo', 'utf8');
  fs.rmSync(work, { recursive: true, force: true });
  expect(mounts).not.toContain(root);
});

const containersDir = () => path.join(root, 'containers');

/** What of a start is on the host for container `id`, seen from outside the engine. */
function traces(id: string): string[] {
  const dir = path.join(containersDir(), id);
  const found: string[] = [];
  const mounts = fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((line) => line.split(' ')[4] ?? '');
  for (const point of mounts) if (point.startsWith(`${dir}/`)) found.push(`mount ${path.basename(point)}`);
  if (fs.existsSync(`/sys/class/net/${hostVethName(id)}`)) found.push('veth');
  if (fs.existsSync(path.join(runtimeRoot(engine.store), id))) found.push('runtime state');
  for (const dir of existingCgroupDirs(id)) found.push(`cgroup ${dir}`);
  if (processesOf(id).length) found.push('processes');
  if (iptablesDnat().includes(`strata:${id.slice(0, 12)}`)) found.push('port rule');
  if (addressFiles().some((owner) => owner === id)) found.push('address');
  return found;
}

/** Processes whose command line names the container (its shim, the runtime) or that run in its cgroup. */
function processesOf(id: string): number[] {
  return fs.readdirSync('/proc').flatMap((name) => {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) return [];
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) return []; // exited; its parent (not us) reaps it
      const cmdline = fs.readFileSync(`/proc/${name}/cmdline`, 'utf8');
      const cgroup = fs.readFileSync(`/proc/${name}/cgroup`, 'utf8');
      return cmdline.includes(id) || cgroup.includes(`/strata/${id}`) ? [Number(name)] : [];
    } catch {
      return []; // gone meanwhile
    }
  });
}

function iptablesDnat(): string {
  return execFileSync('iptables', ['-w', '-t', 'nat', '-S', `STRATA-${TEST_BRIDGE}-DNAT`], { encoding: 'utf8' });
}

function addressFiles(): string[] {
  const dir = addressDir(networkConfig());
  return fs.readdirSync(dir).map((name) => fs.readFileSync(path.join(dir, name), 'utf8'));
}

/** The container `run -d` is making: the one directory under containers/ not there before. */
function newContainerId(before: ReadonlySet<string>): string | undefined {
  return fs.readdirSync(containersDir()).find((name) => !before.has(name));
}

type Step = { name: string; reached: (id: string) => boolean } | { name: string; fraction: number };

const mounted = (id: string, file: string) => fs.readFileSync('/proc/self/mountinfo', 'utf8').includes(path.join(containersDir(), id, file));
const steps: Step[] = [
  { name: 'the record written', reached: (id) => fs.existsSync(path.join(containersDir(), id, 'container.json')) },
  { name: 'the root mounted', reached: (id) => mounted(id, 'rootfs') },
  { name: 'the namespace mounted', reached: (id) => mounted(id, 'netns') },
  { name: 'the veth made', reached: (id) => fs.existsSync(`/sys/class/net/${hostVethName(id)}`) },
  { name: 'the veth on the bridge', reached: (id) => fs.existsSync(`/sys/class/net/${hostVethName(id)}/master`) },
  { name: 'config.json written', reached: (id) => fs.existsSync(path.join(containersDir(), id, 'config.json')) },
  { name: 'the runtime state made', reached: (id) => fs.existsSync(path.join(runtimeRoot(engine.store), id)) },
  ...[0.4, 0.55, 0.6, 0.65, 0.7, 0.75, 0.85, 0.95].map((fraction) => ({ name: `${Math.round(fraction * 100)} % of a run`, fraction })),
];

/** Starts `run -d` and kills it (SIGKILL, the CLI alone, as `kill -9` would) at the step. */
async function killedRun(name: string, step: Step): Promise<void> {
  const before = new Set(fs.readdirSync(containersDir()));
  const child: ChildProcess = spawn(process.execPath, [bin, '--root', root, 'run', '-d', '--name', name, '-p', '80', 'test/a:1', 'sleep', '60'], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let done = false;
  void exited.then(() => (done = true));
  const began = Date.now();
  for (;;) {
    if (done) return; // the run finished before the step could be caught: a whole run
    if ('fraction' in step ? Date.now() - began >= step.fraction * runMs : ((id) => id !== undefined && step.reached(id))(newContainerId(before))) break;
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  child.kill('SIGKILL');
  await exited;
}

/** Bounded wait for what the kernel or a shim finishes a moment after a removal (a process's exit). */
async function settled(check: () => string[]): Promise<string[]> {
  let left = check();
  for (let i = 0; i < 100 && left.length; i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    left = check();
  }
  return left;
}

describe('strata run -d killed midway', () => {
  it.each(steps.map((step, index) => [step.name, step, `k${index}`] as const))('after %s: start works or the container is absent; ps tells; rm -f leaves nothing', async (label, step, name) => {
    await killedRun(name, step);
    // Nothing half-made is visible: a directory under containers/ is a whole record.
    const records = await engine.listContainers({ all: true });
    expect(fs.readdirSync(containersDir()).sort()).toEqual(records.map((record) => record.id).sort());
    const record = records.find((candidate) => candidate.name === name);
    if (record === undefined) return void seen.push(`  ${label}: no container`);
    const left = traces(record.id);
    const shown = status(record);
    seen.push(`  ${label}: ${shown}; ${left.join(', ') || 'nothing'} left`);
    if (record.state.status === 'running') expect(shown).toMatch(/^Up /);
    else if (left.length === 0) expect(shown).toBe('Created');
    else expect(shown, `left: ${left.join(', ')}`).toMatch(/^Created \(start incomplete\)$/);

    const started = strata('start', name);
    expect(started, `left before the start: ${left.join(', ')}`).toMatchObject({ code: 0, stderr: '' });
    const running = await engine.inspectContainer(name);
    expect(status(running)).toMatch(/^Up /);
    expect(running.state.network?.ports).toHaveLength(1);

    await engine.removeContainer(name, { force: true });
    expect(await settled(() => traces(record.id))).toEqual([]);
    expect(fs.existsSync(path.join(containersDir(), record.id))).toBe(false);
  });

  it('a container that exited on its own is no interrupted start, even before its exit is recorded', async () => {
    expect(strata('run', '-d', '--name', 'done', 'test/a:1', 'true')).toMatchObject({ code: 0 });
    // Reading never writes: until a writer settles it, the record says running and the
    // root is still mounted — that is the container's own, not a start's leftover.
    let observed = await engine.inspectContainer('done');
    for (let i = 0; i < 500 && observed.state.status !== 'exited'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      observed = await engine.inspectContainer('done');
    }
    expect(mounted(observed.id, 'rootfs')).toBe(true);
    expect(status(observed)).toMatch(/^Exited \(0\) .*ago$/);
    expect(observed.state.leftovers).toBeUndefined();
    await engine.removeContainer('done');
  });
});
