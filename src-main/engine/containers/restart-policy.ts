// Whether, and when, a container that exited is started again by its restart policy —
// docker's rules: `always` and `unless-stopped` restart whatever the exit code,
// `on-failure[:N]` only after a non-zero exit and at most N times; nothing restarts a
// container a user stopped. Back-off as docker: 100 ms, doubling up to a minute, back to
// 100 ms once a run lasted 10 s. Pure: the monitor supplies the clock.
import type { ContainerRecord } from './container';

export const FIRST_BACKOFF_MS = 100;
export const MAX_BACKOFF_MS = 60_000;
/** A run at least this long counts as healthy: the back-off starts over. */
export const HEALTHY_RUN_MS = 10_000;

export type RestartDecision = { restart: false } | { restart: true; atMs: number; count: number; backoffMs: number };

export function restartDecision(record: ContainerRecord): RestartDecision {
  const policy = record.options.restart ?? { name: 'no' };
  const { state } = record;
  if (policy.name === 'no' || state.status !== 'exited' || state.stoppedByUser) return { restart: false };
  const count = state.restartCount ?? 0;
  if (policy.name === 'on-failure') {
    if ((state.exitCode ?? 0) === 0 && !state.signal) return { restart: false };
    if (policy.maxRetries !== undefined && policy.maxRetries > 0 && count >= policy.maxRetries) return { restart: false };
  }
  const finished = Date.parse(state.finishedAt ?? '') || 0;
  const started = Date.parse(state.startedAt ?? '') || finished;
  const healthy = finished - started >= HEALTHY_RUN_MS;
  const backoffMs = healthy || !state.backoffMs ? FIRST_BACKOFF_MS : Math.min(state.backoffMs * 2, MAX_BACKOFF_MS);
  return { restart: true, atMs: finished + backoffMs, count: count + 1, backoffMs };
}
