// Errors from the addon in the shape of Node's SystemError, so callers handle a failed
// flock or mknod exactly like a failed fs call: `err.code === 'ENOENT'`, `err.errno`, …
import os from 'node:os';
import util from 'node:util';

export interface NativeSystemError extends Error {
  /** Symbolic name, e.g. 'EACCES'. */
  code: string;
  /** Negative errno, as Node reports it (-13 for EACCES). */
  errno: number;
  /** The syscall that failed, e.g. 'lsetxattr'. */
  syscall: string;
  path?: string;
}

let errorMap: Map<number, [string, string]> | undefined;

/**
 * Code and description as Node would give them. libuv does not know every errno (EDQUOT,
 * ENOLCK, ESTALE, …); for those the code comes from os.constants and the description
 * from `fallback` (the C library's strerror text, which the addon sends).
 */
function describe(errno: number, fallback?: string): { code: string; message: string } {
  errorMap ??= util.getSystemErrorMap();
  const known = errorMap.get(errno);
  if (known) return { code: known[0], message: known[1] };
  const name = util.getSystemErrorName(errno);
  const constant = Object.entries(os.constants.errno).find(([, value]) => value === -errno);
  const code = !name.startsWith('Unknown system error') ? name : constant ? constant[0] : `E${-errno}`;
  const text = fallback ? fallback.charAt(0).toLowerCase() + fallback.slice(1) : 'unknown error';
  return { code, message: text };
}

/** Builds `EPERM: operation not permitted, mknod '/x'` with code, errno, syscall, path. */
export function systemError(
  errno: number,
  syscall: string,
  path?: string,
  description?: string,
): NativeSystemError {
  const { code, message } = describe(errno, description);
  const where = path === undefined ? syscall : `${syscall} '${path}'`;
  const error = new Error(`${code}: ${message}, ${where}`) as NativeSystemError;
  error.code = code;
  error.errno = errno;
  error.syscall = syscall;
  if (path !== undefined) error.path = path;
  return error;
}

function isAddonSyscallError(value: unknown): value is Error & { errno: number; syscall: string } {
  if (!(value instanceof Error)) return false;
  const { errno, syscall } = value as { errno?: unknown; syscall?: unknown };
  return typeof errno === 'number' && Number.isInteger(errno) && errno < 0 && typeof syscall === 'string';
}

/**
 * Maps what the addon threw (an Error with a negative `errno` and `syscall`) to a
 * NativeSystemError that also names the path. Anything else (TypeError from argument
 * checks, …) is returned unchanged.
 */
export function fromAddon(thrown: unknown, path?: string): unknown {
  if (!isAddonSyscallError(thrown)) return thrown;
  return systemError(thrown.errno, thrown.syscall, path, thrown.message);
}
