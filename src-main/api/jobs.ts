// Long work as jobs: each gets an id, reports progress (throttled), can be cancelled
// through its AbortSignal, and ends once with a result or an error. Finished jobs are kept
// for a while, so a client that missed `jobs.done` can still read the outcome (jobs.get).
import { randomUUID } from 'node:crypto';
import { StrataError, toErrorShape } from '../shared/errors';
import type { JobInfo, JobProgress, JobProgressEvent } from './types/jobs';

/** What a job's work gets: the signal to stop at, and where to report progress. */
export interface JobControl {
  readonly signal: AbortSignal;
  progress(progress: JobProgress): void;
}

export interface JobEvents {
  progress(event: JobProgressEvent): void;
  done(job: JobInfo): void;
}

export interface JobRegistryOptions {
  /** Finished jobs remembered (the oldest are forgotten first). */
  keepFinished?: number;
  /** At most one progress event per job per this many ms (the latest report wins). */
  progressIntervalMs?: number;
}

interface Job {
  info: JobInfo;
  controller: AbortController;
  settled: Promise<void>;
  lastProgressAt: number;
  progressTimer?: NodeJS.Timeout;
}

export class JobRegistry {
  private readonly jobs = new Map<string, Job>(); // in start order
  private readonly keepFinished: number;
  private readonly progressIntervalMs: number;

  constructor(
    private readonly events: JobEvents,
    options: JobRegistryOptions = {},
  ) {
    this.keepFinished = options.keepFinished ?? 50;
    this.progressIntervalMs = options.progressIntervalMs ?? 200;
  }

  /** Starts `work` now and returns the job as started; the outcome comes as `done`. */
  start<R>(kind: string, work: (control: JobControl) => Promise<R>): JobInfo<R> {
    const controller = new AbortController();
    const job: Job = {
      info: { id: randomUUID(), kind, state: 'running', startedAt: new Date().toISOString() },
      controller,
      settled: Promise.resolve(),
      lastProgressAt: 0,
    };
    this.jobs.set(job.info.id, job);
    const control: JobControl = { signal: controller.signal, progress: (progress) => this.report(job, progress) };
    job.settled = startWork(work, control).then(
      (result) => this.finish(job, { state: 'succeeded', result }),
      (error: unknown) => this.finish(job, failure(error, controller.signal.aborted)),
    );
    return snapshot(job) as JobInfo<R>;
  }

  get(id: string): JobInfo {
    return snapshot(this.find(id));
  }

  list(): JobInfo[] {
    return [...this.jobs.values()].map(snapshot);
  }

  /** Asks a running job to stop; a finished one is left as it is. Answers the job as it stands. */
  cancel(id: string): JobInfo {
    const job = this.find(id);
    if (job.info.state === 'running') {
      job.info.cancelRequested = true;
      job.controller.abort(new StrataError('CANCELLED', `${job.info.kind} cancelled`));
    }
    return snapshot(job);
  }

  /** Cancels every running job and waits for each to end (shutting down). */
  async cancelAll(): Promise<void> {
    const running = [...this.jobs.values()].filter((job) => job.info.state === 'running');
    for (const job of running) this.cancel(job.info.id);
    await Promise.all(running.map((job) => job.settled));
  }

  private find(id: string): Job {
    const job = this.jobs.get(id);
    if (!job) throw new StrataError('NOT_FOUND', `no such job: ${id} (finished jobs are forgotten after the last ${this.keepFinished})`);
    return job;
  }

  private report(job: Job, progress: JobProgress): void {
    if (job.info.state !== 'running') return;
    job.info.progress = { ...progress };
    if (job.progressTimer) return; // the pending send carries the latest report
    const wait = job.lastProgressAt + this.progressIntervalMs - Date.now();
    if (wait <= 0) return this.sendProgress(job);
    job.progressTimer = setTimeout(() => {
      job.progressTimer = undefined;
      this.sendProgress(job);
    }, wait);
    job.progressTimer.unref();
  }

  private sendProgress(job: Job): void {
    const { id, kind, state, progress } = job.info;
    if (state !== 'running' || !progress) return;
    job.lastProgressAt = Date.now();
    this.events.progress({ id, kind, progress });
  }

  private finish(job: Job, outcome: Pick<JobInfo, 'state' | 'result' | 'error'>): void {
    clearTimeout(job.progressTimer);
    job.progressTimer = undefined;
    Object.assign(job.info, outcome, { finishedAt: new Date().toISOString() });
    this.forgetOldJobs();
    this.events.done(snapshot(job));
  }

  private forgetOldJobs(): void {
    const finished = [...this.jobs.values()].filter((job) => job.info.state !== 'running');
    for (const job of finished.slice(0, Math.max(0, finished.length - this.keepFinished))) this.jobs.delete(job.info.id);
  }
}

/** Runs `work` now (so it is listening to its signal before any cancel can come); a synchronous throw is a failed job too. */
function startWork<R>(work: (control: JobControl) => Promise<R>, control: JobControl): Promise<R> {
  try {
    return work(control);
  } catch (error) {
    return Promise.reject(error);
  }
}

/** A failure after cancel is the cancel's doing, whatever error the interrupted work threw. */
function failure(error: unknown, cancelled: boolean): Pick<JobInfo, 'state' | 'error'> {
  const shape = toErrorShape(error);
  if (shape.code === 'CANCELLED' || cancelled) return { state: 'cancelled', error: { code: 'CANCELLED', message: shape.message } };
  return { state: 'failed', error: shape };
}

function snapshot(job: Job): JobInfo {
  const { progress, error } = job.info;
  return { ...job.info, progress: progress && { ...progress }, error: error && { ...error } };
}
