// Long work as jobs: each gets an id, reports progress (throttled), can be cancelled
// through its AbortSignal, and ends once with a result or an error. Finished jobs are kept
// for a while, so a client that missed `jobs.done` can still read the outcome (jobs.get).
// A job may also write output lines (a build's steps and RUN output): all of them go out as
// `jobs.output` batches, at most one per 100 ms, and the last 5000 stay for late readers.
import { randomUUID } from 'node:crypto';
import { StrataError, toErrorShape } from '@shared/errors';
import type { JobInfo, JobMade, JobOutput, JobOutputEvent, JobOutputLine, JobProgress, JobProgressEvent, JobSubject } from '@shared/api/types/jobs';

/** What a job's work gets: the signal to stop at, and where to report progress. */
export interface JobControl {
  readonly signal: AbortSignal;
  progress(progress: JobProgress): void;
  /** One line of output: every line is sent, in order (see JobRegistry). */
  output(line: Omit<JobOutputLine, 'seq'>): void;
}

/** What a job is about (job-subjects.ts): kept in its info from the start, and what it made added at a success. */
export interface JobDescription<R> {
  subject?: JobSubject;
  made?(result: R): JobMade;
}

export interface JobEvents {
  progress(event: JobProgressEvent): void;
  /** New output lines of one job; a job's last batch comes before its `done`. */
  output(event: JobOutputEvent): void;
  done(job: JobInfo): void;
}

export interface JobRegistryOptions {
  /** Finished jobs remembered (the oldest are forgotten first). */
  keepFinished?: number;
  /** At most one progress event per job per this many ms (the latest report wins). */
  progressIntervalMs?: number;
  /** At most one output batch per job per this many ms (every line is in one). */
  outputIntervalMs?: number;
  /** Output lines kept per job for jobs.output, the newest; and at most this many characters of them. */
  keepOutputLines?: number;
  keepOutputChars?: number;
}

/** A longer output line is cut here: one line cannot take a job's whole allowance. */
const MAX_LINE_CHARS = 8192;

/** A job's output: the lines kept for late readers, and those not yet sent. */
interface Output {
  kept: JobOutputLine[];
  keptChars: number;
  next: number;
  pending: JobOutputLine[];
  lastSentAt: number;
  timer?: NodeJS.Timeout;
}

interface Job {
  info: JobInfo;
  made?(result: unknown): JobMade;
  controller: AbortController;
  settled: Promise<void>;
  lastProgressAt: number;
  progressTimer?: NodeJS.Timeout;
  output: Output;
}

export class JobRegistry {
  private readonly jobs = new Map<string, Job>(); // in start order
  private readonly keepFinished: number;
  private readonly progressIntervalMs: number;
  private readonly outputIntervalMs: number;
  private readonly keepOutputLines: number;
  private readonly keepOutputChars: number;

  constructor(
    private readonly events: JobEvents,
    options: JobRegistryOptions = {},
  ) {
    this.keepFinished = options.keepFinished ?? 50;
    this.progressIntervalMs = options.progressIntervalMs ?? 200;
    this.outputIntervalMs = options.outputIntervalMs ?? 100;
    this.keepOutputLines = options.keepOutputLines ?? 5000;
    this.keepOutputChars = options.keepOutputChars ?? 1 << 20;
  }

  /** Starts `work` now and returns the job as started; the outcome comes as `done`. */
  start<R>(kind: string, work: (control: JobControl) => Promise<R>, description: JobDescription<R> = {}): JobInfo<R> {
    const controller = new AbortController();
    const { subject, made } = description;
    const job: Job = {
      info: { id: randomUUID(), kind, state: 'running', startedAt: new Date().toISOString(), ...(subject ? { subject } : {}) },
      made: made as ((result: unknown) => JobMade) | undefined,
      controller,
      settled: Promise.resolve(),
      lastProgressAt: 0,
      output: { kept: [], keptChars: 0, next: 0, pending: [], lastSentAt: 0 },
    };
    this.jobs.set(job.info.id, job);
    const control: JobControl = { signal: controller.signal, progress: (progress) => this.report(job, progress), output: (line) => this.write(job, line) };
    job.settled = startWork(work, control).then(
      (result) => this.finish(job, { state: 'succeeded', result, ...madeBy(job, result) }),
      (error: unknown) => this.finish(job, failure(error, controller.signal.aborted)),
    );
    return snapshot(job) as JobInfo<R>;
  }

  get(id: string): JobInfo {
    return snapshot(this.find(id));
  }

  /** The job's kept output lines from `since` (a seq) on. */
  output(id: string, since = 0): JobOutput {
    const { kept, next } = this.find(id).output;
    const oldest = Math.max(0, kept.length - this.keepOutputLines); // kept may run a little over
    const first = kept[oldest]?.seq ?? next;
    const from = oldest + Math.max(0, since - first);
    return { jobId: id, lines: kept.slice(from), first, next };
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

  private write(job: Job, line: Omit<JobOutputLine, 'seq'>): void {
    if (job.info.state !== 'running') return;
    const output = job.output;
    const text = line.text.length > MAX_LINE_CHARS ? `${line.text.slice(0, MAX_LINE_CHARS)}…` : line.text;
    const entry: JobOutputLine = { ...line, text, seq: output.next++ };
    output.kept.push(entry);
    output.keptChars += text.length;
    this.forgetOldOutput(output);
    output.pending.push(entry);
    if (output.timer) return; // the pending batch takes this line too
    const wait = Math.max(0, output.lastSentAt + this.outputIntervalMs - Date.now());
    output.timer = setTimeout(() => this.sendOutput(job), wait);
    output.timer.unref();
  }

  /**
   * Keeps the newest lines within both limits (the newest line always). Cut in bulk, not a
   * line at a time: the lines may run a quarter over their limit, and going over the
   * characters cuts down to four fifths of it.
   */
  private forgetOldOutput(output: Output): void {
    let drop = output.kept.length > this.keepOutputLines * 1.25 ? output.kept.length - this.keepOutputLines : 0;
    if (output.keptChars > this.keepOutputChars) {
      let chars = output.keptChars;
      for (let i = 0; i < output.kept.length - 1 && chars > this.keepOutputChars * 0.8; i++) {
        chars -= output.kept[i]!.text.length;
        drop = Math.max(drop, i + 1);
      }
    }
    if (drop === 0) return;
    for (const line of output.kept.splice(0, drop)) output.keptChars -= line.text.length;
  }

  private sendOutput(job: Job): void {
    const output = job.output;
    clearTimeout(output.timer);
    output.timer = undefined;
    if (output.pending.length === 0) return;
    const lines = output.pending;
    output.pending = [];
    output.lastSentAt = Date.now();
    this.events.output({ jobId: job.info.id, lines });
  }

  private finish(job: Job, outcome: Pick<JobInfo, 'state' | 'result' | 'error' | 'subject' | 'made'>): void {
    clearTimeout(job.progressTimer);
    job.progressTimer = undefined;
    this.sendOutput(job); // every line before the end
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

/**
 * What a succeeded job made, and its subject named by it where the start could not (an
 * import given no tags: its images' names). A describer that throws costs the job its
 * `made`, never its success.
 */
function madeBy(job: Job, result: unknown): Pick<JobInfo, 'subject' | 'made'> {
  if (!job.made) return {};
  let made: JobMade;
  try {
    made = job.made(result);
  } catch {
    return {};
  }
  const subject = job.info.subject;
  if (subject?.what || made.images.length === 0) return { made };
  const names = made.images.map((image) => image.name);
  return { made, subject: { ...subject, what: names.length > 3 ? `${names.slice(0, 3).join(', ')} and ${names.length - 3} more` : names.join(', ') } };
}

/** A failure after cancel is the cancel's doing, whatever error the interrupted work threw. */
function failure(error: unknown, cancelled: boolean): Pick<JobInfo, 'state' | 'error'> {
  const shape = toErrorShape(error);
  if (shape.code === 'CANCELLED' || cancelled) return { state: 'cancelled', error: { code: 'CANCELLED', message: shape.message } };
  return { state: 'failed', error: shape };
}

function snapshot(job: Job): JobInfo {
  const { progress, error, subject, made } = job.info;
  return {
    ...job.info,
    progress: progress && { ...progress },
    error: error && { ...error },
    subject: subject && { ...subject, where: subject.where && { ...subject.where } },
    made: made && { ...made, images: made.images.map((image) => ({ ...image })) },
  };
}
