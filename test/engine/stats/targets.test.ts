// Which containers the engine's sampler reads: its cgroups that are containers of the
// store, with the pid from each record, read once per container start.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Store } from '../../../src-main/engine/store/store';
import { containerStatsTargets } from '../../../src-main/engine/stats/targets';
import { openFilesBudget } from '../../../src-main/engine/stats/open-files';
import { removeDir, tempDir } from './stats-fixtures';

let dir: string;
afterEach(() => removeDir(dir));

function writeRecord(store: Store, id: string, pid?: number): void {
  fs.mkdirSync(path.join(store.paths.containers, id), { recursive: true });
  fs.writeFileSync(path.join(store.paths.containers, id, 'container.json'), JSON.stringify({ id, state: { status: 'running', ...(pid === undefined ? {} : { pid }) } }));
}

describe('containerStatsTargets', () => {
  it('lists the cgroups that are containers of this store, with the pid of each record', async () => {
    dir = tempDir('targets');
    const store = Store.open(dir);
    const [a, b, c] = ['a'.repeat(64), 'b'.repeat(64), 'c'.repeat(64)];
    writeRecord(store, a, 101);
    writeRecord(store, b); // started a moment ago: no pid recorded yet
    writeRecord(store, c, 303); // stopped: no cgroup
    let cgroups = [a, b, 'strata-test-1234']; // another engine's or a test's cgroup
    const targets = containerStatsTargets(store, { list: async () => cgroups });
    const reads = vi.spyOn(fs.promises, 'readFile');
    try {
      expect(await targets()).toEqual([
        { id: a, cgroupPath: a, pid: 101 },
        { id: b, cgroupPath: b, pid: null },
      ]);
      expect(reads).toHaveBeenCalledTimes(2);
      writeRecord(store, b, 202);
      expect((await targets())[1]).toEqual({ id: b, cgroupPath: b, pid: 202 }); // asked again while unknown
      expect(reads).toHaveBeenCalledTimes(3); // a's record is not read again
      cgroups = [b];
      expect((await targets()).map((t) => t.id)).toEqual([b]);
    } finally {
      reads.mockRestore();
    }
  });
});

describe('openFilesBudget', () => {
  it('is a quarter of the soft limit on open files, within 256…8192', async () => {
    dir = tempDir('limits');
    const limits = (soft: string): string => {
      const file = path.join(dir, `limits-${soft}`);
      fs.writeFileSync(file, `Limit                     Soft Limit           Hard Limit           Units\nMax open files            ${soft}                524288               files\n`);
      return file;
    };
    expect(await openFilesBudget(limits('20000'))).toBe(5000);
    expect(await openFilesBudget(limits('1024'))).toBe(256);
    expect(await openFilesBudget(limits('1048576'))).toBe(8192);
    expect(await openFilesBudget(limits('unlimited'))).toBe(1024);
    expect(await openFilesBudget(path.join(dir, 'missing'))).toBe(1024);
    expect(await openFilesBudget()).toBeGreaterThanOrEqual(256);
  });
});
