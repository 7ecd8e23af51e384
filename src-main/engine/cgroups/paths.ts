// Cgroup paths are relative to the engine's parent and must never leave it: a hostile or
// mistaken container id must not let the engine read, or hand the runtime, a cgroup it
// does not own (systemd's slices, another engine's containers).
import { StrataError } from '@shared/errors';

export const DEFAULT_PARENT = 'strata';

/** One path component: letters, digits and `_ . : @ + -`, not starting with a dot. */
const COMPONENT = /^[A-Za-z0-9_:@+-][A-Za-z0-9_.:@+-]*$/;
const MAX_COMPONENT = 255;

/**
 * Splits `path` into its components, refusing anything but a plain relative path of
 * ordinary names: absolute paths, `.` and `..`, empty components, NUL bytes and
 * names that could collide with interface files (a leading dot) → INVALID_ARGUMENT.
 */
export function cgroupComponents(path: string, what = 'cgroup path'): string[] {
  if (typeof path !== 'string' || path === '') throw invalid(what, path, 'is empty');
  if (path.startsWith('/')) throw invalid(what, path, 'is absolute; cgroup paths are relative to the parent');
  const parts = path.split('/');
  for (const part of parts) {
    if (part === '..') throw invalid(what, path, 'climbs out with ".."');
    if (part === '' || part === '.') throw invalid(what, path, 'has an empty or "." component');
    if (part.length > MAX_COMPONENT) throw invalid(what, path, `has a component longer than ${MAX_COMPONENT} characters`);
    if (!COMPONENT.test(part)) throw invalid(what, path, 'may hold only letters, digits and _ . : @ + - (not starting with a dot)');
  }
  return parts;
}

/** `strata` + `abc/def` → `strata/abc/def`, both validated. */
export function underParent(parent: string, path: string): string {
  return [...cgroupComponents(parent, 'cgroup parent'), ...cgroupComponents(path)].join('/');
}

function invalid(what: string, path: string, why: string): StrataError {
  return new StrataError('INVALID_ARGUMENT', `refusing ${what} ${JSON.stringify(path)}: ${why}`);
}
