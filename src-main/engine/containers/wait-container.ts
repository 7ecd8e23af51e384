// wait: until the container's init has exited (the shim's exit file), then its exit code.
// The shim's write of exit.json wakes us through an inotify watch on the container's
// directory, so an exit is seen at once; the poll is the fallback without inotify.
import { DirectoryWatch, Waker } from '../store/file-watch';
import type { Store } from '../store/store';
import { isLive } from './container';
import { containerFile, findRecord } from './container-store';
import { observeState } from './observe-state';

const POLL_MS = 50;

export async function waitContainer(store: Store, ref: string, options: { signal?: AbortSignal; timeoutMs?: number } = {}): Promise<number | undefined> {
  const deadline = options.timeoutMs === undefined ? Infinity : Date.now() + options.timeoutMs;
  const record = await findRecord(store, ref);
  const waker = new Waker(options.signal ?? new AbortController().signal);
  const watch = new DirectoryWatch(containerFile(store, record.id, 'exit'), waker.notify);
  try {
    for (;;) {
      const state = await observeState(store, await findRecord(store, record.id));
      if (!isLive(state.status)) return state.exitCode;
      if (options.signal?.aborted || Date.now() >= deadline) return undefined;
      await waker.wait(Math.min(POLL_MS, Math.max(0, deadline - Date.now())));
    }
  } finally {
    watch.close();
    waker.dispose();
  }
}
