// Which containers the sampler reads: Strata's running containers, found cheaply enough to
// ask at every tick. A container runs while its cgroup exists, so the list is the
// engine's cgroups (one readdir of the parent) that are also containers of this store
// (a readdir of containers/, kept: read again only when a cgroup appears that it does not
// list, or every CONTAINERS_TTL_MS) — one directory read a tick, whatever the number of
// containers. (A container's directory never goes before its cgroup: remove stops it first.)
// Each container's record is read once, when its cgroup appears, for the pid of its init
// (the sampler checks that pid is still in the cgroup and picks another process
// otherwise, so a record read before a restart does no harm).
// Without cgroups (`containerProcTargets`) the records are the list.
import fs from 'node:fs';
import type { CgroupManager } from '../cgroups/manager';
import type { ContainerRecord } from '../containers/container';
import { containerFile } from '../containers/container-store';
import type { Store } from '../store/store';
import type { StatsTarget, StatsTargetSource } from './sampler';

async function readPid(store: Store, id: string): Promise<number | null> {
  try {
    const record = JSON.parse(await fs.promises.readFile(containerFile(store, id, 'record'), 'utf8')) as ContainerRecord;
    return record.state.pid ?? null;
  } catch {
    return null; // being created or removed right now
  }
}

/** How long a listing of containers/ is trusted when no unknown cgroup asks for a new one. */
const CONTAINERS_TTL_MS = 10_000;

export function containerStatsTargets(store: Store, cgroups: Pick<CgroupManager, 'list'>): StatsTargetSource {
  /** id → the init's pid from its record (null: not recorded yet, asked again next tick). */
  const pids = new Map<string, number | null>();
  let listed: { ids: Set<string>; at: number } | undefined;
  const containerIds = async (): Promise<Set<string>> => {
    const ids = new Set(await fs.promises.readdir(store.paths.containers).catch(() => [] as string[]));
    listed = { ids, at: Date.now() };
    return ids;
  };
  return async (): Promise<StatsTarget[]> => {
    const cgroupIds = await cgroups.list();
    const kept = listed !== undefined && Date.now() - listed.at < CONTAINERS_TTL_MS ? listed.ids : undefined;
    // A cgroup the kept listing does not know: a container started since (or a cgroup that is
    // no container of this store — another store's, a build step's — which costs the read it always did).
    const containers = kept !== undefined && cgroupIds.every((id) => kept.has(id)) ? kept : await containerIds();
    const live = cgroupIds.filter((id) => containers.has(id));
    const liveSet = new Set(live);
    // Forget containers that stopped, so a later start reads the new record.
    for (const id of pids.keys()) if (!liveSet.has(id)) pids.delete(id);
    await Promise.all(
      live.filter((id) => (pids.get(id) ?? null) === null).map(async (id) => pids.set(id, await readPid(store, id))),
    );
    return live.map((id) => ({ id, cgroupPath: id, pid: pids.get(id) ?? null }));
  };
}

/**
 * The targets when containers have no cgroup (rootless on v1, read by proc-reader.ts): the
 * store's records that say running, found by one readdir and a stat of each record a tick
 * (a record is read again only when it changed). `initPid` answers the reader for the same
 * containers; the reader itself checks the process is still there.
 */
export function containerProcTargets(store: Store): { targets: StatsTargetSource; initPid: (id: string) => number | null } {
  const known = new Map<string, { mtimeMs: number; pid: number | null }>();
  const targets = async (): Promise<StatsTarget[]> => {
    const ids = await fs.promises.readdir(store.paths.containers).catch(() => [] as string[]);
    const present = new Set(ids);
    for (const id of known.keys()) if (!present.has(id)) known.delete(id);
    await Promise.all(
      ids.map(async (id) => {
        const file = containerFile(store, id, 'record');
        const stat = await fs.promises.stat(file).catch(() => null);
        if (stat === null) return known.delete(id);
        if (known.get(id)?.mtimeMs === stat.mtimeMs) return;
        const running = await readRunningPid(file);
        known.set(id, { mtimeMs: stat.mtimeMs, pid: running });
      }),
    );
    return [...known.entries()].filter(([, each]) => each.pid !== null).map(([id, each]) => ({ id, cgroupPath: id, pid: each.pid }));
  };
  return { targets, initPid: (id) => known.get(id)?.pid ?? null };
}

async function readRunningPid(file: string): Promise<number | null> {
  try {
    const record = JSON.parse(await fs.promises.readFile(file, 'utf8')) as ContainerRecord;
    return record.state.status === 'running' || record.state.status === 'paused' ? (record.state.pid ?? null) : null;
  } catch {
    return null;
  }
}
