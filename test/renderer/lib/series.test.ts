// A container's recent stats as chart lines (src-renderer/src/lib/series.ts): a point goes on
// every line, unknown figures stay null, and the lines are bounded — the oldest points go in
// one cut once they run half again over capacity.
import { describe, expect, it } from 'vitest';
import { Series, SERIES_KEYS, type XY, firstAfter, firstFrom, sharedPeak, summarize } from '../../../src-renderer/src/lib/series';
import type { StatsPoint } from '../../../src-renderer/src/lib/stats-sample';

/** A point with only its time and CPU known. */
const at = (time: number): StatsPoint => ({ time, cpuPercent: time / 10, memoryWorkingSet: null, memoryLimit: null, pids: null, pidsLimit: null, netRx: null, netTx: null, blockRead: null, blockWrite: null });

describe('Series', () => {
  it('starts empty', () => {
    const series = new Series(4);
    expect(series.size).toBe(0);
    expect(series.latest).toBeUndefined();
    expect(series.recent).toEqual([]);
    for (const key of SERIES_KEYS) expect(series.lines[key]).toEqual([]);
  });

  it('puts each point on every line, at its time', () => {
    const series = new Series(4);
    series.push(at(1000));
    series.push(at(2000));
    expect(series.lines.cpuPercent).toEqual([
      { x: 1000, y: 100 },
      { x: 2000, y: 200 },
    ]);
    expect(series.lines.netTx).toEqual([
      { x: 1000, y: null },
      { x: 2000, y: null },
    ]);
    expect(series.latest?.time).toBe(2000);
  });

  it('runs up to half again over capacity, then cuts back to capacity at once', () => {
    const series = new Series(4);
    for (let t = 1; t <= 6; t++) series.push(at(t));
    expect(series.size).toBe(6); // 6 = 4 × 1.5: not over yet
    expect(series.recent.map((p) => p.time)).toEqual([3, 4, 5, 6]);
    series.push(at(7));
    expect(series.size).toBe(4);
    expect(series.points.map((p) => p.time)).toEqual([4, 5, 6, 7]);
    expect(series.lines.cpuPercent.map((xy) => xy.x)).toEqual([4, 5, 6, 7]);
    expect(series.lines.blockWrite).toHaveLength(4);
    expect(series.latest?.time).toBe(7);
  });

  it('keeps wrapping around over many cuts, every line the same length as the points', () => {
    const series = new Series(3);
    for (let t = 1; t <= 100; t++) series.push(at(t));
    // Capacity 3 cuts when a push makes 5 (> 4.5): sizes go 3, 4, 5→3, …
    expect(series.size).toBe(4);
    expect(series.recent.map((p) => p.time)).toEqual([98, 99, 100]);
    for (const key of SERIES_KEYS) expect(series.lines[key], key).toHaveLength(4);
    expect(series.lines.cpuPercent[0]).toEqual({ x: 97, y: 9.7 });
  });

  it('with capacity 1 holds the newest point', () => {
    const series = new Series(1);
    for (let t = 1; t <= 5; t++) series.push(at(t));
    expect(series.recent.map((p) => p.time)).toEqual([5]);
    expect(series.size).toBe(1);
  });
});

/** Points one second apart from `start`, with these values. */
const line = (start: number, ...values: (number | null)[]): XY[] => values.map((y, i) => ({ x: start + i * 1000, y }));

describe('a line over a window', () => {
  it('finds the first point at or after a time', () => {
    const data = line(1000, 1, 2, 3, 4);
    expect(firstFrom(data, 0)).toBe(0);
    expect(firstFrom(data, 2000)).toBe(1);
    expect(firstFrom(data, 2500)).toBe(2);
    expect(firstFrom(data, 9000)).toBe(4);
    expect(firstFrom([], 0)).toBe(0);
  });

  it('finds the first point after a time: the end of the points up to it', () => {
    const data = line(1000, 1, 2, 3, 4);
    expect(firstAfter(data, 0)).toBe(0);
    expect(firstAfter(data, 2000)).toBe(2);
    expect(firstAfter(data, 2500)).toBe(2);
    expect(firstAfter(data, 9000)).toBe(4);
    expect(firstAfter([], 0)).toBe(0);
  });

  it('ends a window where it is told: an exited container\'s samples taken after its exit are left out', () => {
    const data = line(1000, 10, 30, 20, 0, 0); // exited at 3.5 s; its cgroup sampled on, empty
    expect(summarize(data, 0, 3500)).toEqual({ peak: 30, average: 20, latest: 20 });
    expect(summarize(data, 0, 3000)).toEqual({ peak: 30, average: 20, latest: 20 }); // the end is included
    expect(summarize(data, 0, 500)).toEqual({ peak: null, average: null, latest: null });
  });

  it('gives the peak, the average and the newest value of the points in the window', () => {
    const data = line(1000, 90, 10, 20, 30, 20);
    expect(summarize(data, 0)).toEqual({ peak: 90, average: 34, latest: 20 });
    // the window starts at 2 s: the 90 before it is not counted
    expect(summarize(data, 2000)).toEqual({ peak: 30, average: 20, latest: 20 });
  });

  it('leaves unknown values out rather than counting them as zero', () => {
    expect(summarize(line(0, null, 4, null, 8, null), 0)).toEqual({ peak: 8, average: 6, latest: 8 });
  });

  it('has no figures for a window without a known value', () => {
    expect(summarize(line(0, null, null), 0)).toEqual({ peak: null, average: null, latest: null });
    expect(summarize(line(0, 5, 6), 10_000)).toEqual({ peak: null, average: null, latest: null });
    expect(summarize([], 0)).toEqual({ peak: null, average: null, latest: null });
  });
});

describe('the shared peak of a column of sparklines', () => {
  it('is the highest value of any line over its own last window', () => {
    const quiet = line(100_000, 0.4, 0.5, 0.3);
    const busy = line(100_000, 40, 55, 48);
    expect(sharedPeak([quiet, busy], 60_000)).toBe(55);
    expect(sharedPeak([quiet], 60_000)).toBe(0.5);
  });

  it('counts each line back from its own newest point, so an old burst is forgotten', () => {
    const burstLongAgo = [{ x: 0, y: 99 }, ...line(120_000, 1, 2)];
    expect(sharedPeak([burstLongAgo], 60_000)).toBe(2);
  });

  it('is 0 with no line or no value, and ignores unknown values', () => {
    expect(sharedPeak([], 60_000)).toBe(0);
    expect(sharedPeak([[], line(0, null, null)], 60_000)).toBe(0);
    expect(sharedPeak([line(0, null, 3, null)], 60_000)).toBe(3);
  });
});
