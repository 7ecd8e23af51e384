// What a container is doing now. The shim writes exit.json when the container's init exits,
// whether or not an engine was running; a record that still says "running" is brought up
// to date from it. Reading never writes: mutations settle the record under the lock.
import fs from 'node:fs';
import type { ShimExit } from '../runtime/index';
import { startTimeOf } from '../store/process-owner';
import type { Store } from '../store/store';
import { type ContainerRecord, type ContainerState, isLive } from './container';
import { containerFile } from './container-store';

export async function observeState(store: Store, record: ContainerRecord): Promise<ContainerState> {
  if (!isLive(record.state.status)) return record.state;
  const exit = await readExit(store, record.id);
  if (exit) return exitedState(record.state, exit);
  const { pid, pidStartTime, shimPid, shimStartTime } = record.state;
  if (pid !== undefined && !(await sameProcess(pid, pidStartTime))) {
    // The init is gone: its shim is about to write exit.json, unless the shim died too.
    if (shimPid !== undefined && (await sameProcess(shimPid, shimStartTime))) return record.state;
    const late = await readExit(store, record.id);
    if (late) return exitedState(record.state, late);
    const { network: _released, ...state } = record.state; // an exited container holds no address
    return { ...state, status: 'exited', exitCode: state.exitCode ?? 255, finishedAt: state.finishedAt ?? new Date().toISOString() };
  }
  return record.state;
}

export async function readExit(store: Store, id: string): Promise<ShimExit | undefined> {
  try {
    return JSON.parse(await fs.promises.readFile(containerFile(store, id, 'exit'), 'utf8')) as ShimExit;
  } catch {
    return undefined;
  }
}

/** Its exit as the shim recorded it; an exited container holds no address (settle releases it). */
function exitedState(live: ContainerState, exit: ShimExit): ContainerState {
  const { network: _released, ...state } = live;
  return {
    ...state,
    status: 'exited',
    exitCode: exit.exitCode,
    signal: exit.signal,
    oomKilled: exit.oomKilled,
    finishedAt: exit.finishedAt,
    ...(exit.memoryPeak === undefined ? {} : { memoryPeak: exit.memoryPeak }),
  };
}

/** Without a recorded start time there is nothing to compare: taken as the same. */
async function sameProcess(pid: number, startTime: string | undefined): Promise<boolean> {
  return startTime === undefined || (await startTimeOf(pid)) === startTime;
}
