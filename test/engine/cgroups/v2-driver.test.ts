// The v2 driver against a fixture directory tree standing in for /sys/fs/cgroup: interface
// files as the kernel shows them, read back through the driver. The driver only reads (the
// runtime writes every cgroup file: test/native/runtime/cgroup-v2.test.ts, cgroup-destroy,
// pause-update); no real cgroup is touched.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { managerForLayout } from '../../../src-main/engine/cgroups';
import type { CgroupManager } from '../../../src-main/engine/cgroups/manager';
import { copyFixture, rejection } from './fake-kernel';

let root: string;
let cgroups: CgroupManager;
let c1: string;

beforeEach(() => {
  root = copyFixture('v2');
  c1 = path.join(root, 'strata/c1');
  cgroups = managerForLayout({ version: 'v2', mountPoint: root });
});

afterEach(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

describe('processes, stats and the cgroups there are', () => {
  it('pids include the sub-cgroups, ascending, once each', async () => {
    expect(await cgroups.pids('c1')).toEqual([2301, 2345, 2400]);
    expect(await cgroups.pids('ghost')).toEqual([]);
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
    fs.mkdirSync(path.join(root, 'strata/bare'));
    fs.writeFileSync(path.join(root, 'strata/bare/cpu.stat'), 'usage_usec 5\nuser_usec 3\nsystem_usec 2\n');
    const stats = await cgroups.stats('bare');
    expect(stats.cpuUsageNs).toBe(5000);
    expect(stats.memoryUsage).toBeNull();
    expect(stats.pidsCurrent).toBeNull();
    expect(stats.blkioReadBytes).toBeNull();
  });

  it('exists and list see the directories under the parent', async () => {
    fs.mkdirSync(path.join(root, 'strata/other'));
    expect(await cgroups.exists('c1')).toBe(true);
    expect(await cgroups.exists('ghost')).toBe(false);
    expect((await cgroups.list()).sort()).toEqual(['c1', 'other']);
    expect(cgroups.cgroupsPath('c1')).toBe('/strata/c1');
  });

  it('a missing cgroup is NOT_FOUND; a path out of the parent INVALID_ARGUMENT, before any read', async () => {
    expect(await rejection(cgroups.stats('ghost'))).toMatchObject({ code: 'NOT_FOUND' });
    expect(await rejection(cgroups.freezerState('ghost'))).toMatchObject({ code: 'NOT_FOUND' });
    for (const bad of ['../..', '/etc', 'c1/../../x', '']) {
      expect(await rejection(cgroups.stats(bad))).toMatchObject({ code: 'INVALID_ARGUMENT' });
      expect(await rejection(cgroups.pids(bad))).toMatchObject({ code: 'INVALID_ARGUMENT' });
    }
  });
});

describe('freezer state', () => {
  it('from cgroup.freeze (asked) and cgroup.events (reached)', async () => {
    expect(await cgroups.freezerState('c1')).toBe('thawed');
    fs.writeFileSync(path.join(c1, 'cgroup.freeze'), '1\n');
    expect(await cgroups.freezerState('c1')).toBe('freezing');
    fs.writeFileSync(path.join(c1, 'cgroup.events'), 'populated 1\nfrozen 1\n');
    expect(await cgroups.freezerState('c1')).toBe('frozen');
  });

  it('kernels before 5.2 have no cgroup.freeze: UNSUPPORTED', async () => {
    fs.rmSync(path.join(c1, 'cgroup.freeze'));
    expect(await rejection(cgroups.freezerState('c1'))).toMatchObject({ code: 'UNSUPPORTED', message: expect.stringContaining('5.2') });
  });
});
