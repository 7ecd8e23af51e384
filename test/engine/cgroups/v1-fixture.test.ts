// The v1 driver pointed at a fixture tree (files copied from this machine's hierarchies):
// stats across separately mounted controllers, cpuset inheritance at create, and the
// memory / memory+swap rules that need a kernel state this machine cannot be put in
// (no swap accounting). The real kernel is exercised in v1-live.test.ts.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CgroupV1Manager } from '../../../src-main/engine/cgroups';
import type { CgroupLayoutV1 } from '../../../src-main/engine/cgroups/detect';
import { copyFixture, read, rejection } from './fake-kernel';

let root: string;
let cgroups: CgroupV1Manager;
const at = (controller: string, file = ''): string => path.join(root, controller, 'strata/c1', file);

beforeEach(() => {
  root = copyFixture('v1');
  const controllers: Record<string, string> = {};
  for (const c of ['cpu', 'cpuacct', 'cpuset', 'memory', 'pids', 'freezer', 'blkio']) controllers[c] = path.join(root, c);
  const layout: CgroupLayoutV1 = { version: 'v1', controllers, hierarchies: Object.values(controllers), unified: null };
  cgroups = new CgroupV1Manager(layout, { removeTimeoutMs: 20 });
});

afterEach(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

it('stats gather cpuacct, cpu, memory, pids and blkio from their own hierarchies', async () => {
  expect(await cgroups.stats('c1')).toEqual({
    cpuUsageNs: 975_144_521,
    cpuUserNs: 312_000_000,
    cpuSystemNs: 692_000_000,
    cpuPeriods: 23,
    cpuThrottledPeriods: 17,
    cpuThrottledNs: 630_819_990,
    memoryUsage: 45_985_792,
    memoryWorkingSet: 39_092_224,
    memoryLimit: 67_108_864,
    memorySwapUsage: 0,
    memoryOomEvents: null,
    memoryOomKills: 1,
    pidsCurrent: 1,
    pidsLimit: 256,
    blkioReadBytes: 8_478_720,
    blkioWriteBytes: 8_388_608,
  });
  expect(await cgroups.pids('c1')).toEqual([5084]);
  expect(await cgroups.freezerState('c1')).toBe('thawed');
});

it('a hierarchy that is not mounted reads null; a limit for it is UNSUPPORTED', async () => {
  const partial = new CgroupV1Manager({ version: 'v1', controllers: { memory: path.join(root, 'memory') }, hierarchies: [path.join(root, 'memory')], unified: null });
  const stats = await partial.stats('c1');
  expect(stats.memoryUsage).toBe(45_985_792);
  expect(stats.cpuUsageNs).toBeNull();
  expect(stats.pidsCurrent).toBeNull();
  const error = await rejection(partial.apply('c1', { pidsLimit: 10 }));
  expect(error).toMatchObject({ code: 'UNSUPPORTED', message: expect.stringContaining('pids cgroup controller is not mounted') });
  expect(await rejection(partial.freeze('c1'))).toMatchObject({ code: 'UNSUPPORTED' });
});

it("create fills each new level's empty cpuset.cpus / cpuset.mems from the level above", async () => {
  await cgroups.create('c1');
  expect(read(path.join(root, 'cpuset/strata/cpuset.cpus'))).toBe('0-1');
  expect(read(path.join(root, 'cpuset/strata/cpuset.mems'))).toBe('0');
  expect(read(at('cpuset', 'cpuset.cpus'))).toBe('0-1');
  expect(read(at('cpuset', 'cpuset.mems'))).toBe('0');
  await cgroups.create('new');
  for (const c of ['cpu', 'cpuacct', 'cpuset', 'memory', 'pids', 'freezer', 'blkio']) {
    expect(fs.statSync(path.join(root, c, 'strata/new')).isDirectory()).toBe(true);
  }
  expect(await cgroups.list()).toEqual(expect.arrayContaining(['c1', 'new']));
});

describe('memory and memory+swap', () => {
  it('raising both writes them (memsw first, so memory never exceeds it)', async () => {
    await cgroups.apply('c1', { memory: 128 << 20, memorySwap: 256 << 20, memoryReservation: 64 << 20 });
    expect(read(at('memory', 'memory.limit_in_bytes'))).toBe(String(128 << 20));
    expect(read(at('memory', 'memory.memsw.limit_in_bytes'))).toBe(String(256 << 20));
    expect(read(at('memory', 'memory.soft_limit_in_bytes'))).toBe(String(64 << 20));
  });

  it('memory alone above the current memory+swap limit is refused before the kernel would', async () => {
    const error = await rejection(cgroups.apply('c1', { memory: 128 << 20 }));
    expect(error).toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(error.message).toMatch(/memory 134217728 is above the current memory\+swap limit 67108864.*give memorySwap/);
    expect(read(at('memory', 'memory.limit_in_bytes'))).toBe('67108864\n');
  });

  it('no memory limit lifts the memory+swap limit too', async () => {
    await cgroups.apply('c1', { memory: -1 });
    expect(read(at('memory', 'memory.limit_in_bytes'))).toBe('-1');
    expect(read(at('memory', 'memory.memsw.limit_in_bytes'))).toBe('-1');
  });

  it('without swap accounting (no memory.memsw.*) a swap limit is UNSUPPORTED, naming file and value', async () => {
    fs.rmSync(at('memory', 'memory.memsw.limit_in_bytes'));
    fs.rmSync(at('memory', 'memory.memsw.usage_in_bytes'));
    const error = await rejection(cgroups.apply('c1', { memory: 32 << 20, memorySwap: 96 << 20 }));
    expect(error).toMatchObject({ code: 'UNSUPPORTED' });
    expect(error.message).toContain('memory.memsw.limit_in_bytes');
    expect(error.message).toContain(String(96 << 20));
    expect(error.message).toMatch(/swap accounting is off/);
    expect(read(at('memory', 'memory.limit_in_bytes'))).toBe('67108864\n'); // nothing half-applied
    // memory alone, and unlimited swap, need no memsw
    await cgroups.apply('c1', { memory: 32 << 20, memorySwap: -1 });
    expect(read(at('memory', 'memory.limit_in_bytes'))).toBe(String(32 << 20));
    expect((await cgroups.stats('c1')).memorySwapUsage).toBeNull();
  });
});

it('cpu: shares, period then quota; -1 lifts the quota', async () => {
  await cgroups.apply('c1', { cpus: 0.25, cpuShares: 256 });
  expect(read(at('cpu', 'cpu.shares'))).toBe('256');
  expect(read(at('cpu', 'cpu.cfs_period_us'))).toBe('100000');
  expect(read(at('cpu', 'cpu.cfs_quota_us'))).toBe('25000');
  await cgroups.apply('c1', { cpuQuota: -1 });
  expect(read(at('cpu', 'cpu.cfs_quota_us'))).toBe('-1');
});

it('a cgroup that was not created is NOT_FOUND; a path out of the parent INVALID_ARGUMENT', async () => {
  expect(await rejection(cgroups.apply('ghost', { pidsLimit: 3 }))).toMatchObject({ code: 'NOT_FOUND' });
  expect(await rejection(cgroups.stats('ghost'))).toMatchObject({ code: 'NOT_FOUND' });
  expect(await rejection(cgroups.addProcess('ghost', 1))).toMatchObject({ code: 'NOT_FOUND' });
  expect(await rejection(cgroups.killAll('ghost'))).toMatchObject({ code: 'NOT_FOUND' });
  expect(await rejection(cgroups.apply('../../memory', { memory: 1 << 20 }))).toMatchObject({ code: 'INVALID_ARGUMENT' });
  expect(await rejection(cgroups.pids('/'))).toMatchObject({ code: 'INVALID_ARGUMENT' });
});
