// Long runs of synchronous work on the engine's thread — a tar's entries written one by one,
// a tree walked with lstat — give the event loop back every few milliseconds, so the window
// and the API it hosts stay responsive while an import or a build runs. The work itself stays
// synchronous where it must (confined writes go through fds, one syscall at a time); only the
// stretches between pauses are bounded.
import { performance } from 'node:perf_hooks';

/** How long a stretch of synchronous work may hold the loop before it yields. */
export const SLICE_MS = 4;

export class LoopBudget {
  private started = performance.now();

  constructor(private readonly sliceMs = SLICE_MS) {}

  /** True once this slice has used its time: the caller should `pause()` at its next safe point. */
  spent(): boolean {
    return performance.now() - this.started >= this.sliceMs;
  }

  /** Lets timers and I/O callbacks run when the slice is spent; otherwise returns at once. */
  async pause(): Promise<void> {
    if (!this.spent()) return;
    await yieldToLoop();
    this.started = performance.now();
  }
}

/** Resolves after the event loop has run its pending I/O and timers once. */
export function yieldToLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
