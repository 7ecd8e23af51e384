// stop: the image's StopSignal (or SIGTERM), then SIGKILL after the timeout (10 s). The
// record says what was asked (`state.stopRequest`: the signal, when, the grace time, and
// when SIGKILL followed), so that a window can count the grace time down and an exit by
// SIGKILL after it reads as the stop it was, not as a crash.
import { isStrataError } from '@shared/errors';
import type { Store } from '../store/store';
import type { ContainerRecord, StopRequest } from './container';
import { writeRecord } from './container-store';
import { runtimeVerb } from './runtime-root';
import { checkTransition } from './transition';
import { withContainer } from './container-lock';
import { waitContainer } from './wait-container';
import { unpauseLocked } from './pause-container';
import { readImageConfigAsync } from '../images/image-store';

export const DEFAULT_STOP_TIMEOUT_S = 10;

export async function stopContainer(store: Store, ref: string, options: { timeoutS?: number } = {}): Promise<ContainerRecord> {
  const begun = await withContainer(store, ref, async (settled) => {
    let record = settled;
    if (checkTransition('stop', record) === 'noop') return { record, timeoutS: undefined };
    if (record.state.status === 'paused') record = await unpauseLocked(store, record); // a frozen process cannot handle its stop signal
    // recorded at create; a record from before that asks the image once more
    const signal = record.stopSignal ?? record.options.stopSignal ?? (await imageStopSignal(store, record)) ?? 'SIGTERM';
    const timeoutS = options.timeoutS ?? record.options.stopTimeout ?? DEFAULT_STOP_TIMEOUT_S;
    record = await markStopRequested(store, record, { kind: 'stop', signal, at: new Date().toISOString(), timeoutS });
    await signalContainer(store, record, signal);
    return { record, timeoutS };
  });
  if (begun.timeoutS === undefined) return begun.record; // nothing to stop
  const { id } = begun.record;
  // The grace time holds no lock: a kill, a second stop or an rm -f may act meanwhile.
  if ((await waitContainer(store, id, { timeoutMs: begun.timeoutS * 1000 })) === undefined) {
    await withContainer(store, id, async (record) => {
      if (record.state.status !== 'running' && record.state.status !== 'paused') return;
      await signalContainer(store, await markKilled(store, record), 'SIGKILL');
    });
    await waitContainer(store, id);
  }
  return withContainer(store, id, async (record) => record); // settled: its exit recorded
}

/** kill: one signal to the container's init (all processes with SIGKILL, as docker does). */
export async function killContainer(store: Store, ref: string, signal = 'SIGKILL'): Promise<ContainerRecord> {
  return withContainer(store, ref, async (settled) => {
    let record = settled;
    checkTransition('kill', record);
    if (/^(SIG)?(KILL|TERM|INT)$|^(9|15|2)$/i.test(signal)) {
      const stopping = record.state.stopRequest?.kind === 'stop' && !record.state.stopRequest.killedAt;
      // during a stop's grace time a kill is the stop cut short ("Kill now"), not a kill of its own
      if (stopping && /KILL|^9$/i.test(signal)) record = await markKilled(store, record);
      else if (!stopping) record = await markStopRequested(store, record, { kind: 'kill', signal, at: new Date().toISOString() });
    }
    await signalContainer(store, record, signal);
    return record;
  });
}

/**
 * What the user asked, in the record before the signal goes. The restart policy leaves alone
 * what a user stopped (`stoppedByUser`); both marks survive the exit (settle keeps them).
 */
async function markStopRequested(store: Store, record: ContainerRecord, request: StopRequest): Promise<ContainerRecord> {
  const marked: ContainerRecord = { ...record, state: { ...record.state, stoppedByUser: true, stopRequest: request } };
  await writeRecord(store, marked);
  return marked;
}

/** A stop that ends by SIGKILL: when it was sent. */
async function markKilled(store: Store, record: ContainerRecord): Promise<ContainerRecord> {
  const request = record.state.stopRequest;
  if (!request || request.kind !== 'stop' || request.killedAt) return record;
  return markStopRequested(store, record, { ...request, killedAt: new Date().toISOString() });
}

async function signalContainer(store: Store, record: ContainerRecord, signal: string): Promise<void> {
  const args = signal === 'SIGKILL' || signal === 'KILL' || signal === '9' ? ['kill', '--all', record.id, 'KILL'] : ['kill', record.id, signal];
  await runtimeVerb(store, args, `signal ${record.name}`).catch((error: unknown) => {
    // it exited meanwhile (stopped, or already deleted by its shim's --rm)
    if (!isStrataError(error, 'CONFLICT') && !isStrataError(error, 'NOT_FOUND')) throw error;
  });
}

async function imageStopSignal(store: Store, record: ContainerRecord): Promise<string | undefined> {
  try {
    return (await readImageConfigAsync(store, record.image.manifestDigest)).config?.StopSignal;
  } catch {
    return undefined;
  }
}
