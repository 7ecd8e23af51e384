// Restart policies in action, while a long-lived engine (the window, `strata serve`) runs:
// a cheap poll of the container records finds exits — ours and those that happened while
// no engine ran — and starts each container again when its back-off is over. Several
// engines may poll at once: the restart re-checks the record under the store lock, so a
// container is restarted once per exit. The same poll settles an exited container whose
// network runs a process of its own (the rootless engine's slirp4netns or pasta).
import type { Store } from '../store/store';
import type { ContainerRecord } from './container';
import { findRecord, listRecords } from './container-store';
import { observeState } from './observe-state';
import { MAX_BACKOFF_MS, restartDecision } from './restart-policy';
import { settle } from './settle';
import { withContainer, withContainerLock } from './container-lock';
import { defaultNetworkMode, hasNetworkHelper } from '../network/default-network';

export interface RestartMonitorOptions {
  pollMs?: number;
  /** Told of every restart and every failed one (a failing start is retried after the back-off). */
  onRestart?: (record: ContainerRecord, error?: Error) => void;
}

export class RestartMonitor {
  private timer: NodeJS.Timeout | undefined;
  private busy = false;
  /** A start that failed is not retried before this time (ms), doubling like the back-off. */
  private readonly retryAfter = new Map<string, { atMs: number; delayMs: number }>();

  constructor(
    private readonly store: Store,
    private readonly options: RestartMonitorOptions = {},
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick(), this.options.pollMs ?? 1000);
    this.timer.unref();
    void this.tick();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One pass: restarts every container whose policy and back-off say so now. */
  async tick(now = Date.now()): Promise<void> {
    if (this.busy) return; // a slow pass is not queued behind itself
    this.busy = true;
    try {
      for (const record of await listRecords(this.store)) {
        const policy = record.options.restart !== undefined && record.options.restart.name !== 'no';
        // A container whose network has a process of its own (slirp4netns, pasta) is settled once it
        // is seen exited: the process, and the host ports it holds, must not outlive it.
        const helper = record.state.status === 'running' && hasNetworkHelper(record.options.network ?? defaultNetworkMode());
        if (!policy && !helper) continue;
        const observed = { ...record, state: await observeState(this.store, record) };
        const decision = restartDecision(observed);
        if (!policy || !decision.restart) {
          if (helper && observed.state.status === 'exited') await withContainer(this.store, record.id, async () => undefined).catch(() => undefined);
          continue;
        }
        if (decision.atMs > now || (this.retryAfter.get(record.id)?.atMs ?? 0) > now) continue;
        await this.restart(record.id, observed.state.finishedAt, decision.backoffMs);
      }
    } finally {
      this.busy = false;
    }
  }

  private async restart(id: string, finishedAt: string | undefined, backoffMs: number): Promise<void> {
    let record: ContainerRecord | undefined;
    try {
      await withContainerLock(this.store, id, async () => {
        record = await settle(this.store, await findRecord(this.store, id));
        const decision = restartDecision(record);
        // Another engine, or the user, got there first.
        if (!decision.restart || record.state.finishedAt !== finishedAt) return;
        // Loaded at the first restart: a front end that never restarts anything (most CLI
        // commands watch nothing) does not parse the start path.
        const { startLocked } = await import('./start-container');
        record = await startLocked(this.store, record, { count: decision.count, backoffMs: decision.backoffMs });
        this.retryAfter.delete(id);
        this.options.onRestart?.(record);
      });
    } catch (error) {
      const delayMs = Math.min(2 * (this.retryAfter.get(id)?.delayMs ?? backoffMs), MAX_BACKOFF_MS);
      this.retryAfter.set(id, { atMs: Date.now() + delayMs, delayMs });
      if (record) this.options.onRestart?.(record, error as Error);
    }
  }
}
