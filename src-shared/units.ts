// Numbers for people, written the same in the window and on the command line: sizes in
// binary units (KiB, MiB, GiB — what the kernel's limits and `512m` mean), rates,
// percentages, counts, and one dash for a figure nobody knows. Pure: no Intl beyond 'en'.

/** What a figure that is not known (yet) reads as, everywhere. */
export const NONE = '—';

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

/** 1536 → "1.5 KiB"; three significant digits at most; NONE for nothing known. */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return NONE;
  const sign = bytes < 0 ? '-' : '';
  let value = Math.abs(bytes);
  let unit = 0;
  // Up while the figure would print as 1024 or more (1 048 575 B is "1 MiB", not "1024 KiB"):
  // at 100 and above no decimals are shown, so 1023.5 is where the rounding reaches 1024.
  while (value >= 1023.5 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  const digits = unit === 0 || value >= 100 ? 0 : value >= 10 ? 1 : 2;
  return `${sign}${trimZeros(value.toFixed(digits))} ${BYTE_UNITS[unit]}`;
}

export function formatRate(bytesPerSecond: number | null | undefined): string {
  return bytesPerSecond === null || bytesPerSecond === undefined ? NONE : `${formatBytes(bytesPerSecond)}/s`;
}

/** 12.345 → "12.3%": one decimal unless asked, no trailing zeros. */
export function formatPercent(percent: number | null | undefined, digits = 1): string {
  if (percent === null || percent === undefined || !Number.isFinite(percent)) return NONE;
  return `${trimZeros(percent.toFixed(digits))}%`;
}

// One formatter for every count: toLocaleString would build one a call (charts format
// their ticks and figures every second). Made at the first count, not at import: the first
// Intl object initialises ICU (~30 ms), which `strata images` never needs (issue 18).
let countFormat: Intl.NumberFormat | undefined;

/** 1234567 → "1,234,567". */
export function formatCount(count: number | null | undefined): string {
  return count === null || count === undefined || !Number.isFinite(count) ? NONE : (countFormat ??= new Intl.NumberFormat('en')).format(count);
}

function trimZeros(text: string): string {
  return text.includes('.') ? text.replace(/\.?0+$/, '') : text;
}

/** 1, 'entry', 'entries' → "1 entry"; 1200 → "1,200 entries". The plural defaults to the noun + s. */
export function countOf(count: number, noun: string, plural = `${noun}s`): string {
  return `${formatCount(count)} ${count === 1 ? noun : plural}`;
}
