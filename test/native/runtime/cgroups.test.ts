// Cgroup v1 limits on this host, checked from the host's cgroup files and by their
// effect: memory limit → OOM kill, pids limit stops a fork loop, CPU quota caps usage.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import type { RuntimeState, ShimExit } from '../../../src-main/engine/runtime';
import { createContainer, inContainer, runContainer, until, useWorkspace } from './harness';

const ws = useWorkspace();
// about the v1 driver: its v1 file paths are the subject, so elsewhere it skips and says why
const v1 = fs.existsSync('/sys/fs/cgroup/memory/memory.limit_in_bytes') && fs.existsSync('/sys/fs/cgroup/pids');
if (!v1) console.warn('cgroups: skipped, this host has no cgroup v1 memory and pids hierarchies (the tests are about the v1 driver)');
const read = (file: string): string => fs.readFileSync(file, 'utf8').trim();

async function startSleeping(name: string, edit: Parameters<typeof ws.bundle>[0]): Promise<{ id: string; pid: number }> {
  const bundle = ws.bundle((c) => {
    c.process.args = ['sleep', '600'];
    edit?.(c);
  });
  const id = ws.id(name);
  const created = await createContainer(ws, bundle, id);
  expect(created.stderr).toBe('');
  expect((await ws.rt(['start', id])).code).toBe(0);
  const { pid } = JSON.parse((await ws.rt(['state', id])).stdout) as RuntimeState;
  return { id, pid: pid! };
}

describe.skipIf(!v1)('cgroup v1 (this host: hybrid hierarchy)', () => {
  it('writes the limits under strata/<id> and puts the init in every controller', async () => {
    const { id, pid } = await startSleeping('limits', (c) => {
      c.linux.resources = {
        memory: { limit: 64 * 1024 * 1024, reservation: 32 * 1024 * 1024, swap: 128 * 1024 * 1024, swappiness: 10 },
        cpu: { shares: 512, quota: 50000, period: 100000, cpus: '0' },
        pids: { limit: 50 },
      };
    });
    const cg = (ctrl: string, file: string): string => read(`/sys/fs/cgroup/${ctrl}/strata/${id}/${file}`);
    expect(cg('memory', 'memory.limit_in_bytes')).toBe(String(64 * 1024 * 1024));
    expect(cg('memory', 'memory.soft_limit_in_bytes')).toBe(String(32 * 1024 * 1024));
    if (fs.existsSync('/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes')) {
      expect(cg('memory', 'memory.memsw.limit_in_bytes')).toBe(String(128 * 1024 * 1024));
    }
    expect(cg('memory', 'memory.swappiness')).toBe('10');
    expect(cg('cpu', 'cpu.shares')).toBe('512');
    expect(cg('cpu', 'cpu.cfs_quota_us')).toBe('50000');
    expect(cg('cpu', 'cpu.cfs_period_us')).toBe('100000');
    expect(cg('cpuset', 'cpuset.cpus')).toBe('0');
    expect(cg('pids', 'pids.max')).toBe('50');
    for (const ctrl of ['cpu', 'cpuacct', 'cpuset', 'memory', 'pids', 'freezer', 'devices', 'blkio']) {
      expect(cg(ctrl, 'cgroup.procs').split('\n')).toContain(String(pid));
    }
    expect((await ws.rt(['delete', '--force', id])).code).toBe(0);
    for (const ctrl of ['cpu', 'memory', 'pids']) expect(fs.existsSync(`/sys/fs/cgroup/${ctrl}/strata/${id}`)).toBe(false);
  });

  it('honours an absolute cgroupsPath and a nested relative one', async () => {
    const abs = `/strata/${ws.id('abs')}`;
    const a = await startSleeping('abs-c', (c) => (c.linux.cgroupsPath = abs));
    expect(read(`/sys/fs/cgroup/pids${abs}/cgroup.procs`)).toBe(String(a.pid));
    const nested = `${ws.id('outer')}/inner`;
    const b = await startSleeping('nested-c', (c) => (c.linux.cgroupsPath = nested));
    expect(read(`/sys/fs/cgroup/pids/strata/${nested}/cgroup.procs`)).toBe(String(b.pid));
    expect((await ws.rt(['delete', '--force', a.id])).code).toBe(0);
    expect((await ws.rt(['delete', '--force', b.id])).code).toBe(0);
    expect(fs.existsSync(`/sys/fs/cgroup/pids${abs}`)).toBe(false);
    expect(fs.existsSync(`/sys/fs/cgroup/pids/strata/${ws.id('outer')}`)).toBe(false);
  });

  it('enforces device rules: a node outside the allowed list cannot be opened', async () => {
    const bundle = ws.bundle((c) => {
      c.process.args = ['sh', '-c', '(head -c 1 /opt/urandom-copy) 2>&1 | cut -d: -f2-; head -c 1 /dev/urandom | wc -c'];
      c.linux.resources = { devices: [{ allow: false, access: 'rwm' }] };
    });
    fs.mkdirSync(path.join(bundle, 'rootfs/opt'));
    // 1:10 (aio) is neither a default device nor in linux.devices: the rules deny it
    execFileSync('mknod', ['-m', '666', path.join(bundle, 'rootfs/opt/urandom-copy'), 'c', '1', '10']);
    const r = await runContainer(ws, bundle, ws.id('devices'));
    expect(r.stdout).toBe(' /opt/urandom-copy: Operation not permitted\n1\n');
  });

  it('a pids limit stops a fork loop', async () => {
    const script = 'i=0; while [ $i -lt 40 ]; do (sleep 600 &) 2>/dev/null; i=$((i+1)); done; set -- /proc/[0-9]*; echo $#';
    const limited = await inContainer(ws, script, (c) => (c.linux.resources = { pids: { limit: 10 } }));
    const count = Number(limited.stdout.trim());
    expect(count).toBeGreaterThan(1);
    expect(count).toBeLessThanOrEqual(10);
    const free = await inContainer(ws, script);
    expect(Number(free.stdout.trim())).toBe(41);
  });

  it('records an OOM kill under a memory limit, and the memory it reached (shim)', async () => {
    const bundle = ws.bundle((c) => {
      // one 64 MiB buffer under a 16 MiB limit, without swap to spill into
      c.process.args = ['dd', 'if=/dev/zero', 'of=/dev/null', 'bs=64M', 'count=1'];
      c.linux.resources = { memory: { limit: 16 * 1024 * 1024, swap: 16 * 1024 * 1024 } };
    });
    const id = ws.id('oom');
    const exitFile = path.join(ws.dir, 'oom.exit.json');
    const log = path.join(ws.dir, 'oom.log');
    const shim = await ws.rt(['shim', '--bundle', bundle, '--log', log, '--exit-file', exitFile, id]);
    expect(shim.stderr).toBe('');
    expect(shim.code).toBe(0);
    expect((await ws.rt(['start', id])).code).toBe(0);
    await until(() => fs.existsSync(exitFile));
    const exit = JSON.parse(fs.readFileSync(exitFile, 'utf8')) as ShimExit;
    expect(exit).toMatchObject({ exitCode: 137, signal: 9, oomKilled: true });
    // the kernel's high-water mark, read before the cgroup went: the limit it ran into
    expect(exit.memoryPeak).toBeGreaterThan(12 * 1024 * 1024);
    expect(exit.memoryPeak).toBeLessThanOrEqual(16 * 1024 * 1024);
    expect((await ws.rt(['delete', id])).code).toBe(0);
  });

  it('a quota of half a CPU holds usage near 50% over 2.5 s', async () => {
    const { id } = await startSleeping('cpu', (c) => {
      c.process.args = ['sh', '-c', 'yes > /dev/null & yes > /dev/null & wait'];
      c.linux.resources = { cpu: { quota: 50000, period: 100000 } };
    });
    const usage = (): bigint => BigInt(read(`/sys/fs/cgroup/cpuacct/strata/${id}/cpuacct.usage`));
    const t0 = process.hrtime.bigint();
    const u0 = usage();
    await new Promise((r) => setTimeout(r, 2500));
    const share = Number(usage() - u0) / Number(process.hrtime.bigint() - t0);
    expect(share).toBeGreaterThan(0.3);
    expect(share).toBeLessThan(0.7);
    expect((await ws.rt(['delete', '--force', id])).code).toBe(0);
  });

  it('kill --all signals every process in the cgroup, even without a pid namespace', async () => {
    const { id } = await startSleeping('all', (c) => {
      c.process.args = ['sh', '-c', 'sleep 600 & sleep 600 & wait'];
      c.linux.namespaces = c.linux.namespaces?.filter((n) => n.type !== 'pid');
    });
    const procs = `/sys/fs/cgroup/pids/strata/${id}/cgroup.procs`;
    await until(() => read(procs).split('\n').length === 3);
    expect((await ws.rt(['kill', '--all', id, 'KILL'])).code).toBe(0);
    await until(() => read(procs) === '');
    expect((await ws.rt(['delete', id])).code).toBe(0);
  });
});
