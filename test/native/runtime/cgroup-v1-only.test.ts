// The resources only cgroup v1 has a file for: memory.disableOOMKiller (memory.oom_control)
// and network (net_cls.classid, net_prio.ifpriomap). Applied on v1 and checked in the
// kernel's own files and by their effect; refused as UNSUPPORTED on v2 and where the v1
// controller is not mounted, at create and at update, before anything is written.
//
// net_cls and net_prio are mounted on few hosts (this one has neither): the network cases
// mount a net_cls,net_prio hierarchy of their own in a mount namespace of the suite's own
// and run the runtime in it, pointed at a cgroup root of links to this host's hierarchies
// plus that one (STRATA_CGROUP_ROOT), so the kernel's files are the real ones. The mount
// never shows in the host's mount table (another tool's runtime that mirrors the host's
// cgroup mounts — runc under rootless podman — would trip on it, and its copies would keep
// an unmount busy); it goes with the namespace when the suite ends.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { type OciConfig, type RuntimeState, runRuntime, runtimeBinaryPath } from '../../../src-main/engine/runtime';
import { cgroupLayout } from '../../helpers/cgroups';
import { watch } from '../../engine/store/store-fixture';
import { createContainer, until, useWorkspace } from './harness';

const ws = useWorkspace();
const MiB = 1024 * 1024;
const read = (file: string): string => fs.readFileSync(file, 'utf8').trim();
const v1Memory = fs.existsSync('/sys/fs/cgroup/memory/memory.oom_control');
if (!v1Memory) console.warn('cgroup-v1-only: the disableOOMKiller cases skipped, this host has no cgroup v1 memory hierarchy');
const layout = cgroupLayout();
const UNIFIED = layout.version === 'v2' ? layout.mountPoint : layout.unified;
const hasV2 = UNIFIED !== null && fs.existsSync(path.join(UNIFIED, 'cgroup.procs'));
if (!hasV2) console.warn('cgroup-v1-only: the v2 refusals skipped, this host has no cgroup2 tree');
const v2: Via = { env: { ...process.env, STRATA_CGROUP_ROOT: UNIFIED ?? '', STRATA_CGROUP_DRIVER: 'v2' } };

/** A cgroup root of links to this host's v1 hierarchies (a v1 host's /sys/fs/cgroup as the runtime reads it). */
function linkedRoot(name: string): string {
  const root = path.join(ws.dir, name);
  fs.mkdirSync(root);
  for (const e of fs.readdirSync('/sys/fs/cgroup')) fs.symlinkSync(path.join('/sys/fs/cgroup', e), path.join(root, e));
  return root;
}

/** net_cls's line of /proc/cgroups: its hierarchy (0: none, bound to no v1 mount) and how many cgroups it has. */
function netClsHierarchy(): { id: number; cgroups: number } {
  const line = fs.readFileSync('/proc/cgroups', 'utf8').split('\n').find((l) => l.startsWith('net_cls\t'));
  const [, id, cgroups] = (line ?? '').split('\t');
  return { id: Number(id), cgroups: Number(cgroups) };
}

/** How the runtime is run: its environment, and a wrapper that runs it in another mount namespace. */
interface Via {
  env?: NodeJS.ProcessEnv;
  binary?: string;
}

/** The suite's mount namespace (a slave of the host's: what is mounted in it stays in it), with its net_cls,net_prio hierarchy. */
interface NetNamespace {
  /** The cgroup root the runtime is pointed at: links to this host's hierarchies, net_cls and net_prio to the suite's mount. */
  root: string;
  via: Via;
  /** A path as the namespace sees it, from outside (through its holder's /proc/<pid>/root). */
  view(file: string): string;
  /** Ends the holder; the namespace and its mount go with it. */
  end(): Promise<void>;
}

async function netNamespace(): Promise<NetNamespace | null> {
  if (layout.version !== 'v1') return null;
  const root = linkedRoot('cgroot-net');
  const mount = path.join(root, 'net_cls,net_prio');
  fs.mkdirSync(mount);
  // sh mounts, says so, and holds the namespace until its stdin closes (the suite's end, or its worker's death)
  const holder = watch(spawn('unshare', ['--mount', '--propagation', 'slave', 'sh', '-c', 'mount -t cgroup -o net_cls,net_prio cgroup "$1" || exit 1; echo mounted; read _', 'sh', mount]));
  const mounted = await holder.line(/^mounted$/).then(
    () => true,
    () => false,
  );
  if (!mounted) {
    console.warn(`cgroup-v1-only: the net_cls/net_prio cases skipped, cannot mount that hierarchy here: ${holder.stderr().trim()}`);
    return null;
  }
  fs.symlinkSync('net_cls,net_prio', path.join(root, 'net_cls'));
  fs.symlinkSync('net_cls,net_prio', path.join(root, 'net_prio'));
  const binary = path.join(ws.dir, 'runtime-in-net-namespace');
  fs.writeFileSync(binary, `#!/bin/sh\nexec nsenter --mount=/proc/${holder.process.pid}/ns/mnt -- ${runtimeBinaryPath()} "$@"\n`, { mode: 0o755 });
  return {
    root,
    via: { env: { ...process.env, STRATA_CGROUP_ROOT: root }, binary },
    view: (file) => `/proc/${holder.process.pid}/root${file}`,
    async end() {
      holder.process.stdin.end();
      await holder.exited;
    },
  };
}
const netWasUnmounted = netClsHierarchy().id === 0;
const NET = await netNamespace();
const netParentExisted = NET !== null && fs.existsSync(NET.view(path.join(NET.root, 'net_cls,net_prio', 'strata')));
afterAll(async () => {
  if (!NET) return;
  try {
    if (!netParentExisted) fs.rmdirSync(NET.view(path.join(NET.root, 'net_cls,net_prio', 'strata')));
    // A v1 hierarchy unmounted while a removed cgroup is still being freed lives on, unmounted:
    // wait for its root to be its only cgroup, so the namespace's end ends it and net_cls is as it was.
    if (netWasUnmounted) await until(() => netClsHierarchy().cgroups === 1);
  } finally {
    await NET.end();
  }
});

type Resources = NonNullable<OciConfig['linux']['resources']>;
type Failure = { code: number; error?: { code: string; msg: string } };
const parsed = (r: { code: number; stderr: string }): Failure => ({ code: r.code, ...(r.stderr ? { error: JSON.parse(r.stderr) as Failure['error'] } : {}) });

/** A created and started container running script, with the runtime run as via says. */
async function start(name: string, script: string, resources: Resources | undefined, via: Via = {}): Promise<{ id: string; pid: number }> {
  const bundle = ws.bundle((c) => {
    c.process.args = ['sh', '-c', script];
    if (resources) c.linux.resources = resources;
  });
  const id = ws.id(name);
  const created = await createContainer(ws, bundle, id, [], via);
  expect(created.stderr).toBe('');
  expect((await ws.rt(['start', id], via)).code).toBe(0);
  return { id, pid: (JSON.parse((await ws.rt(['state', id], via)).stdout) as RuntimeState).pid! };
}

/** `create` with JSON errors; nothing of the container may be left. */
async function refusedCreate(name: string, resources: Resources, via: Via = {}): Promise<Failure> {
  const bundle = ws.bundle((c) => (c.linux.resources = resources));
  const id = ws.id(name);
  const r = parsed(await runRuntime(['create', '--bundle', bundle, id], { root: ws.root, ...via }));
  expect(fs.existsSync(path.join(ws.root, id))).toBe(false);
  return r;
}

async function update(id: string, resources: Resources, via: Via = {}): Promise<Failure> {
  const file = path.join(ws.dir, `resources-${Math.random().toString(36).slice(2)}.json`);
  fs.writeFileSync(file, JSON.stringify(resources));
  return parsed(await runRuntime(['update', '--resources', file, id], { root: ws.root, ...via }));
}

async function remove(id: string, via: Via = {}): Promise<void> {
  expect((await ws.rt(['delete', '--force', id], via)).code).toBe(0);
}

describe.skipIf(!v1Memory)('memory.disableOOMKiller on cgroup v1', () => {
  it('a task over the limit waits under OOM instead of being killed; update turns the killer back on', async () => {
    // sh keeps 64 MiB of output in memory, four times its limit (this host has no swap to spill to)
    const { id } = await start('oom', 'x=$(head -c 64m /dev/zero | tr "\\0" x); echo survived', {
      memory: { limit: 16 * MiB, disableOOMKiller: true },
    });
    const control = `/sys/fs/cgroup/memory/strata/${id}/memory.oom_control`;
    const field = (name: string): number => Number(/^(\S+) (\d+)$/m.exec(read(control).split('\n').find((l) => l.startsWith(`${name} `)) ?? '')?.[2]);
    expect(field('oom_kill_disable')).toBe(1);
    await until(() => field('under_oom') === 1);
    expect(field('oom_kill')).toBe(0);
    expect((JSON.parse((await ws.rt(['state', id])).stdout) as RuntimeState).status).toBe('running');

    expect(await update(id, { memory: { disableOOMKiller: false } })).toEqual({ code: 0 });
    expect(field('oom_kill_disable')).toBe(0);
    // the waiting task retries, and now the kernel kills
    await until(async () => (JSON.parse((await ws.rt(['state', id])).stdout) as RuntimeState).status === 'stopped');
    expect(field('oom_kill')).toBeGreaterThan(0);
    await remove(id);
  });
});

describe.skipIf(!hasV2)('what cgroup v2 has no file for (the unified tree, the real kernel)', () => {
  const parentExisted = hasV2 && fs.existsSync(path.join(UNIFIED!, 'strata'));
  afterAll(() => {
    if (parentExisted) return;
    try {
      fs.rmdirSync(path.join(UNIFIED!, 'strata'));
    } catch {
      // another suite's cgroup is in it now: theirs
    }
  });

  it('refuses disableOOMKiller and network at create, before making the cgroup', async () => {
    const oom = await refusedCreate('v2-oom', { memory: { disableOOMKiller: true } }, v2);
    expect(oom.error?.code).toBe('UNSUPPORTED');
    expect(oom.error?.msg).toMatch(/^linux\.resources\.memory\.disableOOMKiller: cgroup v2 has no switch to turn the OOM killer off/);
    const net = await refusedCreate('v2-net', { network: { classID: 0x100001 } }, v2);
    expect(net.error?.code).toBe('UNSUPPORTED');
    expect(net.error?.msg).toMatch(/^linux\.resources\.network: cgroup v2 has no net_cls or net_prio controller/);
    expect((await refusedCreate('v2-prio', { network: { priorities: [{ name: 'lo', priority: 1 }] } }, v2)).error?.code).toBe('UNSUPPORTED');
    for (const name of ['v2-oom', 'v2-net', 'v2-prio']) expect(fs.existsSync(path.join(UNIFIED!, 'strata', ws.id(name)))).toBe(false);
    // false asks for what v2 does anyway
    const bundle = ws.bundle((c) => {
      c.process.args = ['true'];
      c.linux.resources = { memory: { disableOOMKiller: false } };
    });
    const id = ws.id('v2-oom-false');
    expect((await createContainer(ws, bundle, id, [], v2)).stderr).toBe('');
    await remove(id, v2);
  });

  it('refuses them at update, writing nothing', async () => {
    const { id } = await start('v2-update', 'sleep 600', undefined, v2);
    try {
      const oom = await update(id, { memory: { disableOOMKiller: true }, pids: { limit: 7 } }, v2);
      expect(oom.error?.code).toBe('UNSUPPORTED');
      expect(oom.error?.msg).toContain('disableOOMKiller');
      expect((await update(id, { network: { classID: 1 } }, v2)).error?.code).toBe('UNSUPPORTED');
    } finally {
      await remove(id, v2);
    }
  });
});

describe.skipIf(NET === null)('linux.resources.network on cgroup v1 (a net_cls,net_prio hierarchy of the suite’s own)', () => {
  const via = (): Via => NET!.via;

  it('writes classID to net_cls.classid and each priority to net_prio.ifpriomap; update changes them', async () => {
    const { id, pid } = await start('net', 'sleep 600', { network: { classID: 0x100001, priorities: [{ name: 'lo', priority: 7 }] } }, via());
    const dir = NET!.view(path.join(NET!.root, 'net_cls,net_prio', 'strata', id));
    try {
      expect(read(path.join(dir, 'net_cls.classid'))).toBe(String(0x100001));
      expect(read(path.join(dir, 'net_prio.ifpriomap')).split('\n')).toContain('lo 7');
      expect(read(path.join(dir, 'cgroup.procs'))).toBe(String(pid));
      expect(read(`/proc/${pid}/cgroup`)).toMatch(new RegExp(`^\\d+:net_cls,net_prio:/strata/${id}$`, 'm'));

      expect(await update(id, { network: { classID: 0x20002, priorities: [{ name: 'lo', priority: 3 }] } }, via())).toEqual({ code: 0 });
      expect(read(path.join(dir, 'net_cls.classid'))).toBe(String(0x20002));
      expect(read(path.join(dir, 'net_prio.ifpriomap')).split('\n')).toContain('lo 3');

      // an interface this network namespace does not have: the kernel's ENODEV, named
      const unknown = await update(id, { network: { priorities: [{ name: 'nosuch0', priority: 1 }] } }, via());
      expect(unknown.error?.code).toBe('INVALID_ARGUMENT');
      expect(unknown.error?.msg).toMatch(/^update: linux\.resources\.network\.priorities: write nosuch0 1 to .*net_prio\.ifpriomap: No such device$/);
    } finally {
      await remove(id, via());
    }
    expect(fs.existsSync(dir)).toBe(false);
  });

  it('refuses bad values as INVALID_ARGUMENT, naming the field', async () => {
    const name = await refusedCreate('net-name', { network: { priorities: [{ name: 'two words', priority: 1 }] } }, via());
    expect(name.error).toMatchObject({ code: 'INVALID_ARGUMENT', msg: 'config.json: linux.resources.network.priorities[0].name: not an interface name' });
    const big = await refusedCreate('net-big', { network: { classID: 2 ** 32 } }, via());
    expect(big.error).toMatchObject({ code: 'INVALID_ARGUMENT', msg: 'config.json: linux.resources.network.classID: must be a 32-bit unsigned integer' });
    const prio = await refusedCreate('net-prio', { network: { priorities: [{ name: 'lo' } as { name: string; priority: number }] } }, via());
    expect(prio.error?.msg).toBe('config.json: linux.resources.network.priorities[0].priority: required');
  });
});

describe.skipIf(layout.version !== 'v1')('linux.resources.network where net_cls and net_prio are not mounted (cgroup v1)', () => {
  it('refuses it at create and at update as UNSUPPORTED, naming the controller', async () => {
    // this host's hierarchies without any net_cls or net_prio
    const root = linkedRoot('cgroot-plain');
    for (const e of ['net_cls', 'net_prio', 'net_cls,net_prio']) fs.rmSync(path.join(root, e), { force: true });
    const plain: Via = { env: { ...process.env, STRATA_CGROUP_ROOT: root } };
    const cls = await refusedCreate('nonet', { network: { classID: 1 } }, plain);
    expect(cls.error).toMatchObject({
      code: 'UNSUPPORTED',
      msg: `linux.resources.network.classID: the cgroup v1 net_cls controller is not mounted on this host (no ${root}/net_cls)`,
    });
    const prio = await refusedCreate('noprio', { network: { priorities: [{ name: 'lo', priority: 1 }] } }, plain);
    expect(prio.error?.msg).toMatch(/^linux\.resources\.network\.priorities: the cgroup v1 net_prio controller is not mounted/);

    const { id } = await start('nonet-update', 'sleep 600', undefined, plain);
    try {
      const r = await update(id, { network: { classID: 1 } }, plain);
      expect(r.error?.code).toBe('UNSUPPORTED');
      expect(r.error?.msg).toContain('net_cls');
    } finally {
      await remove(id, plain);
    }
  });
});
