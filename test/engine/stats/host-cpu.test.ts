// /proc/stat → host CPU time and online CPUs, the denominator of docker's CPU %.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseProcStat, readHostCpu } from '../../../src-main/engine/stats/host-cpu';
import { OpenFiles } from '../../../src-main/engine/stats/open-files';
import { PROC_FIXTURE } from './stats-fixtures';

describe('parseProcStat', () => {
  it('sums the first seven fields of the cpu line (user…softirq) in ns and counts the cpuN lines', () => {
    const text = fs.readFileSync(path.join(PROC_FIXTURE, 'stat'), 'utf8');
    // cpu  555411 566 262861 2687440 19357 0 8258 0 0 0
    const ticks = 555411 + 566 + 262861 + 2687440 + 19357 + 0 + 8258;
    expect(parseProcStat(text)).toEqual({ totalNs: ticks * 10_000_000, onlineCpus: 2 });
  });

  it('leaves out steal, guest and guest_nice, as docker does', () => {
    const base = parseProcStat('cpu  100 0 100 800 0 0 0 0 0 0\ncpu0 100 0 100 800 0 0 0 0 0 0\n');
    const withSteal = parseProcStat('cpu  100 0 100 800 0 0 0 999 50 50\ncpu0 100 0 100 800 0 0 0 999 50 50\n');
    expect(withSteal).toEqual(base);
    expect(base).toEqual({ totalNs: 1000 * 10_000_000, onlineCpus: 1 });
  });

  it('counts only the CPUs listed (offline ones are not in /proc/stat)', () => {
    const text = 'cpu  1 1 1 1 1 1 1\ncpu0 1 1 1 1 1 1 1\ncpu2 1 1 1 1 1 1 1\ncpu3 1 1 1 1 1 1 1\nintr 5 0 0\nctxt 9\n';
    expect(parseProcStat(text)?.onlineCpus).toBe(3);
  });

  it('answers null for text without a well-formed cpu line', () => {
    expect(parseProcStat('')).toBeNull();
    expect(parseProcStat('intr 1 2 3\n')).toBeNull();
    expect(parseProcStat('cpu  1 2 3\n')).toBeNull();
    expect(parseProcStat('cpu  1 2 x 4 5 6 7\n')).toBeNull();
  });

  it('reads this machine: every online CPU, and a total that grows', async () => {
    const files = new OpenFiles();
    try {
      const first = await readHostCpu(files);
      await new Promise((resolve) => setTimeout(resolve, 50));
      const second = await readHostCpu(files); // the kept descriptor, read again at offset 0
      expect(first?.onlineCpus).toBe(os.availableParallelism());
      expect(second!.totalNs).toBeGreaterThan(first!.totalNs);
    } finally {
      files.close();
    }
  });
});
