// Parsing the v1 controllers' files, on files copied from this machine's kernel.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseFlatKeyed, parseLimit, parseSingle } from '../../../src-main/engine/cgroups/parse';
import { parseIoServiceBytes, pickBlkio, readBlkioV1 } from '../../../src-main/engine/cgroups/v1/blkio';
import { cpuStatV1 } from '../../../src-main/engine/cgroups/v1/cpu';
import { cpuacctStats, readCpuacct } from '../../../src-main/engine/cgroups/v1/cpuacct';
import { parseFreezerState, readFreezerV1 } from '../../../src-main/engine/cgroups/v1/freezer';
import { memoryStatsV1, readMemoryV1 } from '../../../src-main/engine/cgroups/v1/memory';
import { pidsStats, readPids } from '../../../src-main/engine/cgroups/v1/pids';

const V1 = path.join(import.meta.dirname, '../../fixtures/cgroupfs/v1');
const dir = (controller: string): string => path.join(V1, controller, 'strata/c1');
const file = (controller: string, name: string): string => fs.readFileSync(path.join(dir(controller), name), 'utf8');

describe('v1 memory', () => {
  it('usage, working set (usage − total_inactive_file), limit, swap and OOM kills from the real files', async () => {
    expect(await readMemoryV1(dir('memory'))).toEqual({
      memoryUsage: 45_985_792,
      memoryWorkingSet: 45_985_792 - 6_893_568,
      memoryLimit: 64 << 20,
      memorySwapUsage: 0,
      memoryOomEvents: null,
      memoryOomKills: 1,
    });
  });

  it('memory.stat parses every line as a number', () => {
    const stat = parseFlatKeyed(file('memory', 'memory.stat'));
    expect(stat.get('total_inactive_file')).toBe(6_893_568);
    expect(stat.get('rss')).toBe(38_498_304);
    expect(stat.get('hierarchical_memory_limit')).toBe(64 << 20);
    expect(stat.size).toBeGreaterThan(30);
  });

  it('the unlimited sentinel (PAGE_COUNTER_MAX pages) reads as no limit', () => {
    const root = path.join(V1, 'memory-unlimited');
    expect(parseLimit(fs.readFileSync(path.join(root, 'memory.limit_in_bytes'), 'utf8'))).toBeNull();
    expect(parseLimit(file('memory', 'memory.soft_limit_in_bytes'))).toBeNull();
  });

  it('without memsw files (no swap accounting) and before oom_kill existed, those fields are null', () => {
    const stats = memoryStatsV1({
      usage: '1000\n',
      limit: '9223372036854771712\n',
      stat: 'cache 0\ninactive_file 300\n',
      memswUsage: null,
      oomControl: 'oom_kill_disable 0\nunder_oom 0\n',
    });
    expect(stats).toEqual({ memoryUsage: 1000, memoryWorkingSet: 700, memoryLimit: null, memorySwapUsage: null, memoryOomEvents: null, memoryOomKills: null });
  });

  it('working set never goes negative', () => {
    expect(memoryStatsV1({ usage: '100', limit: null, stat: 'total_inactive_file 4096', memswUsage: null, oomControl: null }).memoryWorkingSet).toBe(0);
  });
});

describe('v1 cpu and cpuacct', () => {
  it('cpu.stat throttling (6.x adds nr_bursts/burst_time)', () => {
    expect(cpuStatV1(file('cpu', 'cpu.stat'))).toEqual({ cpuPeriods: 23, cpuThrottledPeriods: 17, cpuThrottledNs: 630_819_990 });
    expect(cpuStatV1(null)).toEqual({ cpuPeriods: null, cpuThrottledPeriods: null, cpuThrottledNs: null });
  });

  it('cpuacct usage in ns, user/system from usage_user/usage_sys', async () => {
    expect(await readCpuacct(dir('cpuacct'))).toEqual({ cpuUsageNs: 975_144_521, cpuUserNs: 312_000_000, cpuSystemNs: 692_000_000 });
  });

  it('falls back to cpuacct.stat ticks (USER_HZ 100) on kernels before 4.7', () => {
    const stats = cpuacctStats({ usage: file('cpuacct', 'cpuacct.usage'), usageUser: null, usageSys: null, stat: file('cpuacct', 'cpuacct.stat') });
    expect(stats).toEqual({ cpuUsageNs: 975_144_521, cpuUserNs: 30 * 10_000_000, cpuSystemNs: 67 * 10_000_000 });
  });
});

describe('v1 pids', () => {
  it('current and max', async () => {
    expect(await readPids(dir('pids'))).toEqual({ pidsCurrent: 1, pidsLimit: 256 });
    expect(pidsStats('3\n', 'max\n')).toEqual({ pidsCurrent: 3, pidsLimit: null });
    expect(parseFlatKeyed(file('pids', 'pids.events')).get('max')).toBe(0);
  });
});

describe('v1 blkio', () => {
  it('sums Read and Write of io_service_bytes_recursive over devices', async () => {
    expect(await readBlkioV1(dir('blkio'))).toEqual({ blkioReadBytes: 8_478_720, blkioWriteBytes: 8_388_608 });
  });

  it('several devices, the bare Total line, and an idle cgroup', () => {
    const text = '8:0 Read 100\n8:0 Write 10\n8:0 Sync 110\n8:0 Total 110\n8:16 Read 5\n8:16 Write 7\n8:16 Total 12\nTotal 122\n';
    expect(parseIoServiceBytes(text)).toEqual({ blkioReadBytes: 105, blkioWriteBytes: 17 });
    expect(parseIoServiceBytes('Total 0\n')).toEqual({ blkioReadBytes: 0, blkioWriteBytes: 0 });
    expect(parseIoServiceBytes(null)).toEqual({ blkioReadBytes: null, blkioWriteBytes: null });
  });
});

describe('v1 freezer', () => {
  it('states', async () => {
    expect(await readFreezerV1(dir('freezer'))).toBe('thawed');
    expect(parseFreezerState('FREEZING\n')).toBe('freezing');
    expect(parseFreezerState('FROZEN\n')).toBe('frozen');
    expect(() => parseFreezerState('SLUSHY')).toThrow(/unexpected freezer state/);
  });
});

describe('generic shapes', () => {
  it('single values and limits', () => {
    expect(parseSingle('42\n')).toBe(42);
    expect(parseSingle('max\n')).toBeNull();
    expect(parseSingle(null)).toBeNull();
    expect(parseLimit('max\n')).toBeNull();
    expect(parseLimit('-1\n')).toBeNull();
    expect(parseLimit('1048576\n')).toBe(1_048_576);
    expect(parseLimit(null)).toBeUndefined();
    expect(parseLimit('garbage')).toBeUndefined();
  });
});

describe('v1 blkio sources', () => {
  it('takes the first file that has counted bytes, throttle first', () => {
    const zero = 'Total 0\n';
    const bfq = '8:0 Read 4096\n8:0 Write 0\n8:0 Total 4096\nTotal 4096\n';
    expect(pickBlkio([zero, bfq, null])).toEqual({ blkioReadBytes: 4096, blkioWriteBytes: 0 });
    expect(pickBlkio([file('blkio', 'blkio.throttle.io_service_bytes_recursive'), bfq, null])).toEqual({ blkioReadBytes: 8_478_720, blkioWriteBytes: 8_388_608 });
    expect(pickBlkio([zero, zero, null])).toEqual({ blkioReadBytes: 0, blkioWriteBytes: 0 });
    expect(pickBlkio([null, null, null])).toEqual({ blkioReadBytes: null, blkioWriteBytes: null });
  });
});
