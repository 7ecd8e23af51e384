// Parsing the v2 interface files, in the formats of Documentation/admin-guide/cgroup-v2.rst.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseNestedKeyed } from '../../../src-main/engine/cgroups/parse';
import { cpuStatV2, readCpuV2 } from '../../../src-main/engine/cgroups/v2/cpu';
import { freezerStateV2 } from '../../../src-main/engine/cgroups/v2/freezer';
import { ioStatV2, readIoV2 } from '../../../src-main/engine/cgroups/v2/io';
import { memoryStatsV2, readMemoryV2 } from '../../../src-main/engine/cgroups/v2/memory';
import { readPids } from '../../../src-main/engine/cgroups/v2/pids';

const C1 = path.join(import.meta.dirname, '../../fixtures/cgroupfs/v2/strata/c1');

describe('v2 memory', () => {
  it('current, working set = memory.current − inactive_file, limit, swap, oom and oom_kill', async () => {
    expect(await readMemoryV2(C1)).toEqual({
      memoryUsage: 75_497_472,
      memoryWorkingSet: 75_497_472 - 8_388_608,
      memoryLimit: 128 << 20,
      memorySwapUsage: 0,
      memoryOomEvents: 2,
      memoryOomKills: 1,
    });
  });

  it('"max" is no limit; absent swap and events files are null', () => {
    const stats = memoryStatsV2({ current: '4096\n', max: 'max\n', stat: 'anon 4096\nfile 0\ninactive_file 0\n', swapCurrent: null, events: null });
    expect(stats).toEqual({ memoryUsage: 4096, memoryWorkingSet: 4096, memoryLimit: null, memorySwapUsage: null, memoryOomEvents: null, memoryOomKills: null });
  });
});

describe('v2 cpu', () => {
  it('cpu.stat in µs → ns, with throttling', async () => {
    expect(await readCpuV2(C1)).toEqual({
      cpuUsageNs: 8_841_567_000,
      cpuUserNs: 6_102_939_000,
      cpuSystemNs: 2_738_628_000,
      cpuPeriods: 1794,
      cpuThrottledPeriods: 613,
      cpuThrottledNs: 30_872_045_000,
    });
  });

  it('without the cpu controller enabled, cpu.stat has usage only', () => {
    expect(cpuStatV2('usage_usec 10\nuser_usec 6\nsystem_usec 4\n')).toEqual({
      cpuUsageNs: 10_000, cpuUserNs: 6_000, cpuSystemNs: 4_000, cpuPeriods: null, cpuThrottledPeriods: null, cpuThrottledNs: null,
    });
  });
});

describe('v2 io', () => {
  it('io.stat summed over devices', async () => {
    expect(await readIoV2(C1)).toEqual({ blkioReadBytes: 1_459_200 + 90_112, blkioWriteBytes: 314_773_504 });
  });

  it('io.cost fields and an empty file (no I/O yet)', () => {
    const text = '8:0 rbytes=10 wbytes=20 rios=1 wios=2 dbytes=0 dios=0 cost.vrate=100.00 cost.usage=3 cost.wait=0 cost.indebt=0 cost.indelay=0\n';
    expect(ioStatV2(text)).toEqual({ blkioReadBytes: 10, blkioWriteBytes: 20 });
    expect(parseNestedKeyed(text).get('8:0')?.get('cost.vrate')).toBe(100);
    expect(ioStatV2('')).toEqual({ blkioReadBytes: 0, blkioWriteBytes: 0 });
    expect(ioStatV2(null)).toEqual({ blkioReadBytes: null, blkioWriteBytes: null });
  });
});

describe('v2 pids and freezer', () => {
  it('pids', async () => {
    expect(await readPids(C1)).toEqual({ pidsCurrent: 3, pidsLimit: 512 });
  });

  it('freezer state from cgroup.freeze and cgroup.events', () => {
    expect(freezerStateV2('0\n', 'populated 1\nfrozen 0\n')).toBe('thawed');
    expect(freezerStateV2('1\n', 'populated 1\nfrozen 0\n')).toBe('freezing');
    expect(freezerStateV2('1\n', 'populated 1\nfrozen 1\n')).toBe('frozen');
    // frozen because an ancestor is, though this cgroup did not ask
    expect(freezerStateV2('0\n', 'populated 1\nfrozen 1\n')).toBe('frozen');
  });
});
