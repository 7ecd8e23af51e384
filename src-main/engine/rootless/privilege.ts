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
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return [];
  }
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
