// A container's recent stats as chart-ready point arrays, of a bounded length. Plain
// arrays, never reactive (the stats store marks them raw): the chart components draw them
// as they are (and hand them to Chart.js unparsed) when the store's tick moves. And what a
// line comes to over a window: its peak, its average, its newest value.
import type { StatsPoint } from './stats-sample';

export interface XY {
  x: number;
  y: number | null;
}

export const SERIES_KEYS = ['cpuPercent', 'memoryWorkingSet', 'memoryLimit', 'pids', 'pidsLimit', 'netRx', 'netTx', 'blockRead', 'blockWrite'] as const;
export type SeriesKey = (typeof SERIES_KEYS)[number];

export class Series {
  readonly lines: Record<SeriesKey, XY[]>;
  readonly points: StatsPoint[] = [];

  constructor(readonly capacity: number) {
    this.lines = Object.fromEntries(SERIES_KEYS.map((key) => [key, [] as XY[]])) as Record<SeriesKey, XY[]>;
  }

  /**
   * Appends a point. The arrays may run up to half again over capacity before the oldest
   * points go, all at once: one splice every capacity/2 points instead of one per point.
   * Charts show a time window, so the extra old points are never drawn.
   */
  push(point: StatsPoint): void {
    this.points.push(point);
    for (const key of SERIES_KEYS) this.lines[key].push({ x: point.time, y: point[key] });
    if (this.points.length > this.capacity * 1.5) {
      const extra = this.points.length - this.capacity;
      this.points.splice(0, extra);
      for (const key of SERIES_KEYS) this.lines[key].splice(0, extra);
    }
  }

  /**
   * Puts points from before the first one in front of it (a container's recent samples,
   * asked for after live ones had begun to come); those not older than the first are left
   * out. The arrays stay the same arrays: charts hold them.
   */
  prepend(older: readonly StatsPoint[]): void {
    const first = this.points[0]?.time ?? Infinity;
    const before = older.filter((point) => point.time < first).slice(-this.capacity);
    if (before.length === 0) return;
    this.points.unshift(...before);
    for (const key of SERIES_KEYS) this.lines[key].unshift(...before.map((point) => ({ x: point.time, y: point[key] })));
    if (this.points.length > this.capacity * 1.5) {
      const extra = this.points.length - this.capacity;
      this.points.splice(0, extra);
      for (const key of SERIES_KEYS) this.lines[key].splice(0, extra);
    }
  }

  get latest(): StatsPoint | undefined {
    return this.points[this.points.length - 1];
  }

  get size(): number {
    return this.points.length;
  }

  /** The newest `capacity` points (what an export or a count should see). */
  get recent(): readonly StatsPoint[] {
    return this.points.length > this.capacity ? this.points.slice(-this.capacity) : this.points;
  }
}

/** The index of the first point at or after `x` (the arrays are in time order). */
export function firstFrom(data: readonly XY[], x: number): number {
  let first = 0;
  for (let hi = data.length; first < hi; ) {
    const mid = (first + hi) >> 1;
    if (data[mid]!.x < x) first = mid + 1;
    else hi = mid;
  }
  return first;
}

/** The index of the first point after `x`: the end (exclusive) of the points up to `x`. */
export function firstAfter(data: readonly XY[], x: number): number {
  let first = 0;
  for (let hi = data.length; first < hi; ) {
    const mid = (first + hi) >> 1;
    if (data[mid]!.x <= x) first = mid + 1;
    else hi = mid;
  }
  return first;
}

/** A line over a window. Each is null when the window holds no known value of it. */
export interface WindowSummary {
  peak: number | null;
  /** The mean of the known values: the points are evenly spaced (1 s live, 10 s history). */
  average: number | null;
  latest: number | null;
}

/**
 * The peak, average and newest value of the points from `from` up to `to` (both included;
 * by default all after `from`); unknown (null) values left out.
 */
export function summarize(data: readonly XY[], from: number, to = Infinity): WindowSummary {
  let peak = -Infinity;
  let sum = 0;
  let count = 0;
  let latest: number | null = null;
  const stop = to === Infinity ? data.length : firstAfter(data, to);
  for (let i = firstFrom(data, from); i < stop; i++) {
    const y = data[i]!.y;
    if (y === null) continue;
    if (y > peak) peak = y;
    sum += y;
    count++;
    latest = y;
  }
  return count === 0 ? { peak: null, average: null, latest: null } : { peak, average: sum / count, latest };
}

/**
 * The highest value of several lines, each over its last `windowMs` (counted back from its
 * own newest point): the one scale of a column of sparklines. 0 when none has a value.
 */
export function sharedPeak(lines: Iterable<readonly XY[]>, windowMs: number): number {
  let peak = 0;
  for (const data of lines) {
    const end = data.at(-1)?.x;
    if (end === undefined) continue;
    for (let i = firstFrom(data, end - windowMs); i < data.length; i++) {
      const y = data[i]!.y;
      if (y !== null && y > peak) peak = y;
    }
  }
  return peak;
}
