// The v1 driver pointed at a fixture tree (files copied from this machine's hierarchies):
// stats across separately mounted controllers, pids, the freezer's state, the cgroups
// there are. The driver only reads; the runtime writes every cgroup file (cpuset
// inheritance, memory / memory+swap order: test/native/runtime/cgroups.test.ts,
// pause-update.test.ts). The real kernel is read in v1-live.test.ts.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { CgroupV1Manager } from '../../../src-main/engine/cgroups';
import type { CgroupLayoutV1 } from '../../../src-main/engine/cgroups/detect';
import { copyFixture, rejection } from './fake-kernel';

let root: string;
let cgroups: CgroupV1Manager;

beforeEach(() => {
  root = copyFixture('v1');
  const controllers: Record<string, string> = {};
  for (const c of ['cpu', 'cpuacct', 'cpuset', 'memory', 'pids', 'freezer', 'blkio']) controllers[c] = path.join(root, c);
  const layout: CgroupLayoutV1 = { version: 'v1', controllers, hierarchies: Object.values(controllers), unified: null };
  cgroups = new CgroupV1Manager(layout);
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

it('a hierarchy that is not mounted reads null; its freezer state is UNSUPPORTED', async () => {
  const partial = new CgroupV1Manager({ version: 'v1', controllers: { memory: path.join(root, 'memory') }, hierarchies: [path.join(root, 'memory')], unified: null });
  const stats = await partial.stats('c1');
  expect(stats.memoryUsage).toBe(45_985_792);
  expect(stats.cpuUsageNs).toBeNull();
  expect(stats.pidsCurrent).toBeNull();
  const error = await rejection(partial.freezerState('c1'));
  expect(error).toMatchObject({ code: 'UNSUPPORTED', message: expect.stringContaining('freezer cgroup controller is not mounted') });
});

it('the freezer state is read as the kernel writes it', async () => {
  const state = path.join(root, 'freezer/strata/c1/freezer.state');
  for (const [text, want] of [['FREEZING\n', 'freezing'], ['FROZEN\n', 'frozen'], ['THAWED\n', 'thawed']] as const) {
    fs.writeFileSync(state, text);
    expect(await cgroups.freezerState('c1')).toBe(want);
  }
});

it('exists and list see the cgroups under the parent, in any joined hierarchy', async () => {
  fs.mkdirSync(path.join(root, 'memory/strata/other'));
  expect(await cgroups.exists('c1')).toBe(true);
  expect(await cgroups.exists('ghost')).toBe(false);
  expect((await cgroups.list()).sort()).toEqual(['c1', 'other']);
  expect(cgroups.cgroupsPath('c1')).toBe('/strata/c1');
});

it('a cgroup that does not exist is NOT_FOUND; a path out of the parent INVALID_ARGUMENT', async () => {
  expect(await rejection(cgroups.stats('ghost'))).toMatchObject({ code: 'NOT_FOUND' });
  expect(await rejection(cgroups.freezerState('ghost'))).toMatchObject({ code: 'NOT_FOUND' });
  expect(await cgroups.pids('ghost')).toEqual([]);
  expect(await rejection(cgroups.stats('../../memory'))).toMatchObject({ code: 'INVALID_ARGUMENT' });
  expect(await rejection(cgroups.pids('/'))).toMatchObject({ code: 'INVALID_ARGUMENT' });
});
