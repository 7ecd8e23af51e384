// Long work (import, prune; later build and pull) runs as a job: started by a call that
// answers at once with the job, then progress events, then one `jobs.done` with the result.
import type { ErrorShape } from '../../shared/errors';

export type JobState = 'running' | 'succeeded' | 'failed' | 'cancelled';

/** Where a job stands: its current step, and counts where the work knows them. */
export interface JobProgress {
  /** A short machine-readable step name, e.g. `reading`, `layer`, `committing`. */
  step: string;
  /** The step for people: `layer 2 of 3`. */
  message: string;
  /** Units (e.g. layers) finished, and how many in all. */
  done?: number;
  total?: number;
  /** Bytes processed in the current unit, and how many it has (when known). */
  bytes?: number;
  totalBytes?: number;
}

export interface JobInfo<Result = unknown> {
  id: string;
  /** The method that started it, e.g. `images.import`. */
  kind: string;
  state: JobState;
  startedAt: string;
  finishedAt?: string;
  /** The latest progress report. */
  progress?: JobProgress;
  /** jobs.cancel was asked; the work may still finish (what it did is then kept). */
  cancelRequested?: boolean;
  /** state `succeeded`: what the method's work returned. */
  result?: Result;
  /** state `failed` or `cancelled`: why. */
  error?: ErrorShape;
}

/** `jobs.progress`: throttled to a few a second per job; the last one before the end may be skipped. */
export interface JobProgressEvent {
  id: string;
  kind: string;
  progress: JobProgress;
}
