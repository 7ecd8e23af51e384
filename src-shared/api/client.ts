// The typed client over any transport (Electron IPC, WebSocket), derived from the table:
//   const api = createClient(transport);
//   const images = await api.call('images.list');
//   const stop = api.on('containers.changed', ({ id, container }) => …);
//   const imported = await api.runJob('images.import', { path }, { onProgress });
// Runs in the renderer: types only from the table, nothing from node.
import { ApiError } from './api-error';
import type { EventName, EventPayload, JobMethodName, JobResult, MethodInput, MethodName, MethodOutput } from './contract';
import type { Reply, Transport } from './protocol';
import type { JobInfo, JobOutputEvent, JobOutputLine, JobProgress, JobProgressEvent } from './types/jobs';

/** Methods whose input is all optional (an empty object would do) may be called without one. */
type InputArgs<M extends MethodName> = Record<string, never> extends MethodInput<M> ? [input?: MethodInput<M>] : [input: MethodInput<M>];

export interface JobOptions {
  /** Told of the job as soon as it has started (its id, for showing or cancelling). */
  onStarted?: (job: JobInfo) => void;
  onProgress?: (progress: JobProgress) => void;
  /**
   * Told of the job's output lines (a build's steps and RUN output): each line once, in
   * order, none missing — lines sent before this client listened are read with jobs.output.
   */
  onOutput?: (lines: JobOutputLine[]) => void;
  /** Aborting cancels the job (jobs.cancel); the promise then rejects with CANCELLED, unless the work had finished. */
  signal?: AbortSignal;
}

export interface ApiClient {
  /** Calls a method; rejects with an ApiError carrying the engine's code. */
  call<M extends MethodName>(method: M, ...input: InputArgs<M>): Promise<MethodOutput<M>>;
  /** Listens to an event until the returned function is called. */
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void;
  /** Runs a job method to its end: resolves with its result, rejects with its error. */
  runJob<M extends JobMethodName>(method: M, input: MethodInput<M>, options?: JobOptions): Promise<JobResult<M>>;
}

export function unwrapReply(reply: Reply): unknown {
  if ('error' in reply) throw new ApiError(reply.error.code, reply.error.message);
  return reply.result;
}

export function createClient(transport: Transport): ApiClient {
  const call = async <M extends MethodName>(method: M, ...input: InputArgs<M>): Promise<MethodOutput<M>> =>
    unwrapReply(await transport.invoke(method, input[0] ?? {})) as MethodOutput<M>;

  const on = <E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): (() => void) =>
    transport.subscribe(event, (payload) => listener(payload as EventPayload<E>));

  async function runJob<M extends JobMethodName>(method: M, input: MethodInput<M>, options: JobOptions = {}): Promise<JobResult<M>> {
    // Listen before starting: events of the job may arrive before the answer that names it
    // (even in the same network read), so until then they are kept, then replayed.
    let id: string | undefined;
    const early: { done?: JobInfo; progress?: JobProgressEvent; output?: JobOutputEvent }[] = [];
    let finish!: (job: JobInfo) => void;
    const ended = new Promise<JobInfo>((resolve) => (finish = resolve));
    const onDone = (job: JobInfo): void => {
      if (id === undefined) early.push({ done: job });
      else if (job.id === id) finish(job);
    };
    const onProgress = (event: JobProgressEvent): void => {
      if (id === undefined) early.push({ progress: event });
      else if (event.id === id) options.onProgress?.(event.progress);
    };
    const output = options.onOutput && jobOutput(options.onOutput, (since) => call('jobs.output', { id: id!, since }).then((kept) => kept.lines));
    const onOutput = (event: JobOutputEvent): void => {
      if (id === undefined) early.push({ output: event });
      else if (event.jobId === id) output?.add(event.lines);
    };
    const stopDone = on('jobs.done', onDone);
    const stopProgress = on('jobs.progress', onProgress);
    const stopOutput = output ? on('jobs.output', onOutput) : () => {};
    const cancel = (): void => {
      if (id !== undefined) call('jobs.cancel', { id }).catch(() => {}); // it may have ended already
    };
    try {
      const started = (await transport.invoke(method, input).then(unwrapReply)) as JobInfo;
      id = started.id;
      options.onStarted?.(started);
      for (const event of early) {
        if (event.done) onDone(event.done);
        if (event.progress) onProgress(event.progress);
        if (event.output) onOutput(event.output);
      }
      if (started.state !== 'running') finish(started);
      if (options.signal?.aborted) cancel();
      options.signal?.addEventListener('abort', cancel, { once: true });
      const job = await ended;
      await output?.settled(); // a late read of missed lines
      if (job.state === 'succeeded') return job.result as JobResult<M>;
      throw new ApiError(job.error?.code ?? 'INTERNAL', job.error?.message ?? `${method}: the job ended ${job.state}`);
    } finally {
      options.signal?.removeEventListener('abort', cancel);
      stopDone();
      stopProgress();
      stopOutput();
    }
  }

  return { call, on, runJob };
}

/**
 * Hands a job's output lines to `deliver` in seq order, each once: batches that repeat lines
 * are cut, and lines missing before a batch (it came from before this client listened) are
 * read with `read` first.
 */
function jobOutput(deliver: (lines: JobOutputLine[]) => void, read: (since: number) => Promise<JobOutputLine[]>) {
  let next = 0;
  let waiting: JobOutputLine[] = [];
  let reading: Promise<void> | undefined;
  const take = (lines: readonly JobOutputLine[]): void => {
    const fresh = lines.filter((line) => line.seq >= next);
    if (fresh.length === 0) return;
    next = fresh[fresh.length - 1]!.seq + 1;
    deliver(fresh);
  };
  const add = (lines: JobOutputLine[]): void => {
    if (lines.length === 0) return;
    if (reading) return void waiting.push(...lines);
    if (lines[0]!.seq <= next) return take(lines);
    waiting = [...lines];
    reading = read(next)
      .then(take, () => {}) // forgotten or gone: what came is still shown
      .finally(() => {
        reading = undefined;
        const rest = waiting;
        waiting = [];
        take(rest);
      });
  };
  return { add, settled: () => reading ?? Promise.resolve() };
}
