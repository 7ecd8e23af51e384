// Numbers for people, as the window and the CLI both write them (src-shared/units.ts):
// binary sizes at their unit boundaries, rates, percentages, counts, and one dash for none.
import { describe, expect, it } from 'vitest';
import { NONE, formatBytes, formatCount, formatPercent, formatRate } from '@shared/units';

describe('formatBytes', () => {
  it('changes unit at 1024, not 1000', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1)).toBe('1 B');
    expect(formatBytes(1000)).toBe('1000 B');
    expect(formatBytes(1023)).toBe('1023 B');
    expect(formatBytes(1024)).toBe('1 KiB');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(1_048_576)).toBe('1 MiB');
    expect(formatBytes(1_073_741_824)).toBe('1 GiB');
    expect(formatBytes(1_099_511_627_776)).toBe('1 TiB');
    expect(formatBytes(1_125_899_906_842_624)).toBe('1 PiB');
  });

  it('keeps three significant digits at most', () => {
    expect(formatBytes(1234)).toBe('1.21 KiB'); // 1.2051…
    expect(formatBytes(12_345)).toBe('12.1 KiB'); // 12.055…
    expect(formatBytes(123_456)).toBe('121 KiB'); // 120.56…
    expect(formatBytes(10_240)).toBe('10 KiB');
  });

  it('never shows 1024 of a unit when rounding reaches the next one', () => {
    expect(formatBytes(1_048_575)).toBe('1 MiB'); // 1023.999 KiB
    expect(formatBytes(1_073_741_823)).toBe('1 GiB');
    expect(formatBytes(1023.7)).toBe('1 KiB'); // a rate can be a fraction of a byte
    expect(formatBytes(1023.4)).toBe('1023 B');
  });

  it('stays in PiB beyond it', () => {
    expect(formatBytes(2 ** 60)).toBe('1024 PiB');
    expect(formatBytes(Number.MAX_SAFE_INTEGER)).toBe('8 PiB');
  });

  it('writes a dash for nothing known, and keeps the sign of a negative', () => {
    expect(NONE).toBe('—'); // an em dash, in the window's tables and the CLI's
    expect(formatBytes(null)).toBe(NONE);
    expect(formatBytes(undefined)).toBe(NONE);
    expect(formatBytes(Number.NaN)).toBe(NONE);
    expect(formatBytes(Number.POSITIVE_INFINITY)).toBe(NONE);
    expect(formatBytes(-1536)).toBe('-1.5 KiB');
    expect(formatBytes(-0)).toBe('0 B');
  });
});

describe('rates, percentages and counts', () => {
  it('adds /s to a size', () => {
    expect(formatRate(2048)).toBe('2 KiB/s');
    expect(formatRate(0)).toBe('0 B/s');
    expect(formatRate(null)).toBe(NONE);
  });

  it('rounds percentages to one decimal unless asked, with no trailing zeros', () => {
    expect(formatPercent(12.345)).toBe('12.3%');
    expect(formatPercent(50)).toBe('50%');
    expect(formatPercent(99.96)).toBe('100%');
    expect(formatPercent(0.04)).toBe('0%');
    expect(formatPercent(12.345, 2)).toBe('12.35%');
    expect(formatPercent(350)).toBe('350%'); // several cores busy
    expect(formatPercent(Number.NaN)).toBe(NONE);
    expect(formatPercent(undefined)).toBe(NONE);
  });

  it('groups thousands in counts, and has a dash for what is not a count', () => {
    expect(formatCount(0)).toBe('0');
    expect(formatCount(999)).toBe('999');
    expect(formatCount(1234567)).toBe('1,234,567');
    expect(formatCount(null)).toBe(NONE);
    expect(formatCount(Number.NaN)).toBe(NONE);
  });
});

