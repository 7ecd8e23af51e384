// The sampler's cgroup reader on fixture trees in the real v1 and v2 formats: it must
// agree with the cgroup drivers' own stats() on every value a sample shows.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CgroupV1Manager } from '../../../src-main/engine/cgroups/v1/manager';
import { CgroupV2Manager } from '../../../src-main/engine/cgroups/v2/manager';
import type { CgroupStats } from '../../../src-main/engine/cgroups/manager';
import { isStrataError } from '@shared/errors';
import { CgroupFileReader, V1_BLKIO_FILES, inactiveFileLines } from '../../../src-main/engine/stats/cgroup-file-reader';
import { managerReader } from '../../../src-main/engine/stats/cgroup-reader';
import { removeDir, v1Fixture, v2Fixture, write } from './stats-fixtures';

const SHOWN: (keyof CgroupStats)[] = [
  'cpuUsageNs', 'cpuPeriods', 'cpuThrottledPeriods', 'cpuThrottledNs', 'memoryUsage', 'memoryWorkingSet', 'memoryLimit',
  'memoryOomEvents', 'memoryOomKills', 'pidsCurrent', 'pidsLimit', 'blkioReadBytes', 'blkioWriteBytes',
];

function pick(stats: CgroupStats): Partial<CgroupStats> {
  return Object.fromEntries(SHOWN.map((key) => [key, stats[key]]));
}

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

function v1(slowEvery?: number) {
  const fixture = v1Fixture();
  const reader = new CgroupFileReader(fixture.layout, { slowEvery });
  cleanups.push(() => {
    reader.close();
    removeDir(fixture.root);
  });
  return { ...fixture, reader };
}

function v2(slowEvery?: number) {
  const fixture = v2Fixture();
  const reader = new CgroupFileReader(fixture.layout, { slowEvery });
  cleanups.push(() => {
    reader.close();
    removeDir(fixture.root);
  });
  return { ...fixture, reader };
}

describe('CgroupFileReader on cgroup v1', () => {
  it('reads what the v1 driver reads, keeping its files open', async () => {
    const { layout, reader } = v1();
    const reading = await reader.read('c1');
    const driver = await new CgroupV1Manager(layout).stats('c1');
    expect(pick(reading!.stats)).toEqual(pick(driver));
    expect(reading!.stats).toMatchObject({
      cpuUsageNs: 975144521, cpuThrottledPeriods: 17, memoryUsage: 45985792, memoryWorkingSet: 45985792 - 6893568,
      memoryLimit: 67108864, memoryOomEvents: null, memoryOomKills: 1, pidsCurrent: 1, pidsLimit: 256,
      blkioReadBytes: 8478720, blkioWriteBytes: 8388608,
    });
    expect(reading).toMatchObject({ generation: 0, blkioSource: 'blkio.throttle.io_service_bytes_recursive' });
    // Fast tier 4 (cpuacct.usage, usage_in_bytes, memory.stat, pids.current) + slow tier 6
    // (limit, oom_control, pids.max, cfs_quota_us, cpu.stat, the one blkio file that
    // exists). With the quota and a blkio file that has counted, cpu.stat and blkio move
    // to the fast tier: the same files, still kept.
    expect(reader.files.openCount).toBe(10);
    await reader.read('c1');
    expect(reader.files.openCount).toBe(10);
  });

  it('sees fast counters at once and limits at the next slow reading', async () => {
    const { file, reader } = v1(3);
    await reader.read('c1'); // reading 0: slow tier too
    write(file('cpuacct', 'cpuacct.usage'), 2_000_000_000);
    write(file('memory', 'memory.limit_in_bytes'), 33554432);
    const second = await reader.read('c1');
    expect(second!.stats.cpuUsageNs).toBe(2_000_000_000);
    expect(second!.stats.memoryLimit).toBe(67108864);
    await reader.read('c1');
    const fourth = await reader.read('c1'); // reading 3: slow again
    expect(fourth!.stats.memoryLimit).toBe(33554432);
  });

  it('reads limits changed by an update at the next reading, then goes back to its turn', async () => {
    const { file, reader } = v1(10);
    await reader.read('c1'); // reading 0: slow tier too
    write(file('memory', 'memory.limit_in_bytes'), 100663296);
    write(file('pids', 'pids.max'), 30);
    expect((await reader.read('c1'))!.stats.memoryLimit).toBe(67108864); // not its turn
    reader.limitsChanged('c1');
    reader.limitsChanged('no-such-cgroup'); // nothing read yet: nothing to do
    expect((await reader.read('c1'))!.stats).toMatchObject({ memoryLimit: 100663296, pidsLimit: 30 });
    write(file('memory', 'memory.limit_in_bytes'), 33554432);
    expect((await reader.read('c1'))!.stats.memoryLimit).toBe(100663296); // once: then at its turn again
  });

  it('reads only CPU time and I/O of a cgroup whose CPU time did not move, and the rest once it moves', async () => {
    const { file, reader } = v1(4);
    const first = await reader.read('c1'); // reading 0: everything
    write(file('memory', 'memory.usage_in_bytes'), 50_000_000);
    write(file('pids', 'pids.current'), 7);
    // CPU time unchanged: it ran nothing, so memory and pids are taken as they were…
    const quiet = await reader.read('c1');
    expect(quiet!.stats.memoryUsage).toBe(first!.stats.memoryUsage);
    expect(quiet!.stats.pidsCurrent).toBe(1);
    // …but I/O is read at every tick (writeback moves it without the cgroup running).
    fs.writeFileSync(file('blkio', V1_BLKIO_FILES[0]), '254:0 Read 9000000\n254:0 Write 8388608\nTotal 17388608\n');
    expect((await reader.read('c1'))!.stats).toMatchObject({ blkioReadBytes: 9000000, memoryUsage: first!.stats.memoryUsage });
    // Once the CPU time moves, the whole fast tier is read again at once.
    write(file('cpuacct', 'cpuacct.usage'), 2_000_000_000);
    expect((await reader.read('c1'))!.stats).toMatchObject({ cpuUsageNs: 2_000_000_000, memoryUsage: 50_000_000, pidsCurrent: 7 });
  });

  it("does not read a quiet cgroup while the parent's CPU time and block I/O stand still, and probes it once either moves", async () => {
    const { root, file, reader } = v1(100);
    const parentUsage = path.join(root, 'cpuacct', 'strata', 'cpuacct.usage');
    const parentBlkio = path.join(root, 'blkio', 'strata', V1_BLKIO_FILES[0]);
    write(parentUsage, 5_000_000_000);
    fs.writeFileSync(parentBlkio, '254:0 Read 9000000\n254:0 Write 8388608\nTotal 17388608\n');
    await reader.read('c1'); // reading 0: everything; it settles on the blkio file it probes with…
    await reader.read('c1'); // …so the parent's counters for that probe are stored from reading 1 on
    // The parent did not move, so c1 cannot have run or written: its files are not read (a
    // change written into them behind the kernel's back is not seen).
    write(file('cpuacct', 'cpuacct.usage'), 2_000_000_000);
    expect((await reader.read('c1'))!.stats.cpuUsageNs).toBe(975144521);
    // The parent's CPU time moved: c1 is probed, and its own has moved.
    write(parentUsage, 6_000_000_000);
    expect((await reader.read('c1'))!.stats.cpuUsageNs).toBe(2_000_000_000);
    // Only the parent's block I/O moved (writeback): probed again.
    fs.writeFileSync(file('blkio', V1_BLKIO_FILES[0]), '254:0 Read 9500000\n254:0 Write 8388608\nTotal 17888608\n');
    expect((await reader.read('c1'))!.stats.blkioReadBytes).toBe(8478720); // the parent stood still
    fs.writeFileSync(parentBlkio, '254:0 Read 9500000\n254:0 Write 8388608\nTotal 17888608\n');
    expect((await reader.read('c1'))!.stats.blkioReadBytes).toBe(9500000);
    // Without the parent's files (unreadable): every cgroup is probed, as before.
    fs.rmSync(parentUsage);
    reader.files.release(parentUsage);
    write(file('cpuacct', 'cpuacct.usage'), 3_000_000_000);
    expect((await reader.read('c1'))!.stats.cpuUsageNs).toBe(3_000_000_000);
  });

  it('reads everything of a quiet cgroup at its slow-tier turn (what the kernel changes on its own)', async () => {
    const { file, reader } = v1(2);
    await reader.read('c1'); // reading 0: slow tier
    write(file('memory', 'memory.usage_in_bytes'), 40_000_000);
    expect((await reader.read('c1'))!.stats.memoryUsage).not.toBe(40_000_000); // reading 1: quiet
    expect((await reader.read('c1'))!.stats.memoryUsage).toBe(40_000_000); // reading 2: slow tier, all files
  });

  it('takes the blkio file that counts (bfq here) and reads only it afterwards', async () => {
    const { file, reader } = v1(2);
    const zeros = '254:0 Read 0\n254:0 Write 0\nTotal 0\n';
    fs.writeFileSync(file('blkio', V1_BLKIO_FILES[0]), zeros);
    fs.writeFileSync(file('blkio', V1_BLKIO_FILES[1]), '254:0 Read 4096\n254:0 Write 8192\n254:0 Total 12288\nTotal 12288\n');
    const reading = await reader.read('c1');
    expect(reading).toMatchObject({ blkioSource: V1_BLKIO_FILES[1], stats: { blkioReadBytes: 4096, blkioWriteBytes: 8192 } });
    fs.writeFileSync(file('blkio', V1_BLKIO_FILES[1]), '254:0 Read 8192\n254:0 Write 8192\nTotal 16384\n');
    expect((await reader.read('c1'))!.stats.blkioReadBytes).toBe(8192);
  });

  it('reads 0 bytes from a blkio file that exists but counts nothing, as the driver does, and looks again at the slow tier', async () => {
    const { file, reader } = v1(2);
    fs.writeFileSync(file('blkio', V1_BLKIO_FILES[0]), 'Total 0\n');
    // Nothing counted yet: no file is named, so the first one that counts is a discontinuity, not I/O.
    expect(await reader.read('c1')).toMatchObject({ blkioSource: null, stats: { blkioReadBytes: 0, blkioWriteBytes: 0 } });
    fs.writeFileSync(file('blkio', V1_BLKIO_FILES[0]), '254:0 Read 512\n254:0 Write 0\nTotal 512\n');
    expect(await reader.read('c1')).toMatchObject({ blkioSource: null, stats: { blkioReadBytes: 0 } }); // fast tier: not read
    expect(await reader.read('c1')).toMatchObject({ blkioSource: V1_BLKIO_FILES[0], stats: { blkioReadBytes: 512 } }); // slow tier
    fs.writeFileSync(file('blkio', V1_BLKIO_FILES[0]), '254:0 Read 1024\n254:0 Write 0\nTotal 1024\n');
    expect(await reader.read('c1')).toMatchObject({ blkioSource: V1_BLKIO_FILES[0], stats: { blkioReadBytes: 1024 } }); // now every tick
  });

  it('reads cpu.stat at every tick only for a container with a CPU quota', async () => {
    const { file, reader } = v1(100);
    await reader.read('c1'); // the fixture has a 50 000 µs quota
    fs.writeFileSync(file('cpu', 'cpu.stat'), 'nr_periods 40\nnr_throttled 30\nthrottled_time 1\n');
    expect((await reader.read('c1'))!.stats.cpuThrottledPeriods).toBe(30);

    const other = v1(100);
    write(other.file('cpu', 'cpu.cfs_quota_us'), -1);
    await other.reader.read('c1');
    fs.writeFileSync(other.file('cpu', 'cpu.stat'), 'nr_periods 40\nnr_throttled 30\nthrottled_time 1\n');
    expect((await other.reader.read('c1'))!.stats.cpuThrottledPeriods).toBe(17); // as the slow tier last read it
  });

  it('answers null for a cgroup that does not exist, keeping nothing open', async () => {
    const { reader } = v1();
    expect(await reader.read('gone')).toBeNull();
    expect(reader.files.openCount).toBe(0);
  });

  it('refuses a path that would leave the parent', async () => {
    const { reader } = v1();
    const error = await reader.read('../escape').catch((e: unknown) => e);
    expect(isStrataError(error, 'INVALID_ARGUMENT')).toBe(true);
  });

  it('finds the processes in whichever hierarchy lists them, and releases every file', async () => {
    const { reader } = v1();
    expect(await reader.pids('c1')).toEqual([5084]); // pids' own cgroup.procs is empty in the fixture
    await reader.read('c1');
    reader.release('c1');
    expect(reader.files.openCount).toBe(0);
  });
});

describe('CgroupFileReader on cgroup v2', () => {
  it('reads what the v2 driver reads, from 5 kept files plus 3 slow ones', async () => {
    const { layout, reader } = v2();
    const reading = await reader.read('c1');
    const driver = await new CgroupV2Manager(layout.mountPoint).stats('c1');
    expect(pick(reading!.stats)).toEqual(pick(driver));
    expect(reading!.stats).toMatchObject({
      cpuUsageNs: 8841567000, cpuPeriods: 1794, cpuThrottledPeriods: 613, memoryUsage: 75497472, memoryWorkingSet: 75497472 - 8388608,
      memoryLimit: 134217728, memoryOomEvents: 2, memoryOomKills: 1, pidsCurrent: 3, pidsLimit: 512,
      blkioReadBytes: 1459200 + 90112, blkioWriteBytes: 314773504,
    });
    expect(reading!.blkioSource).toBe('io.stat');
    expect(reader.files.openCount).toBe(8);
    expect(await reader.pids('c1')).toEqual([2301, 2345]);
  });

  it('reads limits changed by an update at the next reading (v2)', async () => {
    const { file, reader } = v2(10);
    await reader.read('c1');
    write(file('memory.max'), 100663296);
    expect((await reader.read('c1'))!.stats.memoryLimit).toBe(134217728);
    reader.limitsChanged('c1');
    expect((await reader.read('c1'))!.stats.memoryLimit).toBe(100663296);
  });

  it('answers null without cpu.stat (no such cgroup)', async () => {
    const { root, reader } = v2();
    expect(await reader.read('nope')).toBeNull();
    fs.rmSync(path.join(root, 'strata', 'c1', 'cpu.stat'));
    expect(await reader.read('c1')).toBeNull();
  });
});

describe('inactiveFileLines', () => {
  it('keeps only the lines the working set needs, wherever they are', () => {
    expect(inactiveFileLines('anon 1\ninactive_file 42\nactive_file 7\n')).toBe('inactive_file 42\n');
    expect(inactiveFileLines('inactive_file 5\ntotal_inactive_file 9')).toBe('inactive_file 5\ntotal_inactive_file 9\n');
    expect(inactiveFileLines('anon 1\n')).toBe('');
    expect(inactiveFileLines(null)).toBeNull();
  });
});

describe('managerReader', () => {
  it('reads through a CgroupManager and maps NOT_FOUND to null', async () => {
    const fixture = v2Fixture();
    cleanups.push(() => removeDir(fixture.root));
    const reader = managerReader(new CgroupV2Manager(fixture.layout.mountPoint));
    expect((await reader.read('c1'))!.stats.memoryUsage).toBe(75497472);
    expect(await reader.read('nope')).toBeNull();
    expect(await reader.pids('c1')).toEqual([2301, 2345, 2400]); // the driver's pids() includes sub-cgroups
  });
});
