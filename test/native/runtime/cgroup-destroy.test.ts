// `strata-runtime cgroup-destroy --path /strata/NAME`: a cgroup no runtime state names (a
// runtime killed half-way, as after a killed build) is cleared by the runtime, not the
// engine: every process in it and in its sub-cgroups killed, every directory removed, in
// every hierarchy. Real kernel, real processes; the cgroups are made here by hand, as a
// runtime that died after creating them would have left them.
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import { runRuntime, runtimeFailure } from '../../../src-main/engine/runtime';
import { cgroupLayout } from '../../helpers/cgroups';
import { until, useWorkspace } from './harness';

const ws = useWorkspace();
const layout = cgroupLayout();
// The hierarchies the runtime makes a container's cgroup in (cgroup_v1.c v1_controllers).
const V1 = ['cpu', 'cpuacct', 'cpuset', 'memory', 'pids', 'freezer', 'devices', 'blkio'];
const v1Mounts = layout.version === 'v1' ? [...new Set(V1.map((c) => layout.controllers[c]).filter((m): m is string => m !== undefined))] : [];
const v2Root = layout.version === 'v2' ? layout.mountPoint : layout.unified;
if (v1Mounts.length === 0) console.warn('cgroup-destroy: v1 case skipped, this host has no cgroup v1 hierarchies');
if (v2Root === null) console.warn('cgroup-destroy: v2 case skipped, this host has no cgroup2 mount');

function alive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return false;
  }
}

/** Where `child` must join in a hierarchy: a new cpuset cgroup has no cpus until given some. */
function join(dir: string, pid: number): void {
  if (fs.existsSync(path.join(dir, 'cpuset.cpus'))) {
    for (const f of ['cpuset.cpus', 'cpuset.mems']) fs.writeFileSync(path.join(dir, f), fs.readFileSync(path.join(dir, '..', f)));
  }
  fs.writeFileSync(path.join(dir, 'cgroup.procs'), String(pid));
}

/**
 * strata/<name> and strata/<name>/sub in each hierarchy, a shell in each that forks a
 * sleep once it is in (so the fork happens inside): four processes, none a container's.
 */
async function orphanCgroup(mounts: readonly string[], name: string): Promise<{ shells: ChildProcess[]; pids: number[] }> {
  const shells: ChildProcess[] = [];
  for (const rel of [name, `${name}/sub`]) {
    for (const mount of mounts) fs.mkdirSync(path.join(mount, 'strata', rel), { recursive: true });
    const shell = spawn('sh', ['-c', 'read go; sleep 600 & exec sleep 600'], { stdio: ['pipe', 'ignore', 'ignore'] });
    shells.push(shell);
    for (const mount of mounts) join(path.join(mount, 'strata', rel), shell.pid!);
    shell.stdin!.write('go\n');
  }
  const procs = (): number[] =>
    [name, `${name}/sub`].flatMap((rel) => fs.readFileSync(path.join(mounts[0]!, 'strata', rel, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number));
  await until(() => procs().length === 4);
  return { shells, pids: procs() };
}

async function destroysEverything(mounts: readonly string[], env: NodeJS.ProcessEnv | undefined): Promise<void> {
  const name = ws.id(`orphan-${mounts.length}`);
  const { shells, pids } = await orphanCgroup(mounts, name);
  const exits = shells.map((s) => new Promise<NodeJS.Signals | null>((resolve) => s.on('exit', (_code, signal) => resolve(signal))));
  expect(fs.existsSync(path.join(ws.root, name))).toBe(false); // no runtime state names it

  const r = await runRuntime(['cgroup-destroy', '--path', `/strata/${name}`], { root: ws.root, env });
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  expect(await Promise.all(exits)).toEqual(['SIGKILL', 'SIGKILL']);
  await until(() => pids.every((pid) => !alive(pid))); // the forked sleeps, reaped by init
  for (const mount of mounts) expect(fs.existsSync(path.join(mount, 'strata', name))).toBe(false);

  // Already gone: nothing to do, and no NOT_FOUND.
  const again = await runRuntime(['cgroup-destroy', '--path', `/strata/${name}`], { root: ws.root, env });
  expect([again.code, again.stderr]).toEqual([0, '']);
}

describe('cgroup-destroy --path', () => {
  it.skipIf(v1Mounts.length === 0)('v1: kills every process, sub-cgroups too, and removes it from every hierarchy', async () => {
    await destroysEverything(v1Mounts, undefined);
  });

  it.skipIf(v2Root === null)('v2: kills through cgroup.kill (or the freezer) and removes the subtree', async () => {
    const root = v2Root!;
    const madeParent = !fs.existsSync(path.join(root, 'strata'));
    try {
      await destroysEverything([root], { ...process.env, STRATA_CGROUP_ROOT: root });
    } finally {
      try {
        if (madeParent) fs.rmdirSync(path.join(root, 'strata'));
      } catch {
        // made here, but another suite's cgroup has appeared in it since: theirs to clear
      }
    }
  });

  it.each(['/strata', '/strata/', 'strata/x', '/other/x', '/strata/../x', '/strata/a//b', '/strata/./a', '/strata/a/'])(
    'refuses %s with INVALID_ARGUMENT, touching nothing',
    async (bad) => {
      const r = await runRuntime(['cgroup-destroy', '--path', bad], { root: ws.root });
      expect(r.code).not.toBe(0);
      expect(runtimeFailure(r.stderr, r.code).code).toBe('INVALID_ARGUMENT');
    },
  );

  it('--path goes alone: with a container id or a bundle it is INVALID_ARGUMENT', async () => {
    for (const args of [['--path', '/strata/x', 'id'], ['--path', '/strata/x', '--bundle', ws.dir]]) {
      const r = await runRuntime(['cgroup-destroy', ...args], { root: ws.root });
      expect(runtimeFailure(r.stderr, r.code).code).toBe('INVALID_ARGUMENT');
    }
  });
});
