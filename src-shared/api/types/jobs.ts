// Long work (import, pull, build, save, commit, prune) runs as a job: started by a call that
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
  /** What the job works on and where, for people (set by the API from the call when the job starts). */
  subject?: JobSubject;
  /** state `succeeded`: what it made, to open (set by the API from `result`). */
  made?: JobMade;
}

/**
 * What a job is about, the same for every client (a card, a CLI line): an import's
 * `test/a:1` from `/tmp/a.tar`, a pull's `busybox:1.36` from registry `docker.io`, a
 * build's tags from its context directory, a save's images to its output.
 */
export interface JobSubject {
  /**
   * What: the image reference(s) named (`busybox:1.36`; `app:v2, app:latest`), a build's
   * tags, a commit's new tag. Absent while unknown — an import given no tags learns its
   * images' names from the archive, and is named by them once it has succeeded.
   */
  what?: string;
  /** Where it reads from or writes to. */
  where?: JobPlace;
}

export interface JobPlace {
  /**
   * What the place is to the job: `source` a file or directory read (an import),
   * `destination` one written (a save), `registry` the registry pulled from, `context` a
   * build's context directory, `container` the container committed.
   */
  role: 'source' | 'destination' | 'registry' | 'context' | 'container';
  /** A path on the engine's machine, a registry (`docker.io`, `localhost:5000`), a container's name or ID as given. */
  place: string;
}

/** What a succeeded job made or wrote. */
export interface JobMade {
  /** The images imported, pulled, built, committed or saved: each with the name to show (its first tag, else its short ID). */
  images: { id: string; name: string }[];
  /** The file or directory written (a save to a path). */
  path?: string;
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
