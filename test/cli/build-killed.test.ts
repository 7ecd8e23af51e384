// A `strata build` killed (SIGKILL) in the middle of a RUN leaves its step's container
// running on an overlay mount, in a network namespace with a veth and an address, in a
// cgroup. The next engine start (any command, here `strata images`) and `strata prune`
// clear all of it: no mount under the store, no veth, no netns, no address, no cgroup, no
// process of the step left.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostVethName } from '../../src-main/engine/network/veth-name';
import { makeTempDir, testImages, writeOciLayout } from '../helpers/test-images';
import { buildCgroups } from '../engine/build/build-fixture';
import { TEST_BRIDGE } from '../test-network';

let work: string;
let root: string;
let context: string;
const bin = path.resolve('bin/strata.js');

function strata(...args: string[]): { code: number; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [bin, '--root', root, ...args], { encoding: 'utf8' });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

beforeAll(() => {
  work = makeTempDir('cli-build-killed');
  root = path.join(work, 'store');
  const { layers } = testImages(work);
  expect(strata('import', writeOciLayout(path.join(work, 'layout'), [{ tag: 'test/busybox:1', layers: [layers.base], cmd: ['/bin/sh'] }])).code).toBe(0);
  context = path.join(work, 'context');
  fs.mkdirSync(context);
  fs.writeFileSync(path.join(context, 'Containerfile'), 'FROM test/busybox:1\nRUN echo started > /tmp/started && sleep 1000\n');
});

afterAll(() => {
  strata('prune'); // whatever a failed test left
  const mounts = fs.readFileSync('/proc/self/mountinfo', 'utf8');
  fs.rmSync(work, { recursive: true, force: true });
  expect(mounts).not.toContain(root);
});

/** Polls `check` until it holds; false if it never did within `limitMs` (a bound, not a measurement). */
async function eventually(check: () => boolean, limitMs = 30_000): Promise<boolean> {
  for (const end = Date.now() + limitMs; Date.now() < end; await new Promise((resolve) => setTimeout(resolve, 100))) {
    if (check()) return true;
  }
  return check();
}

/** The RUN step's directory once its program has written its marker into the step's upper dir. */
function runningStep(): string | undefined {
  const builds = path.join(root, 'builds');
  for (const build of fs.existsSync(builds) ? fs.readdirSync(builds) : []) {
    for (const step of fs.readdirSync(path.join(builds, build))) {
      const dir = path.join(builds, build, step);
      if (fs.existsSync(path.join(dir, 'upper/tmp/started'))) return dir;
    }
  }
  return undefined;
}

/** Live (not zombie) processes that belong to the step: its runtime and its cgroup's processes. */
function stepProcesses(id: string): number[] {
  const out: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      if ('ZX'.includes(stat.slice(stat.lastIndexOf(')') + 2)[0]!)) continue;
      const cmdline = fs.readFileSync(`/proc/${name}/cmdline`, 'utf8');
      const cgroup = fs.readFileSync(`/proc/${name}/cgroup`, 'utf8');
      if (cmdline.includes(id) || cgroup.includes(`build-${id}`)) out.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** Starts a build, waits until its RUN runs, kills the CLI with SIGKILL; the step's container id and directory. */
async function killedBuild(): Promise<{ id: string; stepDir: string }> {
  const child: ChildProcess = spawn(process.execPath, [bin, '--root', root, 'build', context], { stdio: 'ignore' });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    expect(await eventually(() => runningStep() !== undefined)).toBe(true);
  } finally {
    child.kill('SIGKILL');
    await exited;
  }
  const stepDir = runningStep()!;
  const id = fs.readFileSync(path.join(stepDir, 'container-id'), 'utf8').trim();
  // What the kill left behind, as the defect describes it.
  expect(fs.readFileSync('/proc/self/mountinfo', 'utf8')).toContain(path.join(stepDir, 'rootfs'));
  expect(fs.existsSync(`/sys/class/net/${hostVethName(id)}`)).toBe(true);
  expect(stepProcesses(id).length).toBeGreaterThan(0);
  return { id, stepDir };
}

/** Nothing of the killed step is left. */
async function expectCleared(id: string, stepDir: string): Promise<void> {
  const mounts = fs.readFileSync('/proc/self/mountinfo', 'utf8');
  expect(mounts).not.toContain(root);
  expect(fs.existsSync(stepDir)).toBe(false); // its netns file with it
  expect(fs.existsSync(path.join(root, 'builds')) ? fs.readdirSync(path.join(root, 'builds')) : []).toEqual([]);
  expect(fs.existsSync(`/sys/class/net/${hostVethName(id)}`)).toBe(false);
  const addresses = path.join('/run/strata/net', TEST_BRIDGE);
  const owners = fs.existsSync(addresses) ? fs.readdirSync(addresses).map((file) => fs.readFileSync(path.join(addresses, file), 'utf8')) : [];
  expect(owners.filter((owner) => owner.includes(id))).toEqual([]);
  expect([...buildCgroups()].filter((cgroup) => cgroup.endsWith(`build-${id}`))).toEqual([]);
  // The runtime's `run` exits once its container is killed: wait for that, not a duration.
  expect(await eventually(() => stepProcesses(id).length === 0)).toBe(true);
}

describe('a build killed during RUN', () => {
  it('is cleared by `strata prune`', async () => {
    const { id, stepDir } = await killedBuild();
    expect(strata('prune')).toMatchObject({ code: 0, stderr: '' });
    await expectCleared(id, stepDir);
  });

  it('is cleared by the next engine start (`strata images`)', async () => {
    const { id, stepDir } = await killedBuild();
    const images = strata('images');
    expect(images).toMatchObject({ code: 0, stderr: '' });
    expect(images.stdout).toContain('test/busybox');
    await expectCleared(id, stepDir);
  });
});
