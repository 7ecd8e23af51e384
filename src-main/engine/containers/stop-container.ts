// stop: the image's StopSignal (or SIGTERM), then SIGKILL after the timeout (10 s).
import { isStrataError } from '@shared/errors';
import type { Store } from '../store/store';
import type { ContainerRecord } from './container';
import { findRecord, writeRecord } from './container-store';
import { runtimeVerb } from './runtime-root';
import { settle } from './settle';
import { checkTransition } from './transition';
import { waitContainer } from './wait-container';
import { unpauseLocked } from './pause-container';
import { readConfig, readManifest } from '../images/image-store';

export const DEFAULT_STOP_TIMEOUT_S = 10;

export async function stopContainer(store: Store, ref: string, options: { timeoutS?: number } = {}): Promise<ContainerRecord> {
  return store.write(async () => {
    let record = await settle(store, findRecord(store, ref));
    if (checkTransition('stop', record) === 'noop') return record;
    if (record.state.status === 'paused') record = await unpauseLocked(store, record); // a frozen process cannot handle its stop signal
    record = markStoppedByUser(store, record);
    const timeoutS = options.timeoutS ?? record.options.stopTimeout ?? DEFAULT_STOP_TIMEOUT_S;
    const signal = record.options.stopSignal ?? imageStopSignal(store, record) ?? 'SIGTERM';
    await signalContainer(store, record, signal);
    if ((await waitContainer(store, record.id, { timeoutMs: timeoutS * 1000 })) === undefined) {
      await signalContainer(store, record, 'SIGKILL');
      await waitContainer(store, record.id);
    }
    return settle(store, findRecord(store, record.id));
  });
}

/** kill: one signal to the container's init (all processes with SIGKILL, as docker does). */
export async function killContainer(store: Store, ref: string, signal = 'SIGKILL'): Promise<ContainerRecord> {
  return store.write(async () => {
    let record = await settle(store, findRecord(store, ref));
    checkTransition('kill', record);
    if (/^(SIG)?(KILL|TERM|INT)$|^(9|15|2)$/i.test(signal)) record = markStoppedByUser(store, record);
    await signalContainer(store, record, signal);
    return record;
  });
}

/** The restart policy leaves alone what a user stopped (the mark survives the exit: settle keeps it). */
function markStoppedByUser(store: Store, record: ContainerRecord): ContainerRecord {
  const marked: ContainerRecord = { ...record, state: { ...record.state, stoppedByUser: true } };
  writeRecord(store, marked);
  return marked;
}

async function signalContainer(store: Store, record: ContainerRecord, signal: string): Promise<void> {
  const args = signal === 'SIGKILL' || signal === 'KILL' || signal === '9' ? ['kill', '--all', record.id, 'KILL'] : ['kill', record.id, signal];
  await runtimeVerb(store, args, `signal ${record.name}`).catch((error: unknown) => {
    // it exited meanwhile (stopped, or already deleted by its shim's --rm)
    if (!isStrataError(error, 'CONFLICT') && !isStrataError(error, 'NOT_FOUND')) throw error;
  });
}

function imageStopSignal(store: Store, record: ContainerRecord): string | undefined {
  try {
    return readConfig(store, readManifest(store, record.image.manifestDigest).config.digest).config?.StopSignal;
  } catch {
    return undefined;
  }
}
