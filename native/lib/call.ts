// What every wrapper in native/lib does around an addon call: check numbers before they
// reach C (where they would wrap or truncate), then map the addon's errno-carrying
// Error to a NativeSystemError. Types, NUL bytes and string lengths are checked in
// binding.cc, which sees the bytes C will see.
import { fromAddon } from './errors';

export const UINT32_MAX = 0xffff_ffff;
export const INT32_MAX = 0x7fff_ffff;

/** A whole number in [min, max], or a TypeError naming `what`. */
export function checkInteger(value: number, what: string, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new TypeError(`${what} must be an integer from ${min} to ${max}, got ${String(value)}`);
  }
}

export function checkUint32(value: number, what: string): void {
  checkInteger(value, what, 0, UINT32_MAX);
}

export function checkFd(fd: number): void {
  if (!Number.isInteger(fd) || fd < 0 || fd > INT32_MAX) {
    throw new TypeError(`fd must be a non-negative integer, got ${String(fd)}`);
  }
}

/** Runs one addon call, turning its errno-carrying Error into a NativeSystemError. */
export function call<T>(run: () => T, path?: string): T {
  try {
    return run();
  } catch (error) {
    throw fromAddon(error, path);
  }
}
