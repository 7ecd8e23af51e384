// pause / unpause: the cgroup freezer stops every process of the container at once
// (v1 freezer.state, v2 cgroup.freeze) without them noticing. The runtime's pause and
// resume verbs do it (the engine's cgroup drivers only read). A container without a cgroup
// (rootless on cgroup v1) cannot be paused: refused with the reason.
import { checkCgroupFor, engineCgroupAccess } from '../rootless/cgroup-access';
import type { Store } from '../store/store';
import type { ContainerRecord } from './container';
import { writeRecord } from './container-store';
import { runtimeVerb } from './runtime-root';
import { checkTransition } from './transition';
import { withContainer } from './container-lock';

export async function pauseContainer(store: Store, ref: string): Promise<ContainerRecord> {
  return withContainer(store, ref, async (record) => {
    checkCgroupFor(await engineCgroupAccess(), 'pause'); // whatever its state: it never can be
    checkTransition('pause', record);
    await runtimeVerb(store, ['pause', record.id], `pause ${record.name}`);
    const paused: ContainerRecord = { ...record, state: { ...record.state, status: 'paused' } };
    await writeRecord(store, paused);
    return paused;
  });
}

export async function unpauseContainer(store: Store, ref: string): Promise<ContainerRecord> {
  return withContainer(store, ref, (record) => unpauseLocked(store, record));
}

/** Thaws a paused container (the caller holds the container's lock). */
export async function unpauseLocked(store: Store, record: ContainerRecord): Promise<ContainerRecord> {
  checkTransition('unpause', record);
  await runtimeVerb(store, ['resume', record.id], `unpause ${record.name}`);
  const running: ContainerRecord = { ...record, state: { ...record.state, status: 'running' } };
  await writeRecord(store, running);
  return running;
}
