// The detail charts' axes (src-renderer/src/lib/chart-scale.ts): round value steps, binary
// for bytes and whole for counts; an axis fitted to the data with headroom, reaching a limit
// only when it is near; time ticks that stay put in a live window and fall on whole clock
// steps in history.
import { describe, expect, it } from 'vitest';
import { HEADROOM, LIMIT_REACH, clockTicks, fitAxis, timeStep, trailingTicks, valueScale, valueTicks } from '../../src-renderer/src/lib/chart-scale';

const KiB = 1024;
const MiB = 1024 * KiB;

describe('value axis', () => {
  it('reaches the top in at most four round steps', () => {
    expect(valueScale(100, 'decimal')).toEqual({ max: 100, step: 25 });
    expect(valueScale(42, 'decimal')).toEqual({ max: 60, step: 20 });
    expect(valueScale(7.3, 'decimal')).toEqual({ max: 8, step: 2 });
    expect(valueScale(250, 'decimal')).toEqual({ max: 300, step: 100 });
    expect(valueScale(0.3, 'decimal')).toEqual({ max: 0.3, step: 0.1 });
  });

  it('steps bytes in powers of two', () => {
    expect(valueScale(256 * MiB, 'binary')).toEqual({ max: 256 * MiB, step: 64 * MiB });
    expect(valueScale(19.5 * KiB, 'binary')).toEqual({ max: 24 * KiB, step: 8 * KiB });
    expect(valueScale(1024, 'binary')).toEqual({ max: 1024, step: 256 });
    expect(valueScale(3, 'binary')).toEqual({ max: 3, step: 1 });
  });

  it('steps counts in whole numbers', () => {
    expect(valueScale(4, 'integer')).toEqual({ max: 4, step: 1 });
    expect(valueScale(100, 'integer')).toEqual({ max: 100, step: 50 });
    expect(valueScale(2, 'integer')).toEqual({ max: 2, step: 1 });
  });

  it('has an axis with nothing above zero yet', () => {
    expect(valueScale(0, 'decimal').max).toBeGreaterThan(0);
    expect(valueScale(Number.NaN, 'binary').max).toBeGreaterThan(0);
  });

  it('ticks from 0 to the top', () => {
    expect(valueTicks({ max: 100, step: 25 })).toEqual([0, 25, 50, 75, 100]);
    expect(valueTicks({ max: 0.3, step: 0.1 })).toEqual([0, 0.1, 0.2, 0.3]);
  });
});

describe('value axis fitted to the data', () => {
  const GiB = 1024 * MiB;

  it('spans a few MiB for a container using a few MiB, not the host\'s RAM', () => {
    const fit = fitAxis(3 * MiB, 'binary', { floor: MiB });
    expect(fit).toEqual({ scale: { max: 4 * MiB, step: MiB }, limit: 'none' });
    expect(fit.scale.max).toBeLessThan(23.5 * GiB / 1000);
  });

  it('keeps headroom above the peak: the line never runs along the top edge', () => {
    for (const peak of [0.5, 1, 7.3, 42, 99, 100, 250]) {
      const { scale } = fitAxis(peak, 'decimal');
      expect(scale.max).toBeGreaterThanOrEqual(peak * HEADROOM - 1e-9);
      expect(valueTicks(scale).at(-1)).toBe(scale.max);
    }
    expect(fitAxis(100, 'decimal').scale).toEqual({ max: 125, step: 25 }); // a busy core: not cut at 100 %
  });

  it('fits half a percent on a fraction of a percent, with round steps', () => {
    expect(fitAxis(0.5, 'decimal').scale).toEqual({ max: 0.6, step: 0.2 });
    expect(fitAxis(0.5, 'decimal', { floor: 1 }).scale).toEqual({ max: 1, step: 0.25 });
  });

  it('spans the floor when idle or unknown', () => {
    expect(fitAxis(0, 'decimal', { floor: 1 }).scale).toEqual({ max: 1, step: 0.25 });
    expect(fitAxis(Number.NaN, 'integer', { floor: 4 }).scale).toEqual({ max: 4, step: 1 });
    expect(fitAxis(-5, 'binary', { floor: 1024 }).scale.max).toBe(1024);
  });

  it('reaches a limit near the data, with room above it for its line', () => {
    // --cpus 0.5 at work: the limit line at 50 % on 0–60 %
    expect(fitAxis(49, 'decimal', { floor: 1, limit: 50 })).toEqual({ scale: { max: 60, step: 20 }, limit: 'line' });
    // 60 MiB used of 64 MiB
    const memory = fitAxis(60 * MiB, 'binary', { floor: MiB, limit: 64 * MiB });
    expect(memory.limit).toBe('line');
    expect(memory.scale.max).toBeGreaterThan(64 * MiB);
    // just within reach: the data keeps a quarter of the plot
    expect(fitAxis(10, 'decimal', { limit: 10 * HEADROOM * LIMIT_REACH }).limit).toBe('line');
  });

  it('leaves a limit far above the data off the axis, and says so', () => {
    expect(fitAxis(3 * MiB, 'binary', { floor: MiB, limit: 64 * MiB })).toEqual({ scale: { max: 4 * MiB, step: MiB }, limit: 'above' });
    expect(fitAxis(0.2, 'decimal', { floor: 1, limit: 50 })).toEqual({ scale: { max: 1, step: 0.25 }, limit: 'above' });
  });

  it('has no limit when none is given or it is not a number above zero', () => {
    for (const limit of [undefined, null, 0, -1, Number.NaN, Infinity]) expect(fitAxis(5, 'decimal', { limit }).limit).toBe('none');
  });
});

describe('time axis', () => {
  it('picks whole steps, at most six to a window', () => {
    expect(timeStep(5 * 60_000)).toBe(60_000);
    expect(timeStep(3_600_000)).toBe(600_000);
    expect(timeStep(86_400_000)).toBe(4 * 3_600_000);
  });

  it('counts back from the newest point in a live window, at the same distances as it moves', () => {
    const a = trailingTicks(1_000_500, 300_000, 60_000);
    expect(a).toEqual([700_500, 760_500, 820_500, 880_500, 940_500, 1_000_500]);
    const b = trailingTicks(1_001_500, 300_000, 60_000);
    expect(b.map((t, i) => t - a[i]!)).toEqual(Array(6).fill(1000));
  });

  it('falls on whole steps of local time in history', () => {
    const hour = 3_600_000;
    // UTC+1: 14:00 local is 13:00 UTC.
    const ticks = clockTicks(13 * hour - 1, 17 * hour, 2 * hour, hour);
    expect(ticks).toEqual([13 * hour, 15 * hour, 17 * hour]);
    expect(ticks.every((t) => ((t + hour) / hour) % 2 === 0)).toBe(true);
  });
});
