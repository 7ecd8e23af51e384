// A container's recent stats as chart-ready point arrays, of a bounded length. Plain
// arrays, never reactive (the stats store marks them raw): the chart components draw them
// as they are (and hand them to Chart.js unparsed) when the store's tick moves.
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
