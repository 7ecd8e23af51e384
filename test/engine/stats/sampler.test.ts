// The sampler end to end on fixture trees (v1 and v2 formats) and a fixture /proc, with
// clocks under the test's control: formulas, first sample and resets, batches only for
// subscribers, ring buffer, history that survives a new sampler, and skipped ticks.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CgroupFileReader } from '../../../src-main/engine/stats/cgroup-file-reader';
import type { CgroupReader, CgroupReading } from '../../../src-main/engine/stats/cgroup-reader';
import { EMPTY_STATS } from '../../../src-main/engine/cgroups/manager';
import { historyFile } from '../../../src-main/engine/stats/history-store';
import type { StatsBatch } from '../../../src-main/engine/stats/sample';
import { StatsSampler, type StatsSamplerOptions, type StatsTarget } from '../../../src-main/engine/stats/sampler';
import { fakeProc, netDevText, removeDir, tempDir, v1Fixture, v2Fixture, write } from './stats-fixtures';

const GiB = 1024 ** 3;
const T0 = 1_767_323_040_000; // a multiple of 10 s
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A sampler over the v1 fixture's c1 (pid 5084 in its cgroup.procs) with a fake /proc and clocks. */
function setup(options: Partial<StatsSamplerOptions> & { version?: 'v1' | 'v2' } = {}) {
  const version = options.version ?? 'v1';
  const fixture = version === 'v1' ? v1Fixture() : v2Fixture();
  const proc = fakeProc({ 5084: netDevText(1000, 500), 2301: netDevText(1000, 500), 7777: netDevText(0, 0) });
  const historyDir = tempDir('history');
  const reader = new CgroupFileReader(fixture.layout);
  const clock = { wall: T0, mono: 0 };
  let targets: StatsTarget[] = [{ id: 'c1', cgroupPath: 'c1', pid: 5084 }];
  const errors: string[] = [];
  const make = (over: Partial<StatsSamplerOptions> = {}): StatsSampler => {
    const sampler = new StatsSampler({
      reader, targets: () => targets, historyDir, procRoot: proc.root, hostMemoryBytes: 8 * GiB,
      now: () => clock.wall, monoNow: () => clock.mono,
      onError: (error, context) => errors.push(`${context.phase}: ${(error as Error).message}`),
      ...options, ...over,
    });
    cleanups.push(() => sampler.stop());
    return sampler;
  };
  cleanups.push(() => {
    reader.close();
    for (const dir of [fixture.root, proc.root, historyDir]) removeDir(dir);
  });
  const advance = (ms: number): void => {
    clock.wall += ms;
    clock.mono += ms;
  };
  return { fixture, proc, historyDir, reader, clock, advance, errors, make, setTargets: (next: StatsTarget[]) => (targets = next) };
}

describe('StatsSampler formulas (cgroup v1 fixture)', () => {
  it('first sample has null rates; the next has docker’s CPU %, throttling, and byte rates', async () => {
    const { fixture, proc, make, advance } = setup();
    const file = (fixture as ReturnType<typeof v1Fixture>).file;
    const sampler = make();
    proc.setStat([1000, 0, 1000, 8000, 0, 0, 0, 0, 0, 0]); // 10 000 ticks on 2 CPUs
    write(file('cpuacct', 'cpuacct.usage'), 1e9);

    const first = await sampler.tick();
    expect(first).toEqual({ skipped: false, batch: [expect.objectContaining({ id: 'c1', time: T0, cpuPercent: null, cpuThrottledPercent: null, netRxBytesPerSec: null, blkioReadBytesPerSec: null })] });
    const s1 = sampler.recent('c1')[0]!;
    expect(s1).toMatchObject({
      memoryUsage: 45985792, memoryWorkingSet: 45985792 - 6893568, memoryLimit: 67108864, memoryOomKills: 1,
      pidsCurrent: 1, pidsLimit: 256, cpuThrottledPeriods: 17, netRxBytes: 1000, netTxBytes: 500,
      blkioReadBytes: 8478720, blkioWriteBytes: 8388608,
    });

    // One second later: 2 CPUs clocked 200 ticks = 2 s of CPU; the container used 0.5 s.
    advance(1000);
    proc.setStat([1100, 0, 1100, 8000, 0, 0, 0, 0, 0, 0]);
    write(file('cpuacct', 'cpuacct.usage'), 1.5e9);
    fs.writeFileSync(file('cpu', 'cpu.stat'), 'nr_periods 33\nnr_throttled 22\nthrottled_time 700000000\n');
    proc.setNetDev(5084, netDevText(1000 + 2048, 500 + 100, 999_999)); // loopback traffic is not counted
    const second = await sampler.tick();
    expect(second.skipped).toBe(false);
    expect(sampler.recent('c1')[1]).toMatchObject({
      time: T0 + 1000, cpuPercent: 50, cpuThrottledPeriods: 22, cpuThrottledPercent: 50,
      netRxBytesPerSec: 2048, netTxBytesPerSec: 100, blkioReadBytesPerSec: 0, blkioWriteBytesPerSec: 0,
    });
  });

  it('caps an unlimited memory limit at host RAM', async () => {
    const { fixture, make } = setup();
    write((fixture as ReturnType<typeof v1Fixture>).file('memory', 'memory.limit_in_bytes'), '9223372036854771712');
    const sampler = make();
    await sampler.tick();
    expect(sampler.recent('c1')[0]!.memoryLimit).toBe(8 * GiB);
  });

  it('takes a counter going backwards as a reset: a null rate, never a negative, then normal again', async () => {
    const { fixture, proc, make, advance } = setup();
    const file = (fixture as ReturnType<typeof v1Fixture>).file;
    const sampler = make();
    let ticks = 10_000;
    const step = (usageNs: number): Promise<unknown> => {
      advance(1000);
      ticks += 200;
      proc.setStat([ticks, 0, 0, 0, 0, 0, 0]);
      write(file('cpuacct', 'cpuacct.usage'), usageNs);
      return sampler.tick();
    };
    await step(5e9);
    await step(6e9);
    await step(0.1e9); // restarted: the counter starts over
    await step(0.6e9);
    expect(sampler.recent('c1').map((s) => s.cpuPercent)).toEqual([null, 100, null, 50]);
  });

  it('reads the v2 formats the same way', async () => {
    const { fixture, proc, make, advance, setTargets } = setup({ version: 'v2' });
    const file = (fixture as ReturnType<typeof v2Fixture>).file;
    setTargets([{ id: 'c1', cgroupPath: 'c1', pid: 2301 }]);
    const sampler = make();
    proc.setStat([0, 0, 0, 10_000, 0, 0, 0]);
    await sampler.tick();
    advance(1000);
    proc.setStat([0, 0, 0, 10_200, 0, 0, 0]);
    fs.writeFileSync(file('cpu.stat'), 'usage_usec 9841567\nuser_usec 1\nsystem_usec 1\nnr_periods 1804\nnr_throttled 623\nthrottled_usec 1\n');
    fs.writeFileSync(file('io.stat'), '259:0 rbytes=2459200 wbytes=314773504 rios=1 wios=1 dbytes=0 dios=0\n8:16 rbytes=90112 wbytes=0 rios=22 wios=0 dbytes=0 dios=0\n');
    await sampler.tick();
    expect(sampler.recent('c1')[1]).toMatchObject({
      cpuPercent: 100, cpuThrottledPercent: 100, blkioReadBytesPerSec: 1_000_000,
      memoryWorkingSet: 75497472 - 8388608, memoryLimit: 134217728, memoryOomEvents: 2, memoryOomKills: 1, pidsCurrent: 3, pidsLimit: 512,
    });
  });
});

describe('StatsSampler network namespace', () => {
  it('reads the namespace of the target’s pid when it is in the cgroup, else of a process that is', async () => {
    const { proc, make, setTargets } = setup();
    const sampler = make();
    await sampler.tick();
    expect(sampler.recent('c1')[0]!.netRxBytes).toBe(1000); // pid 5084 is in cgroup.procs
    // A pid the cgroup does not list (an old record): the cgroup's own process wins.
    setTargets([{ id: 'c1', cgroupPath: 'c1', pid: 7777 }]);
    proc.setNetDev(5084, netDevText(3000, 500));
    await sampler.tick();
    expect(sampler.recent('c1')[1]!.netRxBytes).toBe(3000);
    // No pid at all: also the cgroup's.
    setTargets([{ id: 'c1', cgroupPath: 'c1' }]);
    await sampler.tick();
    expect(sampler.recent('c1')[2]!.netRxBytes).toBe(3000);
  });
});

describe('StatsSampler loopback-only namespaces', () => {
  it('reads a namespace with loopback only one tick in ten, and at every tick once it has an interface', async () => {
    const { proc, make, advance } = setup();
    const loopbackOnly = [
      'Inter-|   Receive                                                |  Transmit',
      ' face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed',
      '    lo: 500 1 0 0 0 0 0 0 500 1 0 0 0 0 0 0',
      '',
    ].join('\n');
    proc.setNetDev(5084, loopbackOnly);
    const sampler = make();
    await sampler.tick();
    expect(sampler.recent('c1')[0]).toMatchObject({ netRxBytes: 0, netTxBytes: 0 });
    // An interface appears: seen within ten ticks, and the jump is not taken for traffic.
    proc.setNetDev(5084, netDevText(50_000, 40_000));
    for (let i = 0; i < 10; i++) {
      advance(1000);
      await sampler.tick();
    }
    const samples = sampler.recent('c1');
    const seenAt = samples.findIndex((s) => s.netRxBytes === 50_000);
    expect(seenAt).toBeGreaterThan(0);
    expect(samples[seenAt]!.netRxBytesPerSec).toBeNull();
    expect(samples.slice(0, seenAt).every((s) => s.netRxBytes === 0)).toBe(true);
    // From then on, at every tick.
    proc.setNetDev(5084, netDevText(51_000, 40_000));
    advance(1000);
    await sampler.tick();
    expect(sampler.recent('c1').at(-1)).toMatchObject({ netRxBytes: 51_000, netRxBytesPerSec: 1000 });
  });
});

describe('StatsSampler events and memory', () => {
  it('sends one batch per tick, with every container, to subscribers only', async () => {
    const { fixture, make, setTargets } = setup();
    for (const controller of ['cpu', 'cpuacct', 'memory', 'pids', 'blkio']) {
      fs.cpSync(path.join(fixture.root, controller, 'strata', 'c1'), path.join(fixture.root, controller, 'strata', 'c2'), { recursive: true });
    }
    setTargets([{ id: 'c1', cgroupPath: 'c1', pid: 5084 }, { id: 'c2', cgroupPath: 'c2', pid: 5084 }]);
    const sampler = make();
    await sampler.tick(); // nobody listens: nothing sent, samples kept all the same
    const batches: StatsBatch[] = [];
    const unsubscribe = sampler.subscribe((batch) => batches.push(batch));
    const failing = sampler.subscribe(() => {
      throw new Error('a broken listener');
    });
    await sampler.tick();
    await sampler.tick();
    expect(batches).toHaveLength(2);
    expect(batches[0]!.map((s) => s.id)).toEqual(['c1', 'c2']);
    unsubscribe();
    failing();
    await sampler.tick();
    expect(batches).toHaveLength(2);
    expect(sampler.recent('c1')).toHaveLength(4);
    expect(sampler.subscriberCount).toBe(0);
  });

  it('keeps ringSeconds of samples per container, oldest first', async () => {
    const { make, advance } = setup();
    const sampler = make({ ringSeconds: 5 });
    for (let i = 0; i < 12; i++) {
      await sampler.tick();
      advance(1000);
    }
    expect(sampler.recent('c1').map((s) => s.time - T0)).toEqual([7000, 8000, 9000, 10_000, 11_000]);
    expect(sampler.recent('nobody')).toEqual([]);
  });

  it('drops a container that left the targets or whose cgroup is gone, closing its files; rates restart when it is back', async () => {
    const { fixture, reader, make, setTargets, advance } = setup();
    const sampler = make();
    await sampler.tick();
    advance(1000);
    await sampler.tick();
    expect(reader.files.openCount).toBeGreaterThan(0);
    setTargets([]);
    advance(1000);
    expect(await sampler.tick()).toEqual({ skipped: false, batch: [] });
    expect(reader.files.openCount).toBe(1); // only the host's /proc/stat
    expect(sampler.recent('c1')).toHaveLength(2); // a chart of a just-stopped container still draws
    expect(sampler.latest()).toEqual([]);
    setTargets([{ id: 'c1', cgroupPath: 'c1', pid: 5084 }]);
    advance(1000);
    await sampler.tick();
    expect(sampler.recent('c1').at(-1)!.cpuPercent).toBeNull();
    // Listed, but without a cgroup (stopped between the listing and the read): left out.
    // (A kept file of a removed cgroup answers ENODEV on the real kernel, which fixture
    // files cannot imitate; live.test.ts covers that.)
    setTargets([{ id: 'c1', cgroupPath: 'c1', pid: 5084 }, { id: 'c9', cgroupPath: 'c9', pid: 5084 }]);
    advance(1000);
    const outcome = (await sampler.tick()) as { batch: StatsBatch };
    expect(outcome.batch.map((s) => s.id)).toEqual(['c1']);
    expect(fs.existsSync(path.join(fixture.root, 'memory', 'strata', 'c9'))).toBe(false);
  });

  it('keeps sampling what it knew when listing the targets fails', async () => {
    const { make, errors } = setup();
    let fail = false;
    const sampler = make({
      targets: () => {
        if (fail) throw new Error('store unreadable');
        return [{ id: 'c1', cgroupPath: 'c1', pid: 5084 }];
      },
    });
    await sampler.tick();
    fail = true;
    const outcome = await sampler.tick();
    expect(outcome).toMatchObject({ batch: [{ id: 'c1' }] });
    expect(errors).toEqual(['targets: store unreadable']);
    expect(sampler.status()).toMatchObject({ errors: 1, lastError: 'targets: store unreadable' });
  });
});

describe('StatsSampler history', () => {
  it('records 10-s points whether or not anyone subscribes, and a new sampler reads them (restart)', async () => {
    const { make, advance, historyDir, reader } = setup();
    const sampler = make();
    for (let i = 0; i < 25; i++) {
      await sampler.tick();
      advance(1000);
    }
    // Two whole intervals written; the third (5 samples) in progress is shown too.
    const points = await sampler.historyOf('c1');
    expect(points.map((p) => [p.time - T0, p.samples])).toEqual([[0, 10], [10_000, 10], [20_000, 5]]);
    expect(points[0]).toMatchObject({ memoryWorkingSet: 45985792 - 6893568, memoryLimit: 67108864 });
    await sampler.stop(); // writes the partial interval

    const after = new StatsSampler({ reader, targets: () => [], historyDir, now: () => T0 + 60_000 });
    expect((await after.historyOf('c1')).map((p) => p.samples)).toEqual([10, 10, 5]);
    const lines = fs.readFileSync(historyFile(historyDir, 'c1'), 'utf8').trim().split('\n');
    expect(lines).toHaveLength(4);
  });

  it('forgets a removed container: its samples and its history file', async () => {
    const { make, advance, historyDir } = setup();
    const sampler = make();
    for (let i = 0; i < 12; i++) {
      await sampler.tick();
      advance(1000);
    }
    await sampler.history!.flush();
    expect(fs.existsSync(historyFile(historyDir, 'c1'))).toBe(true);
    await sampler.forget('c1');
    expect(fs.existsSync(historyFile(historyDir, 'c1'))).toBe(false);
    expect(sampler.recent('c1')).toEqual([]);
    expect(await sampler.historyOf('c1')).toEqual([]);
  });

  it('a follower (history writing off) writes nothing but shows its interval in progress; once elected it writes that point whole', async () => {
    const { make, advance, historyDir } = setup();
    const sampler = make({ writeHistory: false });
    for (let i = 0; i < 15; i++) {
      await sampler.tick();
      advance(1000);
    }
    await sampler.history!.flush();
    expect(fs.existsSync(historyFile(historyDir, 'c1'))).toBe(false);
    expect((await sampler.historyOf('c1')).map((p) => [p.time - T0, p.samples])).toEqual([[10_000, 5]]);
    sampler.setHistoryWriting(true); // elected mid-interval
    for (let i = 0; i < 6; i++) {
      await sampler.tick();
      advance(1000);
    }
    await sampler.history!.flush();
    const stored = await sampler.history!.read('c1');
    expect(stored.map((p) => [p.time - T0, p.samples])).toEqual([[10_000, 10]]);
  });

  it('keeps no history without a directory', async () => {
    const { make } = setup();
    const sampler = make({ historyDir: null });
    await sampler.tick();
    expect(sampler.history).toBeNull();
    expect(await sampler.historyOf('c1')).toEqual([]);
  });
});

/** A reader whose reads wait until the test lets them go, counting how many are in flight at once. */
function slowReader(): CgroupReader & { release: () => void; inFlight: number; maxInFlight: number; reads: number; letGo: () => void; reading: (count?: number) => Promise<void> } {
  let waiting: Array<() => void> = [];
  // who waits for reads to be waiting (the event that a tick reached the reader)
  let watchers: Array<{ count: number; resolve: () => void }> = [];
  const reading: CgroupReading = { stats: { ...EMPTY_STATS, cpuUsageNs: 1 }, generation: 0, blkioSource: null };
  const reader = {
    inFlight: 0,
    maxInFlight: 0,
    reads: 0,
    async read() {
      reader.reads++;
      reader.inFlight++;
      reader.maxInFlight = Math.max(reader.maxInFlight, reader.inFlight);
      const released = new Promise<void>((resolve) => waiting.push(resolve));
      for (const watcher of watchers.filter((w) => waiting.length >= w.count)) watcher.resolve();
      watchers = watchers.filter((w) => waiting.length < w.count);
      await released;
      reader.inFlight--;
      return reading;
    },
    async pids() {
      return [];
    },
    release() {},
    close() {},
    letGo() {
      const now = waiting;
      waiting = [];
      for (const resolve of now) resolve();
    },
    /** Resolves once `count` reads wait to be let go. */
    reading(count = 1) {
      return waiting.length >= count ? Promise.resolve() : new Promise<void>((resolve) => watchers.push({ count, resolve }));
    },
  };
  return reader;
}

describe('StatsSampler slow reads', () => {
  it('skips a tick while the previous one still runs, instead of queueing it', async () => {
    const reader = slowReader();
    const proc = fakeProc();
    cleanups.push(() => removeDir(proc.root));
    const sampler = new StatsSampler({ reader, procRoot: proc.root, targets: () => [{ id: 'c1', cgroupPath: 'c1' }] });
    const first = sampler.tick();
    await reader.reading();
    expect(await sampler.tick()).toEqual({ skipped: true });
    expect(await sampler.tick()).toEqual({ skipped: true });
    expect(reader.reads).toBe(1);
    reader.letGo();
    expect((await first).skipped).toBe(false);
    expect(sampler.status()).toMatchObject({ ticks: 1, skippedTicks: 2 });
    const next = sampler.tick(); // free again
    await reader.reading();
    reader.letGo();
    expect((await next).skipped).toBe(false);
  });

  it('on its timer, never has more than one tick’s reads in flight however slow they are', async () => {
    const reader = slowReader();
    const proc = fakeProc();
    cleanups.push(() => removeDir(proc.root));
    const sampler = new StatsSampler({ reader, procRoot: proc.root, intervalMs: 10, targets: () => [{ id: 'c1', cgroupPath: 'c1' }, { id: 'c2', cgroupPath: 'c2' }] });
    sampler.start();
    // Each read is held until the timer has fired again meanwhile (a skipped tick): events,
    // not durations, so a loaded machine only makes it slower.
    for (let i = 0; i < 6; i++) {
      await reader.reading(2); // both containers' reads of one tick
      const skipped = sampler.status().skippedTicks;
      while (sampler.status().skippedTicks === skipped) await new Promise((resolve) => setTimeout(resolve, 5));
      reader.letGo();
    }
    const stopped = sampler.stop();
    reader.letGo();
    await stopped;
    expect(reader.maxInFlight).toBe(2); // the two containers of one tick
    const status = sampler.status();
    expect(status.ticks).toBeGreaterThanOrEqual(6);
    expect(status.skippedTicks).toBeGreaterThanOrEqual(6);
    expect(status.running).toBe(false);
  });
});
