// Numbers for people, in one place: bytes, rates, durations, times, percentages, short ids.
// Sizes are binary (KiB, MiB, GiB), as the engine's own messages and the CLI count them
// (src-shared/units.ts, which both use).
import { parseByteSize } from '@shared/sizes';
import { NONE } from '@shared/units';

// Sizes, rates, percentages, counts and the dash: written as the CLI writes them.
export { NONE, countOf, formatBytes, formatCount, formatPercent, formatRate } from '@shared/units';

/** 93 s → "1m 33s"; 90 000 s → "1d 1h". Two units at most. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const parts: [number, string][] = [
    [Math.floor(s / 86_400), 'd'],
    [Math.floor((s % 86_400) / 3600), 'h'],
    [Math.floor((s % 3600) / 60), 'm'],
    [s % 60, 's'],
  ];
  const first = parts.findIndex(([n]) => n > 0);
  if (first < 0) return '0s';
  return parts
    .slice(first, first + 2)
    .filter(([n]) => n > 0)
    .map(([n, unit]) => `${n}${unit}`)
    .join(' ');
}

/** "3 minutes ago", "2 days ago", "just now". */
export function formatAgo(iso: string | undefined, now = Date.now()): string {
  if (!iso) return NONE;
  const then = Date.parse(iso);
  if (Number.isNaN(then)) return NONE;
  const s = Math.round((now - then) / 1000);
  if (s < 10) return 'just now';
  const steps: [number, string][] = [
    [60, 'second'],
    [60, 'minute'],
    [24, 'hour'],
    [30, 'day'],
    [12, 'month'],
    [Infinity, 'year'],
  ];
  let value = s;
  for (const [size, unit] of steps) {
    if (value < size) return `${value} ${unit}${value === 1 ? '' : 's'} ago`;
    value = Math.floor(value / size);
  }
  return iso;
}

/** "2024-05-10 14:03:09", local time: the whole date behind a "3 days ago" (its tooltip). */
export function formatDateTime(iso: string | undefined): string {
  const then = iso ? Date.parse(iso) : Number.NaN;
  if (Number.isNaN(then)) return NONE;
  const d = new Date(then);
  const date = [d.getFullYear(), d.getMonth() + 1, d.getDate()].map((n) => String(n).padStart(2, '0')).join('-');
  return `${date} ${formatClock(then)}`;
}

/** A wall-clock time for chart axes and log lines: "14:03:09", or "14:03" without seconds. */
export function formatClock(ms: number, seconds = true): string {
  const d = new Date(ms);
  const parts = seconds ? [d.getHours(), d.getMinutes(), d.getSeconds()] : [d.getHours(), d.getMinutes()];
  return parts.map((n) => String(n).padStart(2, '0')).join(':');
}

/** "sha256:abcdef…" or a bare hex id → its first 12 hex digits. */
export function shortId(id: string): string {
  return id.replace(/^sha256:/, '').slice(0, 12);
}

/** "512m", "1.5g", "64 MiB", "1048576" → bytes (the engine's parser); undefined when it is not a size. */
export function parseSize(text: string): number | undefined {
  try {
    return parseByteSize(text, 'size');
  } catch {
    return undefined;
  }
}

function trimZeros(text: string): string {
  return text.includes('.') ? text.replace(/\.?0+$/, '') : text;
}

/**
 * Bytes → a short form parseSize reads back to the very same bytes: 67108864 → "64m",
 * 1536 → "1.5k", 100000000 → "97656.25k"; plain bytes when no unit fits exactly. Exact
 * because a form shows it to be sent back: a rounded limit would change on Apply.
 */
export function sizeText(bytes: number): string {
  const units: [number, string][] = [
    [1024 ** 4, 't'],
    [1024 ** 3, 'g'],
    [1024 ** 2, 'm'],
    [1024, 'k'],
  ];
  for (const [size, unit] of units) {
    if (bytes < size) continue;
    const text = `${trimZeros((bytes / size).toFixed(2))}${unit}`;
    if (parseSize(text) === bytes) return text;
  }
  return String(bytes);
}
