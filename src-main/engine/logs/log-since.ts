// The time arguments of `logs --since/--until`, as docker takes them: an RFC 3339
// date/time (the zone may be left out: local time, and so may the time of day or its
// seconds), Unix seconds with an optional fraction, or a duration back from now in Go's
// syntax (10m, 1h30m, 1.5h, 45s, 300ms). A bare 0 is the epoch, not a duration.
import { StrataError } from '@shared/errors';
import { daysFromCivil, validFields } from './log-time';

const UNIX = /^(\d+)(?:\.(\d{1,9}))?$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt](\d{2})(?::(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?)?(?:([Zz])|([+-])(\d{2}):(\d{2}))?$/;
const DURATION = /^(?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+$/;
const DURATION_PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g;
const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, μs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** The instant `text` names; durations count back from `now`. Bad input: INVALID_ARGUMENT. */
export function parseSince(text: string, now: Date = new Date()): Date {
  const value = text.trim();
  const date = DURATION.test(value) ? durationBefore(value, now) : UNIX.test(value) ? unixSeconds(value) : calendar(value);
  if (date === undefined || Number.isNaN(date.getTime())) {
    throw new StrataError(
      'INVALID_ARGUMENT',
      `cannot read ${JSON.stringify(text)} as a time: give an RFC 3339 date/time (2026-11-29T01:02:03Z), Unix seconds (1795914123.5) or a duration (10m, 1h30m)`,
    );
  }
  return date;
}

function durationBefore(value: string, now: Date): Date {
  let ms = 0;
  for (const [, amount, unit] of value.matchAll(DURATION_PART)) ms += Number(amount) * UNIT_MS[unit!]!;
  return new Date(now.getTime() - Math.round(ms));
}

function unixSeconds(value: string): Date {
  const [, seconds, fraction = ''] = UNIX.exec(value)!;
  return new Date(Number(seconds) * 1000 + Number(fraction.padEnd(3, '0').slice(0, 3)));
}

function calendar(value: string): Date | undefined {
  const m = DATE.exec(value);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6]].map((f) => Number(f ?? 0)) as [number, number, number, number, number, number];
  if (!validFields(year, month, day, hour, minute, second)) return undefined;
  const ms = Number((m[7] ?? '').padEnd(3, '0').slice(0, 3));
  if (m[8] === undefined && m[9] === undefined) {
    const local = new Date(0);
    local.setFullYear(year, month - 1, day); // not the constructor: it reads years 0–99 as 1900+
    local.setHours(hour, minute, second, ms);
    return local;
  }
  const offsetMinutes = m[9] === undefined ? 0 : (m[9] === '+' ? 1 : -1) * (Number(m[10]) * 60 + Number(m[11]));
  return new Date(((daysFromCivil(year, month, day) * 24 + hour) * 60 + minute - offsetMinutes) * 60_000 + second * 1000 + ms);
}
