// The charts' axes, worked out here rather than by Chart.js: round steps for the value axis
// (binary ones for bytes) and whole time steps for the time axis. A chart knows from these
// alone whether its frame changed on a tick — most ticks only move the lines
// (components/charts/TimeChart.vue).
//
// The value axis fits what the window shows (fitAxis): its peak with some room above, never
// a fixed 0–100 % or 0–host RAM, on which an idle container's line would lie flat on the
// floor. A limit is drawn when it is near enough for the data to keep a fair share of the
// plot; one far above it (64 MiB over 3 MiB used) is said in words instead.

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

/** Room above the highest value, so that a peak is not drawn on the plot's top edge. */
export const HEADROOM = 1.1;

/**
 * How far above the data's own reach a limit may be and still be drawn as a line: at 4 the
 * data keeps at least a quarter of the plot's height.
 */
export const LIMIT_REACH = 4;

export interface AxisFit {
  scale: ValueScale;
  /** Where the limit is: on the plot (`line`), above its top (`above`), or there is none. */
  limit: 'line' | 'above' | 'none';
}

/**
 * The value axis for a window whose values peak at `peak`: the peak with headroom, at least
 * `floor` (an idle container's axis: 0–1 %, not 0–0.001 %), and the limit with headroom when
 * it is within LIMIT_REACH of that.
 */
export function fitAxis(peak: number, steps: ValueSteps, options: { floor?: number; limit?: number | null } = {}): AxisFit {
  const floor = options.floor ?? 0;
  const limit = options.limit ?? 0;
  let reach = Math.max(finite(peak) * HEADROOM, floor);
  if (!(limit > 0) || !Number.isFinite(limit)) return { scale: snugScale(reach, steps), limit: 'none' };
  if (limit > reach * LIMIT_REACH) return { scale: snugScale(reach, steps), limit: 'above' };
  reach = Math.max(reach, limit * HEADROOM);
  return { scale: snugScale(reach, steps), limit: 'line' };
}

/** The lower of the four- and five-step scales (110 % on 0–125, not 0–150); four on a tie. */
function snugScale(reach: number, steps: ValueSteps): ValueScale {
  const four = valueScale(reach, steps, 4);
  const five = valueScale(reach, steps, 5);
  return five.max < four.max ? five : four;
}

function finite(value: number): number {
  return Number.isFinite(value) && value > 0 ? value : 0;
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
