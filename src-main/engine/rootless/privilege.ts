// What privilege this engine runs with, read once from the kernel: the one place that asks.
//   root          the host's root: /var/lib/strata, /run/strata, cgroups, bridge networking.
//   rootless      uid 0 inside a user namespace the user made (newuidmap/newgidmap with their
//                 /etc/subuid range): may mount overlay (userxattr), chown within the mapping,
//                 make namespaces; may not touch host cgroups (v1) or host networking.
//   unprivileged  a normal user outside any such namespace: image views only.
import fs from 'node:fs';

export type Privilege = 'root' | 'rootless' | 'unprivileged';

export interface IdMapping {
  /** First id inside the namespace. */
  inside: number;
  /** The id it stands for in the parent namespace. */
  outside: number;
  count: number;
}

/** The host's own namespace maps every id to itself: `0 0 4294967295`. */
const FULL_RANGE = 4294967295;

/** `/proc/self/uid_map` (or gid_map) as mappings; empty when it cannot be read. */
export function readIdMap(file = '/proc/self/uid_map'): IdMapping[] {
  try {
    return parseIdMap(fs.readFileSync(file, 'utf8'));
  } catch {
    return [];
  }
}

/** readIdMap, read without blocking (for the API, whose callers wait on it). */
export async function readIdMapAsync(file = '/proc/self/uid_map'): Promise<IdMapping[]> {
  return parseIdMap(await fs.promises.readFile(file, 'utf8').catch(() => ''));
}

/** The text of a uid_map or gid_map as mappings. */
function parseIdMap(text: string): IdMapping[] {
  return text
    .split('\n')
    .map((line) => line.trim().split(/\s+/).map(Number))
    .filter((fields) => fields.length === 3 && fields.every(Number.isInteger))
    .map(([inside, outside, count]) => ({ inside: inside!, outside: outside!, count: count! }));
}

/** Whether these maps are the initial namespace's identity map (no user namespace). */
export function isIdentityMap(map: readonly IdMapping[]): boolean {
  return map.length === 1 && map[0]!.inside === 0 && map[0]!.outside === 0 && map[0]!.count === FULL_RANGE;
}

/** The privilege of a process with this uid and uid map. */
export function privilegeFrom(uid: number, map: readonly IdMapping[]): Privilege {
  if (uid !== 0) return 'unprivileged';
  // No readable map (no /proc) is taken as the host: the common case for root.
  return map.length === 0 || isIdentityMap(map) ? 'root' : 'rootless';
}

let cached: Privilege | undefined;

/** This process's privilege; it cannot change while the process lives, so it is read once. */
export function enginePrivilege(): Privilege {
  cached ??= privilegeFrom(process.getuid?.() ?? 0, readIdMap());
  return cached;
}

/** The ids this process may give files: its uid and gid maps, read once (empty as root: every id). */
export interface IdMaps {
  uid: IdMapping[];
  gid: IdMapping[];
}

let cachedMaps: IdMaps | undefined;

export function engineIdMaps(): IdMaps {
  cachedMaps ??= { uid: readIdMap('/proc/self/uid_map'), gid: readIdMap('/proc/self/gid_map') };
  return cachedMaps;
}

/** Whether `id` (as seen inside this namespace) has an id behind it in the parent. */
export function isMappedId(map: readonly IdMapping[], id: number): boolean {
  return map.some((range) => id >= range.inside && id - range.inside < range.count);
}

/** The ids inside the namespace a map covers, for messages: `0–65535`, or `0, 1–65535` when the ranges do not join. */
export function describeIdMap(map: readonly IdMapping[]): string {
  const ranges = [...map].sort((a, b) => a.inside - b.inside);
  const joined: Array<[number, number]> = [];
  for (const { inside, count } of ranges) {
    const last = joined[joined.length - 1];
    if (last && last[1] + 1 === inside) last[1] = inside + count - 1;
    else joined.push([inside, inside + count - 1]);
  }
  return joined.map(([from, to]) => (from === to ? `${from}` : `${from}–${to}`)).join(', ');
}
