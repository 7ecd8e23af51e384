// Sizes people type: `512m`, `1.5g`, `1048576`. One parser for every flag, option and
// environment variable that takes a size (memory limits, the store's free-space reserve).
import { StrataError } from './errors';

const UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };

/**
 * `512m` → 536870912. Units are 1024-based: b, k/kb/kib, m/mb/mib, g, t, p; bare numbers
 * are bytes. `what` names the flag or setting in the INVALID_ARGUMENT error.
 */
export function parseByteSize(text: string, what: string): number {
  const match = /^(\d+(?:\.\d+)?|\.\d+) ?(?:([kmgtp])(?:i?b)?|(b))?$/i.exec(text.trim());
  if (!match) throw invalid(`${what} ${JSON.stringify(text)}: expected a size such as 512m, 1.5g or 1048576 (units b, k, m, g)`);
  const unit = (match[2] ?? match[3] ?? '').toLowerCase();
  const bytes = Math.floor(Number(match[1]) * UNITS[unit]!);
  if (!Number.isSafeInteger(bytes)) throw invalid(`${what} ${JSON.stringify(text)}: too large`);
  return bytes;
}

function invalid(message: string): StrataError {
  return new StrataError('INVALID_ARGUMENT', message);
}
