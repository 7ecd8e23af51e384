// The /proc stats source (proc-reader.ts) on its file formats: /proc/<pid>/stat with a
// command name holding spaces and parentheses, VmRSS, and a container without a pid
// namespace of its own read as its init and descendants from a /proc tree written in those
// formats. The real kernel is read by test/rootless/limits-stats.test.ts.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProcReader, parseProcPidStat, parseVmRss } from '../../../src-main/engine/stats/proc-reader';

/** A stat line as proc(5) has it: pid (comm) state ppid … utime(14) stime(15) cutime(16) cstime(17) … starttime(22). */
function statLine(pid: number, comm: string, ppid: number, times: [number, number, number, number], start: number): string {
  const fields = ['S', ppid, pid, pid, 0, -1, 4194304, 100, 0, 0, 0, ...times, 20, 0, 1, 0, start, 3133440, 416];
  return `${pid} (${comm}) ${fields.join(' ')}\n`;
}

describe('the /proc formats', () => {
  it('reads times after the last parenthesis, whatever the command name holds', () => {
    expect(parseProcPidStat(statLine(7, 'a) b (c', 1, [10, 20, 30, 40], 999))).toEqual({ ppid: 1, user: 40, system: 60, start: 999 });
    expect(parseProcPidStat(fs.readFileSync('/proc/self/stat', 'utf8'))).toMatchObject({ ppid: process.ppid });
    expect(parseProcPidStat('garbage')).toBeNull();
  });

  it('reads VmRSS in bytes, 0 when a process has none', () => {
    expect(parseVmRss('Name:\tsh\nVmRSS:\t    1234 kB\nThreads:\t1\n')).toBe(1234 * 1024);
    expect(parseVmRss('Name:\tkthreadd\nThreads:\t1\n')).toBe(0);
  });
});

describe('ProcReader on a /proc tree', () => {
  let proc: string;

  const processOf = (pid: number, ppid: number, times: [number, number, number, number], rssKb: number, start = 100) => {
    fs.mkdirSync(path.join(proc, String(pid)), { recursive: true });
    fs.writeFileSync(path.join(proc, String(pid), 'stat'), statLine(pid, 'sh', ppid, times, start));
    fs.writeFileSync(path.join(proc, String(pid), 'status'), `Name:\tsh\nVmRSS:\t${rssKb} kB\n`);
  };

  beforeEach(() => {
    proc = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-proc-reader-'));
    processOf(1, 0, [0, 0, 0, 0], 0);
    processOf(10, 1, [100, 50, 5, 5], 1000); // the container's init
    processOf(11, 10, [200, 0, 0, 0], 2000); // its child
    processOf(12, 11, [0, 100, 0, 0], 3000); // and grandchild
    processOf(20, 1, [999, 999, 0, 0], 9999); // another process of the host
  });

  afterEach(() => {
    fs.rmSync(proc, { recursive: true, force: true });
  });

  it('sums CPU (children’s reaped time included), RSS and the count over the init and its descendants', async () => {
    const reader = new ProcReader({ initPid: () => 10, procRoot: proc });
    expect((await reader.pids('c')).sort((a, b) => a - b)).toEqual([10, 11, 12]);
    const reading = await reader.read('c');
    expect(reading).toMatchObject({ source: 'proc', blkioSource: null, generation: 1 });
    // (100 + 5 + 200) user and (50 + 5 + 100) system ticks of 10 ms.
    expect(reading!.stats).toMatchObject({ cpuUserNs: 305e7, cpuSystemNs: 155e7, cpuUsageNs: 460e7, memoryUsage: 6000 * 1024, memoryWorkingSet: 6000 * 1024, pidsCurrent: 3, memoryLimit: null, pidsLimit: null });
  });

  it('starts a new generation when the init is another process (a restart), and reads nothing once it is gone', async () => {
    let init = 10;
    const reader = new ProcReader({ initPid: () => init, procRoot: proc });
    expect((await reader.read('c'))!.generation).toBe(1);
    expect((await reader.read('c'))!.generation).toBe(1);
    processOf(10, 1, [0, 0, 0, 0], 500, 200); // same pid, new start time
    expect((await reader.read('c'))!.generation).toBe(2);
    init = 30;
    expect(await reader.read('c')).toBeNull();
  });
});
