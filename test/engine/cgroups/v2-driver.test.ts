// The v2 driver end to end against a fixture directory tree standing in for
// /sys/fs/cgroup: interface files pre-created as the kernel would, and the test checks
// what the driver writes into them. No real cgroup is touched.
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { managerForLayout } from '../../../src-main/engine/cgroups';
import type { CgroupManager } from '../../../src-main/engine/cgroups/manager';
import { copyFixture, fakeV2Freezer, read, rejection } from './fake-kernel';

let root: string;
let cgroups: CgroupManager;
let c1: string;
let stopFreezer: (() => void) | undefined;
const children: ChildProcess[] = [];

beforeEach(() => {
  root = copyFixture('v2');
  c1 = path.join(root, 'strata/c1');
  cgroups = managerForLayout({ version: 'v2', mountPoint: root }, { freezeTimeoutMs: 2000, removeTimeoutMs: 50 });
});

afterEach(() => {
  stopFreezer?.();
  stopFreezer = undefined;
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  fs.rmSync(root, { recursive: true, force: true });
});

/** A real process of our own, so signal paths never reach pids from the fixture files. */
function ownChild(): ChildProcess {
  const child = spawn('sleep', ['30'], { stdio: 'ignore' });
  children.push(child);
  return child;
}

function exited(child: ChildProcess): Promise<NodeJS.Signals | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.signalCode);
  return new Promise((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
}

describe('create', () => {
  it('enables the missing controllers top-down and keeps what is already enabled', async () => {
    await cgroups.create('c1');
    // the root had cpu io memory pids; only cpuset was missing
    expect(read(path.join(root, 'cgroup.subtree_control'))).toBe('+cpuset');
    // the parent shows what its parent enabled, and passes all of it on
    expect(read(path.join(root, 'strata/cgroup.subtree_control'))).toBe('+cpu +io +memory +pids');
    // the leaf holds processes: nothing enabled below it
    expect(read(path.join(c1, 'cgroup.subtree_control'))).toBe('');
    expect(cgroups.cgroupsPath('c1')).toBe('/strata/c1');
  });

  it('makes new levels, nested paths included, and lists them', async () => {
    await cgroups.create('fresh');
    await cgroups.create('pod/ctr');
    expect(fs.statSync(path.join(root, 'strata/fresh')).isDirectory()).toBe(true);
    expect(fs.statSync(path.join(root, 'strata/pod/ctr')).isDirectory()).toBe(true);
    expect(await cgroups.exists('pod/ctr')).toBe(true);
    expect(await cgroups.exists('nope')).toBe(false);
    expect((await cgroups.list()).sort()).toEqual(['c1', 'fresh', 'pod']);
  });

  it('a controller the kernel will not enable is named', async () => {
    fs.rmSync(path.join(root, 'cgroup.subtree_control'));
    const error = await rejection(cgroups.create('x'));
    expect(error).toMatchObject({ code: 'UNSUPPORTED' });
    expect(error.message).toMatch(/cannot enable cgroup controllers in .*cgroup\.subtree_control: cpuset/);
  });
});

describe('apply', () => {
  it('writes docker run limits in v2 terms', async () => {
    await cgroups.apply('c1', {
      memory: 256 << 20,
      memorySwap: 384 << 20,
      memoryReservation: 128 << 20,
      cpus: 1.5,
      cpuShares: 512,
      cpusetCpus: '0-1',
      cpusetMems: '0',
      pidsLimit: 100,
    });
    expect(read(path.join(c1, 'memory.max'))).toBe(String(256 << 20));
    expect(read(path.join(c1, 'memory.swap.max'))).toBe(String(128 << 20)); // swap alone
    expect(read(path.join(c1, 'memory.low'))).toBe(String(128 << 20));
    expect(read(path.join(c1, 'cpu.max'))).toBe('150000 100000');
    expect(read(path.join(c1, 'cpu.weight'))).toBe('59');
    expect(read(path.join(c1, 'cpuset.cpus'))).toBe('0-1');
    expect(read(path.join(c1, 'cpuset.mems'))).toBe('0');
    expect(read(path.join(c1, 'pids.max'))).toBe('100');
  });

  it('lifts limits with -1 / 0 and leaves untouched what is not asked', async () => {
    await cgroups.apply('c1', { memory: -1, memorySwap: -1, memoryReservation: -1, cpus: 0, pidsLimit: 0 });
    expect(read(path.join(c1, 'memory.max'))).toBe('max');
    expect(read(path.join(c1, 'memory.swap.max'))).toBe('max');
    expect(read(path.join(c1, 'memory.low'))).toBe('0');
    expect(read(path.join(c1, 'cpu.max'))).toBe('max 100000');
    expect(read(path.join(c1, 'pids.max'))).toBe('max');
    expect(read(path.join(c1, 'cpu.weight'))).toBe('100\n'); // the fixture's, untouched
  });

  it('a new period alone keeps the quota; a quota alone keeps the period', async () => {
    await cgroups.apply('c1', { cpuPeriod: 200_000 });
    expect(read(path.join(c1, 'cpu.max'))).toBe('50000 200000');
    await cgroups.apply('c1', { cpuQuota: 30_000 });
    expect(read(path.join(c1, 'cpu.max'))).toBe('30000');
  });

  it('memory + swap on a kernel without swap accounting is UNSUPPORTED, naming file and value', async () => {
    fs.rmSync(path.join(c1, 'memory.swap.max'));
    const error = await rejection(cgroups.apply('c1', { memory: 256 << 20, memorySwap: 512 << 20 }));
    expect(error).toMatchObject({ code: 'UNSUPPORTED' });
    expect(error.message).toContain('memory.swap.max');
    expect(error.message).toContain(String(256 << 20));
    // unlimited swap asks for nothing the kernel lacks
    await cgroups.apply('c1', { memory: 256 << 20, memorySwap: -1 });
    expect(read(path.join(c1, 'memory.max'))).toBe(String(256 << 20));
  });

  it('a controller that is not enabled here: UNSUPPORTED naming the file', async () => {
    fs.rmSync(path.join(c1, 'pids.max'));
    const error = await rejection(cgroups.apply('c1', { pidsLimit: 5 }));
    expect(error).toMatchObject({ code: 'UNSUPPORTED' });
    expect(error.message).toMatch(/pids\.max.*"5".*does not exist/);
  });

  it('refuses a missing cgroup, bad values and escaping paths before writing anything', async () => {
    expect(await rejection(cgroups.apply('ghost', { memory: 1 << 20 }))).toMatchObject({ code: 'NOT_FOUND' });
    expect(await rejection(cgroups.apply('c1', { memory: 1 << 20, memorySwap: 1 }))).toMatchObject({ code: 'INVALID_ARGUMENT' });
    for (const escape of ['..', '../..', '/sys/fs/cgroup', 'c1/../../..']) {
      expect(await rejection(cgroups.apply(escape, { memory: 1 << 20 }))).toMatchObject({ code: 'INVALID_ARGUMENT' });
      expect(await rejection(cgroups.create(escape))).toMatchObject({ code: 'INVALID_ARGUMENT' });
      expect(await rejection(cgroups.remove(escape))).toMatchObject({ code: 'INVALID_ARGUMENT' });
    }
    expect(read(path.join(c1, 'memory.max'))).toBe(String(128 << 20) + '\n');
    expect(fs.existsSync(path.join(root, 'memory.max'))).toBe(false);
  });
});

describe('processes and stats', () => {
  it('pids include the sub-cgroups; addProcess writes cgroup.procs', async () => {
    expect(await cgroups.pids('c1')).toEqual([2301, 2345, 2400]);
    await cgroups.addProcess('c1', 4242);
    expect(read(path.join(c1, 'cgroup.procs'))).toBe('4242');
    expect(await rejection(cgroups.addProcess('c1', 0))).toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(await rejection(cgroups.addProcess('ghost', 4242))).toMatchObject({ code: 'NOT_FOUND' });
  });

  it('stats read every counter', async () => {
    expect(await cgroups.stats('c1')).toEqual({
      cpuUsageNs: 8_841_567_000,
      cpuUserNs: 6_102_939_000,
      cpuSystemNs: 2_738_628_000,
      cpuPeriods: 1794,
      cpuThrottledPeriods: 613,
      cpuThrottledNs: 30_872_045_000,
      memoryUsage: 75_497_472,
      memoryWorkingSet: 67_108_864,
      memoryLimit: 134_217_728,
      memorySwapUsage: 0,
      memoryOomEvents: 2,
      memoryOomKills: 1,
      pidsCurrent: 3,
      pidsLimit: 512,
      blkioReadBytes: 1_549_312,
      blkioWriteBytes: 314_773_504,
    });
  });

  it('a cgroup without memory, pids and io enabled reads null for them, not 0', async () => {
    await cgroups.create('bare');
    fs.writeFileSync(path.join(root, 'strata/bare/cpu.stat'), 'usage_usec 5\nuser_usec 3\nsystem_usec 2\n');
    const stats = await cgroups.stats('bare');
    expect(stats.cpuUsageNs).toBe(5000);
    expect(stats.memoryUsage).toBeNull();
    expect(stats.pidsCurrent).toBeNull();
    expect(stats.blkioReadBytes).toBeNull();
    expect(await rejection(cgroups.stats('ghost'))).toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('freezer', () => {
  it('freeze waits for cgroup.events to say frozen 1; thaw for frozen 0', async () => {
    const freezing = cgroups.freeze('c1');
    // the write happens first; the kernel (here: the test) reports frozen later
    while (read(path.join(c1, 'cgroup.freeze')) !== '1') await new Promise((r) => setTimeout(r, 1));
    expect(await cgroups.freezerState('c1')).toBe('freezing');
    fs.writeFileSync(path.join(c1, 'cgroup.events'), 'populated 1\nfrozen 1\n');
    await freezing;
    expect(await cgroups.freezerState('c1')).toBe('frozen');

    stopFreezer = fakeV2Freezer([c1]);
    await cgroups.thaw('c1');
    expect(read(path.join(c1, 'cgroup.freeze'))).toBe('0');
    expect(await cgroups.freezerState('c1')).toBe('thawed');
  });

  it('a freeze the kernel never completes is undone and reported', async () => {
    const impatient = managerForLayout({ version: 'v2', mountPoint: root }, { freezeTimeoutMs: 30 });
    const error = await rejection(impatient.freeze('c1'));
    expect(error).toMatchObject({ code: 'INTERNAL' });
    expect(error.message).toMatch(/could not freeze .*thawed it again/);
    expect(read(path.join(c1, 'cgroup.freeze'))).toBe('0');
  });

  it('kernels before 5.2 have no cgroup.freeze: UNSUPPORTED', async () => {
    fs.rmSync(path.join(c1, 'cgroup.freeze'));
    expect(await rejection(cgroups.freeze('c1'))).toMatchObject({ code: 'UNSUPPORTED', message: expect.stringMatching(/5\.2/) });
  });
});

describe('killAll', () => {
  it('SIGKILL goes through cgroup.kill in one write', async () => {
    expect(await cgroups.killAll('c1')).toBe(3);
    expect(read(path.join(c1, 'cgroup.kill'))).toBe('1');
  });

  /** c1 holding only a process of ours. */
  function adopt(): ChildProcess {
    const child = ownChild();
    fs.writeFileSync(path.join(c1, 'cgroup.procs'), `${child.pid}\n`);
    fs.writeFileSync(path.join(c1, 'sub/cgroup.procs'), '');
    return child;
  }

  it('other signals: freeze, signal each process, thaw', async () => {
    const child = adopt();
    stopFreezer = fakeV2Freezer([c1]);
    expect(await cgroups.killAll('c1', 'SIGTERM')).toBe(1);
    expect(await exited(child)).toBe('SIGTERM');
    expect(read(path.join(c1, 'cgroup.freeze'))).toBe('0');
    expect(read(path.join(c1, 'cgroup.kill'))).toBe(''); // not used for SIGTERM
  });

  it('without cgroup.kill (before 5.14) SIGKILL takes the freeze path too', async () => {
    fs.rmSync(path.join(c1, 'cgroup.kill'));
    const child = adopt();
    stopFreezer = fakeV2Freezer([c1]);
    expect(await cgroups.killAll('c1', 'SIGKILL')).toBe(1);
    expect(await exited(child)).toBe('SIGKILL');
    expect(read(path.join(c1, 'cgroup.freeze'))).toBe('0');
  });

  it('a paused cgroup stays frozen after a non-fatal signal', async () => {
    const child = adopt();
    stopFreezer = fakeV2Freezer([c1]);
    await cgroups.freeze('c1');
    expect(await cgroups.killAll('c1', 'SIGUSR1')).toBe(1);
    expect(await exited(child)).toBe('SIGUSR1');
    expect(read(path.join(c1, 'cgroup.freeze'))).toBe('1');
  });
});

describe('remove', () => {
  it('removes a cgroup and its sub-cgroups deepest first; a missing one is fine', async () => {
    await cgroups.create('pod/a/b');
    await cgroups.remove('pod');
    expect(fs.existsSync(path.join(root, 'strata/pod'))).toBe(false);
    expect(fs.existsSync(path.join(root, 'strata'))).toBe(true); // the parent stays
    await cgroups.remove('pod');
  });

  it('a cgroup that cannot be removed in time is CONFLICT, naming who is left', async () => {
    // fixture directories hold regular files, so rmdir keeps failing like a busy cgroup
    const error = await rejection(cgroups.remove('c1'));
    expect(error).toMatchObject({ code: 'CONFLICT' });
    expect(error.message).toMatch(/strata\/c1.*still in use by pids 2400/);
  });
});
