// Lines straight from the stats store's point arrays onto a canvas: the list's sparklines
// and the detail charts' lines (whose axes Chart.js draws) both draw through here, some
// microseconds a line.
import type { XY } from '../../lib/series';

/**
 * Adds the points from `first` on (up to `stop`, exclusive) to the context's path, through `toX` and `toY` (to canvas
 * pixels). Null values are left out and the line joins across them. Where the points are
 * many more than the pixels (a day of history), each pixel column gets one vertical stroke
 * from its lowest to its highest value, which looks the same as all of its points.
 * Returns how many points went into the path: 0 is nothing, 1 a single point (which a
 * stroke does not show).
 */
export function tracePoints(ctx: CanvasRenderingContext2D, data: readonly XY[], first: number, toX: (x: number) => number, toY: (y: number) => number, columns = Infinity, stop = data.length): number {
  let traced = 0;
  const to = (x: number, y: number): void => {
    if (traced) ctx.lineTo(x, y);
    else ctx.moveTo(x, y);
    traced++;
  };
  if (stop - first <= 2 * columns) {
    for (let i = first; i < stop; i++) {
      const point = data[i]!;
      if (point.y !== null) to(toX(point.x), toY(point.y));
    }
    return traced;
  }
  let column = NaN;
  let entry = 0;
  let low = 0;
  let high = 0;
  let exit = 0;
  const flush = (): void => {
    if (Number.isNaN(column)) return;
    to(column, entry);
    if (low !== entry) to(column, low);
    if (high !== low) to(column, high);
    if (exit !== high) to(column, exit);
  };
  for (let i = first; i < stop; i++) {
    const point = data[i]!;
    if (point.y === null) continue;
    const x = Math.round(toX(point.x));
    const y = toY(point.y);
    if (x !== column) {
      flush();
      column = x;
      entry = low = high = y;
    }
    low = Math.min(low, y);
    high = Math.max(high, y);
    exit = y;
  }
  flush();
  return traced;
}
