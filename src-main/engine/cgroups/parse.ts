// The generic shapes of cgroup interface files (Documentation/admin-guide/cgroup-v2.rst,
// "Interface Files" conventions — v1 files use the same shapes). Pure functions.

/** Numbers above this are the kernel's "no limit" (v1 reports PAGE_COUNTER_MAX pages). */
const UNLIMITED_ABOVE = 2 ** 62;

/**
 * "Flat keyed": one `key value` pair per line (memory.stat, cpu.stat, memory.events,
 * memory.oom_control, pids.events, cgroup.events). Non-numeric values are skipped.
 */
export function parseFlatKeyed(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const [key, value, extra] = line.trim().split(/\s+/);
    if (key === undefined || key === '' || value === undefined || extra !== undefined) continue;
    const n = Number(value);
    if (value !== '' && Number.isFinite(n)) out.set(key, n);
  }
  return out;
}

/**
 * "Nested keyed": `<key> sub=value sub=value…` per line (io.stat). Returns key → sub-map.
 */
export function parseNestedKeyed(text: string): Map<string, Map<string, number>> {
  const out = new Map<string, Map<string, number>>();
  for (const line of text.split('\n')) {
    const [key, ...pairs] = line.trim().split(/\s+/);
    if (key === undefined || key === '') continue;
    const values = new Map<string, number>();
    for (const pair of pairs) {
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const n = Number(pair.slice(eq + 1));
      if (Number.isFinite(n)) values.set(pair.slice(0, eq), n);
    }
    out.set(key, values);
  }
  return out;
}

/** A single integer (memory.current, cpuacct.usage, pids.current); null if absent or malformed. */
export function parseSingle(text: string | null): number | null {
  if (text === null) return null;
  const trimmed = text.trim();
  if (!/^-?\d+$/.test(trimmed)) return null;
  return Number(trimmed);
}

/**
 * A limit: `max` (v2, pids.max on v1), `-1` (v1 cfs quota) or the v1 memory sentinel near
 * 2^63 all mean unlimited → null. Absent or malformed → undefined.
 */
export function parseLimit(text: string | null): number | null | undefined {
  if (text === null) return undefined;
  const trimmed = text.trim();
  if (trimmed === 'max' || trimmed === '-1') return null;
  const n = parseSingle(trimmed);
  if (n === null) return undefined;
  return n >= UNLIMITED_ABOVE ? null : n;
}

/** A value from a flat-keyed map, or null when the key is absent. */
export function keyed(map: Map<string, number> | null, key: string): number | null {
  return map?.get(key) ?? null;
}

/** usage − inactive file, never negative; null when usage is unknown. */
export function workingSet(usage: number | null, inactiveFile: number | null): number | null {
  if (usage === null) return null;
  return Math.max(0, usage - (inactiveFile ?? 0));
}
