// The charts' axes, worked out here rather than by Chart.js: round steps for the value axis
// (binary ones for bytes) and whole time steps for the time axis. A chart knows from these
// alone whether its frame changed on a tick — most ticks only move the lines
// (components/charts/TimeChart.vue).

/** How the value axis steps: 1-2-2.5-5 × 10ⁿ, powers of two (bytes), or whole numbers (counts). */
export type ValueSteps = 'decimal' | 'binary' | 'integer';

export interface ValueScale {
  /** The top of the axis (its bottom is 0). */
  max: number;
  /** The distance between ticks; max is a whole number of steps. */
  step: number;
}

/**
 * The value axis for values up to `top`: the smallest round step that needs at most
 * `intervals` of them to reach `top`, and the first multiple of it at or above `top`.
 */
export function valueScale(top: number, steps: ValueSteps, intervals = 4): ValueScale {
  const reach = top > 0 && Number.isFinite(top) ? top : 1;
  const raw = reach / intervals;
  let step: number;
  if (steps === 'binary') {
    step = Math.max(1, 2 ** Math.ceil(Math.log2(raw)));
  } else {
    const magnitude = 10 ** Math.floor(Math.log10(raw));
    const multiples = steps === 'integer' ? [1, 2, 5, 10] : [1, 2, 2.5, 5, 10];
    step = multiples.map((m) => m * magnitude).find((s) => s >= raw * (1 - 1e-9)) ?? 10 * magnitude;
    if (steps === 'integer') step = Math.max(1, Math.round(step));
  }
  return { max: tidy(Math.ceil(reach / step - 1e-9) * step), step: tidy(step) };
}

/** Without the binary fraction's tail: 3 × 0.1 is 0.3. */
function tidy(value: number): number {
  return Number(value.toPrecision(12));
}

/** The ticks of a value axis: 0, step, 2·step, … max. */
export function valueTicks(scale: ValueScale): number[] {
  const ticks: number[] = [];
  for (let i = 0; i * scale.step <= scale.max * (1 + 1e-9); i++) ticks.push(tidy(i * scale.step));
  return ticks;
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const TIME_STEPS = [
  ...[1, 2, 5, 10, 15, 30].map((n) => n * SECOND),
  ...[1, 2, 5, 10, 15, 30].map((n) => n * MINUTE),
  ...[1, 2, 3, 4, 6, 12, 24].map((n) => n * HOUR),
];

/** The smallest whole time step that splits `windowMs` into at most `intervals` parts. */
export function timeStep(windowMs: number, intervals = 6): number {
  return TIME_STEPS.find((step) => windowMs / step <= intervals) ?? TIME_STEPS[TIME_STEPS.length - 1]!;
}

/**
 * Ticks counting back from `end` (a live window: "now", "−1m", …): at fixed distances from
 * the window's edges, so they stay where they are as the window moves on.
 */
export function trailingTicks(end: number, windowMs: number, step: number): number[] {
  const ticks: number[] = [];
  for (let back = Math.floor(windowMs / step) * step; back >= 0; back -= step) ticks.push(end - back);
  return ticks;
}

/**
 * Ticks on the whole steps of local time between `start` and `end` (14:00, 14:10, …).
 * `offsetMs` is the local time's offset from UTC (east positive) at `start`.
 */
export function clockTicks(start: number, end: number, step: number, offsetMs: number): number[] {
  const ticks: number[] = [];
  for (let t = Math.ceil((start + offsetMs) / step) * step - offsetMs; t <= end; t += step) ticks.push(t);
  return ticks;
}
