// wait: until the container's init has exited (the shim's exit file), then its exit code.
import type { Store } from '../store/store';
import { findRecord } from './container-store';
import { isLive } from './container';
import { observeState } from './observe-state';

const POLL_MS = 50;

export async function waitContainer(store: Store, ref: string, options: { signal?: AbortSignal; timeoutMs?: number } = {}): Promise<number | undefined> {
  const deadline = options.timeoutMs === undefined ? Infinity : Date.now() + options.timeoutMs;
  const record = findRecord(store, ref);
  for (;;) {
    const state = observeState(store, findRecord(store, record.id));
    if (!isLive(state.status)) return state.exitCode;
    if (options.signal?.aborted || Date.now() >= deadline) return undefined;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
