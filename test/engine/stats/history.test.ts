// The long history: 10-s points from 1-s samples, on disk per container, bounded, kept
// across restarts of the engine, readable after a crash mid-write.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HISTORY_COLUMNS, HistoryBucket, type HistoryPoint, intervalStart } from '../../../src-main/engine/stats/history-point';
import { HistoryStore, decodeHistory, encodeHeader, encodePoint, historyFile } from '../../../src-main/engine/stats/history-store';
import type { StatsSample } from '../../../src-main/engine/stats/sample';
import { isStrataError } from '@shared/errors';
import { removeDir, tempDir } from './stats-fixtures';

const ID = 'a'.repeat(64);
const T0 = 1_767_323_040_000; // a multiple of 10 s

function sample(time: number, over: Partial<StatsSample> = {}): StatsSample {
  return {
    id: ID, time, source: 'cgroup',
    cpuPercent: 10, cpuThrottledPeriods: 0, cpuThrottledPercent: 0,
    memoryUsage: 1000, memoryWorkingSet: 800, memoryLimit: 4096, memoryOomEvents: null, memoryOomKills: 0,
    pidsCurrent: 2, pidsLimit: null,
    blkioReadBytes: 0, blkioWriteBytes: 0, blkioReadBytesPerSec: 0, blkioWriteBytesPerSec: 0,
    netRxBytes: 0, netTxBytes: 0, netRxBytesPerSec: 0, netTxBytesPerSec: 0,
    ...over,
  };
}

function point(time: number, over: Partial<HistoryPoint> = {}): HistoryPoint {
  const bucket = new HistoryBucket(time);
  bucket.add(sample(time));
  return { ...bucket.toPoint(), ...over };
}

describe('HistoryBucket', () => {
  it('averages gauges and rates, keeps the peak of CPU and working set, and the last counters', () => {
    const bucket = new HistoryBucket(T0);
    bucket.add(sample(T0, { cpuPercent: null, memoryWorkingSet: 100, netRxBytes: 50, netRxBytesPerSec: null, memoryOomKills: 0, pidsLimit: null }));
    bucket.add(sample(T0 + 1000, { cpuPercent: 20, memoryWorkingSet: 300, netRxBytes: 150, netRxBytesPerSec: 100, memoryOomKills: 1 }));
    bucket.add(sample(T0 + 2000, { cpuPercent: 40.123, memoryWorkingSet: 200, netRxBytes: 450, netRxBytesPerSec: 300, memoryOomKills: 1 }));
    expect(bucket.toPoint()).toMatchObject({
      time: T0, samples: 3,
      cpuPercent: 30.06, cpuPercentMax: 40.12, // nulls are not zeros: (20 + 40.123) / 2
      memoryWorkingSet: 200, memoryWorkingSetMax: 300,
      netRxBytesPerSec: 200, netRxBytes: 450, memoryOomKills: 1,
      pidsLimit: null, memoryOomEvents: null,
    });
  });

  it('puts a time in the interval that starts at the multiple below it', () => {
    expect(intervalStart(T0 + 9999, 10_000)).toBe(T0);
    expect(intervalStart(T0 + 10_000, 10_000)).toBe(T0 + 10_000);
  });
});

describe('history file format', () => {
  it('is a header line naming the columns, then one JSON array per point', () => {
    const header = JSON.parse(encodeHeader(ID, 10_000)) as { format: string; version: number; containerId: string; intervalMs: number; columns: string[] };
    expect(header).toEqual({ format: 'strata-stats-history', version: 1, containerId: ID, intervalMs: 10_000, columns: [...HISTORY_COLUMNS] });
    const line = encodePoint(point(T0));
    expect(line.endsWith('\n')).toBe(true);
    expect(JSON.parse(line)).toHaveLength(HISTORY_COLUMNS.length);
    expect(line.length).toBeLessThan(200);
  });

  it('decodes by column name: unknown columns ignored, missing ones null, torn lines skipped, one point per interval', () => {
    const text = [
      JSON.stringify({ format: 'strata-stats-history', version: 2, containerId: ID, intervalMs: 10_000, columns: ['samples', 'time', 'futureThing', 'cpuPercent'] }),
      JSON.stringify([10, T0, 'x', 12.5]),
      JSON.stringify([4, T0 + 10_000, 1, 3]),
      JSON.stringify([9, T0 + 10_000, 1, 4]), // a second engine's point for the same interval: more samples wins
      '[7, 1767323',
      'not json',
      '',
    ].join('\n');
    const { points } = decodeHistory(text);
    expect(points.map((p) => [p.time, p.samples, p.cpuPercent, p.memoryUsage])).toEqual([
      [T0, 10, 12.5, null],
      [T0 + 10_000, 9, 4, null],
    ]);
    expect(decodeHistory('garbage\n[1,2]\n').points).toEqual([]);
  });
});

describe('HistoryStore', () => {
  let dir: string;
  afterEach(() => removeDir(dir));

  it('appends points and reads them back, also from a new store instance (an engine restart)', async () => {
    dir = tempDir('history');
    const now = T0 + 60_000;
    const store = new HistoryStore(dir, { now: () => now });
    await store.append(ID, point(T0));
    await store.append(ID, point(T0 + 10_000, { cpuPercent: 55 }));
    expect((await store.read(ID)).map((p) => p.cpuPercent)).toEqual([10, 55]);

    const again = new HistoryStore(dir, { now: () => now });
    await again.append(ID, point(T0 + 20_000));
    expect((await again.read(ID)).map((p) => p.time)).toEqual([T0, T0 + 10_000, T0 + 20_000]);
    expect((await again.read(ID, { sinceMs: T0 + 10_000 })).map((p) => p.time)).toEqual([T0 + 10_000, T0 + 20_000]);
    expect(fs.readFileSync(historyFile(dir, ID), 'utf8').split('\n').filter(Boolean)).toHaveLength(4);
    expect(await new HistoryStore(dir).read('b'.repeat(64))).toEqual([]);
  });

  it('reads only the retention, and compacts the file once its oldest point is past retention + slack', async () => {
    dir = tempDir('history');
    let now = T0;
    const store = new HistoryStore(dir, { retentionMs: 60_000, compactSlackMs: 30_000, now: () => now });
    for (let i = 0; i < 10; i++) await store.append(ID, point(T0 + i * 10_000));
    now = T0 + 100_000;
    expect((await store.read(ID)).map((p) => p.time - T0)).toEqual([40_000, 50_000, 60_000, 70_000, 80_000, 90_000]);
    // Oldest (T0) is 100 s old > 60 + 30: the next append rewrites the file first.
    await store.append(ID, point(T0 + 100_000));
    const lines = fs.readFileSync(historyFile(dir, ID), 'utf8').trim().split('\n');
    expect(lines).toHaveLength(1 + 7);
    expect(fs.readdirSync(dir)).toEqual([`${ID}.jsonl`]); // no temporary file left
  });

  it('keeps a file under its size cap whatever the clock does', async () => {
    dir = tempDir('history');
    const store = new HistoryStore(dir, { retentionMs: 100_000, maxFileBytes: 2000, now: () => T0 + 200_000 });
    // Points from the future are within any retention; only the cap and the point count bound them.
    for (let i = 0; i < 40; i++) {
      await store.append(ID, point(T0 + 1_000_000 + i * 10_000));
      expect(fs.statSync(historyFile(dir, ID)).size).toBeLessThan(2000 + 200); // the cap and one line
    }
    const kept = await store.read(ID);
    expect(kept.length).toBeLessThan(40);
    expect(kept.at(-1)!.time).toBe(T0 + 1_000_000 + 39 * 10_000); // the newest stay
  });

  it('repairs a torn last line (a crash mid-append) before appending after it', async () => {
    dir = tempDir('history');
    const file = path.join(dir, `${ID}.jsonl`);
    fs.writeFileSync(file, encodeHeader(ID, 10_000) + encodePoint(point(T0)) + '[1767323050000,10,3');
    const store = new HistoryStore(dir, { now: () => T0 + 30_000 });
    expect((await store.read(ID)).map((p) => p.time)).toEqual([T0]);
    await store.append(ID, point(T0 + 20_000));
    expect((await store.read(ID)).map((p) => p.time)).toEqual([T0, T0 + 20_000]);
    expect(fs.readFileSync(file, 'utf8').endsWith('\n')).toBe(true);
  });

  it('rewrites a file of another format version before appending to it', async () => {
    dir = tempDir('history');
    const file = path.join(dir, `${ID}.jsonl`);
    fs.writeFileSync(file, `${JSON.stringify({ format: 'strata-stats-history', version: 0, containerId: ID, intervalMs: 10_000, columns: ['time', 'samples', 'cpuPercent'] })}\n[${T0},10,7]\n`);
    const store = new HistoryStore(dir, { now: () => T0 + 30_000 });
    await store.append(ID, point(T0 + 10_000, { cpuPercent: 8 }));
    expect((await store.read(ID)).map((p) => p.cpuPercent)).toEqual([7, 8]);
    expect(fs.readFileSync(file, 'utf8').split('\n')[0]).toBe(encodeHeader(ID, 10_000).trimEnd());
  });

  it('removes one container’s history, prunes those of containers that are gone, and refuses ids that are not file names', async () => {
    dir = tempDir('history');
    const store = new HistoryStore(dir, { now: () => T0 + 30_000 });
    const other = 'b'.repeat(64);
    await store.append(ID, point(T0));
    await store.append(other, point(T0));
    fs.writeFileSync(path.join(dir, '.stale.tmp'), '');
    fs.utimesSync(path.join(dir, '.stale.tmp'), new Date(0), new Date(0));
    expect((await store.ids()).sort()).toEqual([ID, other]);
    expect(await store.prune([ID])).toEqual([other]);
    expect(fs.readdirSync(dir)).toEqual([`${ID}.jsonl`]);
    await store.remove(ID);
    expect(await store.ids()).toEqual([]);
    for (const bad of ['../etc/passwd', '', '.hidden', 'a/b']) {
      await expect(store.read(bad)).rejects.toSatisfy((e: unknown) => isStrataError(e, 'INVALID_ARGUMENT'));
    }
  });

  it('serialises appends per container: many at once all land, whole', async () => {
    dir = tempDir('history');
    const store = new HistoryStore(dir, { now: () => T0 + 1_000_000 });
    await Promise.all(Array.from({ length: 50 }, (_, i) => store.append(ID, point(T0 + i * 10_000))));
    await store.flush();
    expect(await store.read(ID)).toHaveLength(50);
  });
});
