// What the engine may do with cgroups, decided once from its privilege and the machine:
//
//   full       the host's root: the engine's own parent `strata` under every hierarchy.
//   delegated  rootless on cgroup v2 inside a subtree the user owns (systemd's
//              user@UID.service is delegated to the user, `Delegate=yes`): containers go
//              under `<that cgroup>/strata`, with the controllers it hands down.
//   none       rootless anywhere else — cgroup v1 (nothing in a v1 hierarchy can be given to
//              a user), or v2 without a delegated subtree: containers get no cgroup, limits
//              and pause are refused with the reason, stats come from /proc.
//
// The delegated subtree is found from the process's own cgroup (`0::<path>` in
// /proc/self/cgroup) walking up while the directory is ours: the nearest one that hands
// controllers down (`cgroup.subtree_control` not empty) is where containers can go. The
// process's own leaf cannot be it when it holds processes (cgroup v2's "no internal
// processes" rule), which is why the walk goes up. Pure on an injected root, so the
// rules are tested on fixture trees (test/fixtures/cgroupfs/v2-delegated).
import fs from 'node:fs';
import path from 'node:path';
import { StrataError } from '@shared/errors';
import { type CgroupLayout, detectCgroupLayout } from '../cgroups/detect';
import { DEFAULT_PARENT } from '../cgroups/paths';
import { type Privilege, enginePrivilege } from './privilege';

export type CgroupAccess =
  | { kind: 'full'; parent: string }
  | { kind: 'delegated'; parent: string; controllers: string[] }
  | { kind: 'none'; reason: string };

export interface DelegatedCgroup {
  /** The delegated cgroup, relative to the v2 mount point, no leading slash. */
  path: string;
  /** The controllers it hands down (its cgroup.subtree_control). */
  controllers: string[];
}

/** The unified path of a process (`0::/a/b` → `a/b`), from the text of /proc/<pid>/cgroup; null on a v1-only line set. */
export function unifiedCgroupPath(procCgroup: string): string | null {
  for (const line of procCgroup.split('\n')) {
    if (line.startsWith('0::')) return line.slice(3).trim().replace(/^\/+/, '');
  }
  return null;
}

function ownedBy(file: string, uid: number): boolean {
  try {
    return fs.statSync(file).uid === uid;
  } catch {
    return false;
  }
}

function controllersOf(file: string): string[] {
  try {
    return fs.readFileSync(file, 'utf8').split(/\s+/).filter(Boolean);
  } catch {
    return [];
  }
}

/**
 * The nearest cgroup at or above `processPath` (relative to `mountPoint`) that `uid` owns
 * (the directory and the files a delegation hands over: cgroup.procs and
 * cgroup.subtree_control) and that hands controllers down; null when there is none.
 */
export function findDelegatedCgroup(mountPoint: string, processPath: string, uid: number): DelegatedCgroup | null {
  const parts = processPath.split('/').filter(Boolean);
  for (let depth = parts.length; depth > 0; depth--) {
    const rel = parts.slice(0, depth).join('/');
    const dir = path.join(mountPoint, rel);
    const ours = [dir, path.join(dir, 'cgroup.procs'), path.join(dir, 'cgroup.subtree_control')].every((file) => ownedBy(file, uid));
    if (!ours) return null; // above the delegation: nothing higher can be ours either
    const controllers = controllersOf(path.join(dir, 'cgroup.subtree_control'));
    if (controllers.length > 0) return { path: rel, controllers };
  }
  return null;
}

// Said for limits and for pause alike (the window shows them under both): what is missing, then what would give it.
export const V1_REASON = 'rootless on cgroup v1 gives containers no cgroup; limits and pause need cgroup v2 with a delegated subtree (a systemd user slice)';
export const V2_UNDELEGATED_REASON =
  "rootless without a delegated cgroup gives containers no cgroup; limits and pause need a delegated subtree (run the engine in the user's systemd session, whose user@UID.service is delegated)";

export interface CgroupAccessInput {
  privilege: Privilege;
  layout: CgroupLayout;
  /** The text of /proc/self/cgroup. */
  procCgroup: string;
  uid: number;
}

/** The decision of the header, from what was read (pure). */
export function cgroupAccessFrom(input: CgroupAccessInput): CgroupAccess {
  if (input.privilege === 'root') return { kind: 'full', parent: DEFAULT_PARENT };
  if (input.layout.version === 'v1') return { kind: 'none', reason: V1_REASON };
  const own = unifiedCgroupPath(input.procCgroup);
  const delegated = own === null ? null : findDelegatedCgroup(input.layout.mountPoint, own, input.uid);
  if (delegated === null) return { kind: 'none', reason: V2_UNDELEGATED_REASON };
  return { kind: 'delegated', parent: `${delegated.path}/${DEFAULT_PARENT}`, controllers: delegated.controllers };
}

let cached: Promise<CgroupAccess> | undefined;

/** This engine's cgroup access: read once (privilege, layout and the process's cgroup do not change while it runs). */
export function engineCgroupAccess(): Promise<CgroupAccess> {
  cached ??= (async () => {
    const privilege = enginePrivilege();
    if (privilege === 'root') return { kind: 'full', parent: DEFAULT_PARENT } as const;
    const layout = await detectCgroupLayout().catch(() => undefined);
    if (layout === undefined) return { kind: 'none', reason: 'no cgroup hierarchy is mounted' } as const;
    const procCgroup = await fs.promises.readFile('/proc/self/cgroup', 'utf8').catch(() => '');
    return cgroupAccessFrom({ privilege, layout, procCgroup, uid: process.getuid?.() ?? 0 });
  })();
  return cached;
}

/** The container option → the v2 controller it needs. */
const CONTROLLER_OF = {
  memory: 'memory',
  memorySwap: 'memory',
  memoryReservation: 'memory',
  cpus: 'cpu',
  cpuShares: 'cpu',
  pidsLimit: 'pids',
} as const;

/** The CLI's spelling of each limit, for messages. */
const FLAG_OF: Record<keyof typeof CONTROLLER_OF, string> = {
  memory: '--memory',
  memorySwap: '--memory-swap',
  memoryReservation: '--memory-reservation',
  cpus: '--cpus',
  cpuShares: '--cpu-shares',
  pidsLimit: '--pids-limit',
};

/**
 * Refuses limits this engine cannot set (UNSUPPORTED, naming them and why). `-1`/0
 * ("unlimited") is no limit and passes.
 */
export function checkLimitsAllowed(access: CgroupAccess, options: Partial<Record<keyof typeof CONTROLLER_OF, number>>): void {
  if (access.kind === 'full') return;
  const asked = (Object.keys(CONTROLLER_OF) as Array<keyof typeof CONTROLLER_OF>).filter((key) => {
    const value = options[key];
    return value !== undefined && value > 0;
  });
  if (asked.length === 0) return;
  const flags = asked.map((key) => FLAG_OF[key]).join(', ');
  if (access.kind === 'none') throw new StrataError('UNSUPPORTED', `${flags}: ${access.reason}`);
  const missing = [...new Set(asked.map((key) => CONTROLLER_OF[key]))].filter((controller) => !access.controllers.includes(controller));
  if (missing.length > 0) {
    throw new StrataError('UNSUPPORTED', `${flags}: the delegated cgroup ${access.parent} does not hand down the ${missing.join(', ')} controller${missing.length > 1 ? 's' : ''} (systemd: Delegate= of user@.service)`);
  }
}

/** Refuses what needs the container's cgroup at all (pause needs its freezer). */
export function checkCgroupFor(access: CgroupAccess, what: string): void {
  if (access.kind === 'none') throw new StrataError('UNSUPPORTED', `${what}: ${access.reason}`);
}

/** The runtime spec's cgroupsPath for a cgroup `name` under the engine's parent, as spec input: none when containers get no cgroup. */
export function cgroupsPathOption(access: CgroupAccess, name: string): { cgroupsPath?: string } {
  return access.kind === 'none' ? {} : { cgroupsPath: `/${access.parent}/${name}` };
}

/** The engine's parent cgroup, relative to the hierarchy's root (readers are given it; `strata` when there is none to read). */
export function cgroupParent(access: CgroupAccess): string {
  return access.kind === 'none' ? DEFAULT_PARENT : access.parent;
}
