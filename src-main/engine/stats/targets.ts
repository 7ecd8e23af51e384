// Which containers the sampler reads: Strata's running containers, found cheaply enough to
// ask at every tick. A container runs while its cgroup exists, so the list is the
// engine's cgroups (one readdir of the parent) that are also containers of this store
// (one readdir of containers/) — two directory reads, whatever the number of containers.
// Each container's record is read once, when its cgroup appears, for the pid of its init
// (the sampler checks that pid is still in the cgroup and picks another process
// otherwise, so a record read before a restart does no harm).
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

export function containerStatsTargets(store: Store, cgroups: Pick<CgroupManager, 'list'>): StatsTargetSource {
  /** id → the init's pid from its record (null: not recorded yet, asked again next tick). */
  const pids = new Map<string, number | null>();
  return async (): Promise<StatsTarget[]> => {
    const [cgroupIds, containerIds] = await Promise.all([
      cgroups.list(),
      fs.promises.readdir(store.paths.containers).catch(() => [] as string[]),
    ]);
    const containers = new Set(containerIds);
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
