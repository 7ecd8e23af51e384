// Times in container logs. The shim stamps each record in RFC 3339 with nine fractional
// digits; a JS Date holds only milliseconds. To compare exactly, a record's time becomes
// bigint nanoseconds since the Unix epoch, and a query's Dates are widened to match.
import { StrataError } from '@shared/errors';

const NS_PER_MS = 1_000_000n;
const NS_PER_S = 1_000_000_000n;

/** Date and time, optional fraction (up to 9 digits), zone `Z` or `±hh:mm`. */
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/;

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

export function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** Whether the fields name a real calendar time (a leap second, :60, is allowed as RFC 3339 does). */
export function validFields(year: number, month: number, day: number, hour: number, minute: number, second: number): boolean {
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month) && hour <= 23 && minute <= 59 && second <= 60;
}

/** Nanoseconds since the Unix epoch of an RFC 3339 time, or undefined if `time` is not one. */
export function logTimeNs(time: string): bigint | undefined {
  const m = RFC3339.exec(time);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as [number, number, number, number, number, number];
  if (!validFields(year, month, day, hour, minute, second)) return undefined;
  let seconds = daysFromCivil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second;
  if (m[8] !== undefined) {
    const offset = Number(m[9]) * 3600 + Number(m[10]) * 60;
    seconds -= m[8] === '+' ? offset : -offset;
  }
  return BigInt(seconds) * NS_PER_S + BigInt((m[7] ?? '').padEnd(9, '0'));
}

/** A query bound in nanoseconds; `what` names it in the error for an invalid Date. */
export function dateNs(date: Date, what: string): bigint {
  const ms = date.getTime();
  if (Number.isNaN(ms)) throw new StrataError('INVALID_ARGUMENT', `${what} is not a valid date`);
  return BigInt(ms) * NS_PER_MS;
}

/** Now, in the same unit. */
export function nowNs(): bigint {
  return BigInt(Date.now()) * NS_PER_MS;
}
