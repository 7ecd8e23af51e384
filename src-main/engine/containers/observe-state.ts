// What a container is doing now. The shim writes exit.json when the container's init exits,
// whether or not an engine was running; a record that still says "running" is brought up
// to date from it. Reading never writes: mutations settle the record under the lock.
import fs from 'node:fs';
import { processStartTime } from '../../../native/lib/index';
import type { ShimExit } from '../runtime/index';
import type { Store } from '../store/store';
import { type ContainerRecord, type ContainerState, isLive } from './container';
import { containerFile } from './container-store';

export function observeState(store: Store, record: ContainerRecord): ContainerState {
  if (!isLive(record.state.status)) return record.state;
  const exit = readExit(store, record.id);
  if (exit) return exitedState(record.state, exit);
  const { pid, pidStartTime, shimPid, shimStartTime } = record.state;
  if (pid !== undefined && !sameProcess(pid, pidStartTime)) {
    // The init is gone: its shim is about to write exit.json, unless the shim died too.
    if (shimPid !== undefined && sameProcess(shimPid, shimStartTime)) return record.state;
    if (readExit(store, record.id)) return exitedState(record.state, readExit(store, record.id)!);
    return { ...record.state, status: 'exited', exitCode: record.state.exitCode ?? 255, finishedAt: record.state.finishedAt ?? new Date().toISOString() };
  }
  return record.state;
}

export function readExit(store: Store, id: string): ShimExit | undefined {
  try {
    return JSON.parse(fs.readFileSync(containerFile(store, id, 'exit'), 'utf8')) as ShimExit;
  } catch {
    return undefined;
  }
}

function exitedState(state: ContainerState, exit: ShimExit): ContainerState {
  return { ...state, status: 'exited', exitCode: exit.exitCode, signal: exit.signal, oomKilled: exit.oomKilled, finishedAt: exit.finishedAt };
}

function sameProcess(pid: number, startTime: string | undefined): boolean {
  try {
    return startTime === undefined || processStartTime(pid).toString() === startTime;
  } catch {
    return false;
  }
}
