// Long work (import, prune; later build and pull) runs as a job: started by a call that
// answers at once with the job, then progress events, then one `jobs.done` with the result.
import type { ErrorShape } from '../../errors';

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

/** What a line of a job's output is. */
export type JobOutputKind = 'step' | 'stdout' | 'stderr' | 'step-done' | 'warning' | 'note';

/** One line of a job's output: a build's steps and what their RUN instructions printed. */
export interface JobOutputLine {
  /** Its place in the job's output: 0, 1, 2, … without gaps. */
  seq: number;
  /**
   * A step starts (`text`: `STEP 3/10: RUN make`), a line the step printed, the step's end
   * (`text`: `Using cache` or how long it took), or a warning or a note about the whole job.
   */
  kind: JobOutputKind;
  text: string;
  /** The step it belongs to, from 1, when the work goes in steps. */
  step?: number;
  /** Kinds `step` and `step-done`: how many steps in all. */
  total?: number;
  /** Kind `step-done`: the step's result came from the build cache. */
  cached?: boolean;
  /** Kind `step-done`: the layer the step is about — a build step's chain id (if it made one), a pulled layer's blob digest. */
  layer?: string;
  /** Kind `step-done` of a pull: the layer blob's size. */
  bytes?: number;
}

/** `jobs.output`: a job's new output lines, in order, in batches at most ten a second; all sent before its `jobs.done`. */
export interface JobOutputEvent {
  jobId: string;
  lines: JobOutputLine[];
}

/** What `jobs.output` answers: the lines kept (a job keeps its last 5000) from `since` on. */
export interface JobOutput {
  jobId: string;
  lines: JobOutputLine[];
  /** The seq of the oldest line kept: the ones before it are forgotten. */
  first: number;
  /** The seq the next line will get (the number of lines so far). */
  next: number;
}
