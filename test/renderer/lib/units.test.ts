// Numbers for people (src-renderer/src/lib/units.ts): counts with their nouns, durations,
// "… ago", clock times, short ids, and sizes typed into a form and written back into one.
// Sizes, rates, percentages and counts are src-shared/units.ts's (test/shared/units.test.ts),
// the same functions.
import { describe, expect, it } from 'vitest';
import * as shared from '@shared/units';
import { countOf, formatAgo, formatBytes, formatClock, formatDateTime, formatDuration, formatPercent, parseSize, shortId, sizeText } from '../../../src-renderer/src/lib/units';

describe('sizes, rates, percentages and counts', () => {
  it('are the CLI\'s own functions', () => {
    expect(formatBytes).toBe(shared.formatBytes);
    expect(formatPercent).toBe(shared.formatPercent);
  });

  it('says a count with its noun, singular only for one', () => {
    expect(countOf(1, 'entry', 'entries')).toBe('1 entry');
    expect(countOf(0, 'entry', 'entries')).toBe('0 entries');
    expect(countOf(1200, 'entry', 'entries')).toBe('1,200 entries');
    expect(countOf(1, 'layer')).toBe('1 layer');
    expect(countOf(101, 'layer')).toBe('101 layers');
  });
});

describe('formatDuration', () => {
  it('shows the two largest units, leaving out zeros', () => {
    expect(formatDuration(0)).toBe('0s');
    expect(formatDuration(999)).toBe('0s');
    expect(formatDuration(1000)).toBe('1s');
    expect(formatDuration(93_000)).toBe('1m 33s');
    expect(formatDuration(3_600_000)).toBe('1h');
    expect(formatDuration(3_601_000)).toBe('1h'); // the seconds are the third unit
    expect(formatDuration(90_000_000)).toBe('1d 1h');
    expect(formatDuration(86_400_000 + 60_000)).toBe('1d'); // 0 h is left out, minutes are third
  });

  it('treats negative or unknown spans as none', () => {
    expect(formatDuration(-5000)).toBe('0s');
    expect(formatDuration(Number.NaN)).toBe('0s');
  });
});

describe('formatAgo', () => {
  const now = Date.parse('2024-05-10T12:00:00Z');
  const ago = (seconds: number) => formatAgo(new Date(now - seconds * 1000).toISOString(), now);

  it('counts in the largest whole unit', () => {
    expect(ago(0)).toBe('just now');
    expect(ago(9)).toBe('just now');
    expect(ago(10)).toBe('10 seconds ago');
    expect(ago(59)).toBe('59 seconds ago');
    expect(ago(60)).toBe('1 minute ago');
    expect(ago(3599)).toBe('59 minutes ago');
    expect(ago(7200)).toBe('2 hours ago');
    expect(ago(86_400)).toBe('1 day ago');
    expect(ago(86_400 * 45)).toBe('1 month ago');
    expect(ago(86_400 * 400)).toBe('1 year ago');
  });

  it('has no "ago" for the future, nothing, or a date it cannot read', () => {
    expect(ago(-3600)).toBe('just now');
    expect(formatAgo(undefined, now)).toBe('—');
    expect(formatAgo('', now)).toBe('—');
    expect(formatAgo('yesterday-ish', now)).toBe('—');
  });
});

describe('formatClock', () => {
  it('writes local wall-clock time with two digits a part', () => {
    const t = new Date(2024, 4, 10, 9, 5, 7).getTime(); // local time, whatever the zone
    expect(formatClock(t)).toBe('09:05:07');
    expect(formatClock(t, false)).toBe('09:05');
    expect(formatClock(new Date(2024, 4, 10, 23, 59, 59).getTime())).toBe('23:59:59');
  });
});

describe('formatDateTime', () => {
  it('writes the local date and time, year first, for a tooltip', () => {
    const t = new Date(2024, 4, 10, 9, 5, 7); // local time, whatever the zone
    expect(formatDateTime(t.toISOString())).toBe('2024-05-10 09:05:07');
    expect(formatDateTime(new Date(1999, 11, 31, 23, 59, 59).toISOString())).toBe('1999-12-31 23:59:59');
  });

  it('has the dash for nothing or what is not a date', () => {
    expect(formatDateTime(undefined)).toBe('—');
    expect(formatDateTime('soon')).toBe('—');
  });
});

describe('shortId', () => {
  it('takes twelve hex digits, with or without the algorithm', () => {
    expect(shortId('sha256:0123456789abcdef0123')).toBe('0123456789ab');
    expect(shortId('0123456789abcdef')).toBe('0123456789ab');
    expect(shortId('abc')).toBe('abc');
  });
});

describe('parseSize', () => {
  it('reads binary units in every spelling', () => {
    expect(parseSize('512m')).toBe(536_870_912);
    expect(parseSize('1g')).toBe(1_073_741_824);
    expect(parseSize('1.5g')).toBe(1_610_612_736);
    expect(parseSize('64 MiB')).toBe(67_108_864);
    expect(parseSize('64MB')).toBe(67_108_864);
    expect(parseSize('2K')).toBe(2048);
    expect(parseSize('.5k')).toBe(512);
    expect(parseSize('1t')).toBe(1_099_511_627_776);
    expect(parseSize('1048576')).toBe(1_048_576);
    expect(parseSize('100b')).toBe(100);
    expect(parseSize(' 7 ')).toBe(7);
    expect(parseSize('0')).toBe(0);
  });

  it('drops a fraction of a byte', () => {
    expect(parseSize('1.5')).toBe(1);
    expect(parseSize('0.001k')).toBe(1);
  });

  it('refuses what is not a size', () => {
    for (const text of ['', 'm', '-1m', '1e3', '1.m', '1,5g', '1 2', '1x', '1mm', '0x10', 'NaN', 'Infinity']) {
      expect(parseSize(text), text).toBeUndefined();
    }
  });

  it('reads what the engine reads: the same parser (petabytes included)', () => {
    expect(parseSize('1p')).toBe(1125899906842624);
  });

  it('refuses sizes past what a number holds exactly', () => {
    expect(parseSize('8191t')).toBe(9_006_099_743_113_216); // 2^53 - 2^40
    expect(parseSize('8192t')).toBeUndefined(); // 2^53
    expect(parseSize('99999999999999999999')).toBeUndefined();
  });
});

describe('sizeText', () => {
  it('writes round sizes in the largest unit', () => {
    expect(sizeText(67_108_864)).toBe('64m');
    expect(sizeText(1536)).toBe('1.5k');
    expect(sizeText(1_073_741_824)).toBe('1g');
    expect(sizeText(1_099_511_627_776)).toBe('1t');
    expect(sizeText(1023)).toBe('1023');
    expect(sizeText(0)).toBe('0');
  });

  it('writes a size parseSize reads back to the same bytes, also when it is not round', () => {
    // A limit set elsewhere (strata run -m 100000000) must come back unchanged when the
    // Limits form is applied for another field.
    expect(sizeText(100_000_000)).toBe('97656.25k');
    expect(sizeText(1_073_741_823)).toBe('1073741823');
    expect(sizeText(1_610_612_736)).toBe('1.5g');
    for (const bytes of [100_000_000, 1_073_741_823, 6 * 1024 * 1024 + 1, 3_000_000_000, 1_610_612_736]) {
      expect(parseSize(sizeText(bytes)), String(bytes)).toBe(bytes);
    }
  });
});
