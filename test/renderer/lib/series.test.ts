// A container's recent stats as chart lines (src-renderer/src/lib/series.ts): a point goes on
// every line, unknown figures stay null, and the lines are bounded — the oldest points go in
// one cut once they run half again over capacity.
import { describe, expect, it } from 'vitest';
import { Series, SERIES_KEYS } from '../../../src-renderer/src/lib/series';
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
