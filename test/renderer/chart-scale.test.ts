// The detail charts' axes (src-renderer/src/lib/chart-scale.ts): round value steps, binary
// for bytes and whole for counts; time ticks that stay put in a live window and fall on
// whole clock steps in history.
import { describe, expect, it } from 'vitest';
import { clockTicks, timeStep, trailingTicks, valueScale, valueTicks } from '../../src-renderer/src/lib/chart-scale';

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
