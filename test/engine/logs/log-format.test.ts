// The small pieces of `logs`: parseSince (docker's --since forms), formatLogLine, and the
// exact reading of record times.
import { describe, expect, it } from 'vitest';

import { formatLogLine, parseSince } from '../../../src-main/engine/logs';
import { logTimeNs } from '../../../src-main/engine/logs/log-time';
import { isStrataError } from '@shared/errors';

const now = new Date('2026-11-29T12:00:00.000Z');
const local = (...fields: number[]) => {
  const [y, mo, d, h = 0, mi = 0, s = 0, ms = 0] = fields as [number, number, number, number?, number?, number?, number?];
  return new Date(y, mo - 1, d, h, mi, s, ms).toISOString();
};

describe('parseSince', () => {
  it.each([
    // durations back from now, Go's syntax
    ['10m', '2026-11-29T11:50:00.000Z'],
    ['1h30m', '2026-11-29T10:30:00.000Z'],
    ['45s', '2026-11-29T11:59:15.000Z'],
    ['1.5h', '2026-11-29T10:30:00.000Z'],
    ['2h45m30.5s', '2026-11-29T09:14:29.500Z'],
    ['300ms', '2026-11-29T11:59:59.700Z'],
    ['1500us', '2026-11-29T11:59:59.998Z'],
    ['0s', '2026-11-29T12:00:00.000Z'],
    // RFC 3339 with a zone
    ['2026-11-29T01:02:03Z', '2026-11-29T01:02:03.000Z'],
    ['2026-11-29T01:02:03.123456789Z', '2026-11-29T01:02:03.123Z'],
    ['2026-11-29t01:02:03.5z', '2026-11-29T01:02:03.500Z'],
    ['2026-11-29T02:02:03+01:00', '2026-11-29T01:02:03.000Z'],
    ['2026-11-28T20:32:03.25-04:30', '2026-11-29T01:02:03.250Z'],
    ['2024-02-29T00:00:00Z', '2024-02-29T00:00:00.000Z'],
    // Unix seconds, with a fraction
    ['0', '1970-01-01T00:00:00.000Z'],
    ['10', '1970-01-01T00:00:10.000Z'],
    ['1795914123', '2026-11-29T01:02:03.000Z'],
    ['1795914123.5', '2026-11-29T01:02:03.500Z'],
    ['1795914123.123456789', '2026-11-29T01:02:03.123Z'],
    ['  1795914123  ', '2026-11-29T01:02:03.000Z'],
  ])('%s', (text, iso) => {
    expect(parseSince(text, now).toISOString()).toBe(iso);
  });

  it.each([
    ['2026-11-29', local(2026, 11, 29)],
    ['2026-11-29T01', local(2026, 11, 29, 1)],
    ['2026-11-29T01:02', local(2026, 11, 29, 1, 2)],
    ['2026-11-29T01:02:03', local(2026, 11, 29, 1, 2, 3)],
    ['2026-11-29T01:02:03.045', local(2026, 11, 29, 1, 2, 3, 45)],
  ])('%s without a zone is local time', (text, iso) => {
    expect(parseSince(text, now).toISOString()).toBe(iso);
  });

  it('defaults now to the clock', () => {
    const before = Date.now();
    const got = parseSince('1m').getTime();
    expect(got).toBeGreaterThanOrEqual(before - 60_000);
    expect(got).toBeLessThanOrEqual(Date.now() - 60_000);
  });

  it.each(['', ' ', 'yesterday', '10x', '-10m', 'm', '1h-30m', '1.2.3', '2026-13-01T00:00:00Z', '2026-02-29T00:00:00Z', '2026-11-31', '2026-11-29T24:00:00Z', '2026-11-29T01:60Z', '2026-11-29 01:02:03Z', '2026-11-29T01:02:03+1:00', '1795914123.1234567891', '12:00'])(
    '%j is refused with INVALID_ARGUMENT',
    (text) => {
      let error: unknown;
      try {
        parseSince(text, now);
      } catch (e) {
        error = e;
      }
      expect(isStrataError(error, 'INVALID_ARGUMENT')).toBe(true);
      expect((error as Error).message).toContain(JSON.stringify(text));
    },
  );
});

describe('formatLogLine', () => {
  const line = { time: '2026-11-29T01:02:03.123456789Z', stream: 'stderr' as const, log: 'hello\n' };

  it('gives the text as the container wrote it', () => {
    expect(formatLogLine(line)).toBe('hello\n');
    expect(formatLogLine({ ...line, log: 'no newline' })).toBe('no newline');
    expect(formatLogLine({ ...line, log: '' }, { timestamps: false })).toBe('');
  });

  it('puts the record time first with timestamps', () => {
    expect(formatLogLine(line, { timestamps: true })).toBe('2026-11-29T01:02:03.123456789Z hello\n');
    expect(formatLogLine({ ...line, log: '  indented' }, { timestamps: true })).toBe('2026-11-29T01:02:03.123456789Z   indented');
  });
});

describe('record times', () => {
  const ns = (t: string) => logTimeNs(t);

  it('are nanoseconds since the epoch, exactly', () => {
    expect(ns('1970-01-01T00:00:00Z')).toBe(0n);
    expect(ns('1970-01-01T00:00:00.000000001Z')).toBe(1n);
    expect(ns('2026-11-29T01:02:03.123456789Z')).toBe(1_795_914_123_123_456_789n);
    expect(ns('2026-11-29T01:02:03.1Z')).toBe(1_795_914_123_100_000_000n);
    expect(ns('2026-11-29T02:02:03.123456789+01:00')).toBe(ns('2026-11-29T01:02:03.123456789Z'));
    expect(ns('1969-12-31T23:59:59.999999999Z')).toBe(-1n);
    expect(ns('2000-02-29T00:00:00Z')).toBe(BigInt(Date.parse('2000-02-29T00:00:00Z')) * 1_000_000n);
    expect(ns('0099-03-01T00:00:00Z')).toBe(BigInt(Date.parse('0099-03-01T00:00:00Z')) * 1_000_000n);
  });

  it.each(['', '2026-11-29', '2026-11-29T01:02:03', '2026-11-29T01:02:03.Z', '2026-11-29T01:02:03.1234567890Z', '1900-02-29T00:00:00Z', '2026-11-29T01:02:03+0100'])('%j is not one', (t) => {
    expect(ns(t)).toBeUndefined();
  });
});
