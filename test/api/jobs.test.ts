// The job registry on its own: ids, throttled progress, output lines (every one sent, in
// batches, the newest kept), one `done` with the result or the error, cancel through the
// AbortSignal, and how long finished jobs are remembered.
import { describe, expect, it, vi } from 'vitest';
import { JobRegistry } from '../../src-main/api/jobs';
import type { JobInfo, JobOutputEvent, JobProgressEvent } from '@shared/api/types/jobs';
import { StrataError, isStrataError } from '@shared/errors';

function registry(options: { keepFinished?: number; progressIntervalMs?: number; outputIntervalMs?: number; keepOutputLines?: number; keepOutputChars?: number } = {}) {
  const progress: JobProgressEvent[] = [];
  const output: JobOutputEvent[] = [];
  const done: JobInfo[] = [];
  /** Every event in the order sent: `output` or `done`. */
  const order: string[] = [];
  const jobs = new JobRegistry(
    {
      progress: (event) => progress.push(event),
      output: (event) => void (output.push(event), order.push('output')),
      done: (job) => void (done.push(job), order.push('done')),
    },
    options,
  );
  const ended = (id: string) =>
    new Promise<JobInfo>((resolve) => {
      const poll = () => {
        const job = done.find((j) => j.id === id);
        if (job) resolve(job);
        else setTimeout(poll, 5);
      };
      poll();
    });
  return { jobs, progress, output, order, done, ended };
}

/** Work that waits until aborted, then fails as the engine's cancellable work does. */
function untilAborted(signal: AbortSignal): Promise<never> {
  return new Promise((_resolve, reject) => {
    if (signal.aborted) return reject(new StrataError('CANCELLED', 'stopped'));
    signal.addEventListener('abort', () => reject(new StrataError('CANCELLED', 'stopped')), { once: true });
  });
}

describe('JobRegistry', () => {
  it('answers at once with a running job, then ends it once with the result', async () => {
    const { jobs, done, ended } = registry();
    const started = jobs.start('images.import', async () => 42);
    expect(started).toMatchObject({ kind: 'images.import', state: 'running' });
    expect(started.id).toMatch(/^[0-9a-f-]{36}$/);
    const job = await ended(started.id);
    expect(job).toMatchObject({ id: started.id, state: 'succeeded', result: 42 });
    expect(job.finishedAt).toBeDefined();
    expect(done).toHaveLength(1);
    expect(jobs.get(started.id).state).toBe('succeeded');
  });

  it('records a failure with its stable code, also when the work throws synchronously', async () => {
    const { jobs, ended } = registry();
    const failed = jobs.start('images.import', async () => {
      throw new StrataError('NOT_FOUND', 'no such file');
    });
    const thrown = jobs.start('images.prune', () => {
      throw new Error('a bug');
    });
    expect(await ended(failed.id)).toMatchObject({ state: 'failed', error: { code: 'NOT_FOUND', message: 'no such file' } });
    expect(await ended(thrown.id)).toMatchObject({ state: 'failed', error: { code: 'INTERNAL', message: 'a bug' } });
  });

  it('throttles progress to one event per interval, the latest report winning', async () => {
    // the registry's clock and timers, driven by the test: an interval passes when it says so
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    try {
      const { jobs, progress, ended } = registry({ progressIntervalMs: 50 });
      let report!: (n: number) => void;
      let finish!: () => void;
      const started = jobs.start('images.import', (control) => {
        report = (n) => control.progress({ step: 'layer', message: `layer ${n}`, done: n, total: 10 });
        return new Promise<void>((resolve) => (finish = resolve));
      });
      for (let n = 0; n < 10; n++) report(n); // the first goes at once, the rest collapse into one
      expect(progress.map((event) => event.progress.done)).toEqual([0]);
      await vi.advanceTimersByTimeAsync(49);
      expect(progress.map((event) => event.progress.done)).toEqual([0]);
      await vi.advanceTimersByTimeAsync(1);
      expect(progress.map((event) => event.progress.done)).toEqual([0, 9]);
      expect(progress[0]).toMatchObject({ id: started.id, kind: 'images.import', progress: { step: 'layer', message: 'layer 0', total: 10 } });
      expect(jobs.get(started.id).progress).toMatchObject({ done: 9 });
      finish();
      const end = ended(started.id);
      await vi.advanceTimersByTimeAsync(10);
      await end;
      report(99); // after the end: ignored, however long one waits
      await vi.advanceTimersByTimeAsync(10_000);
      expect(progress).toHaveLength(2);
    } finally {
      vi.useRealTimers();
    }
  });

  it('sends every output line in order, batched, all of them before the end', async () => {
    const { jobs, output, order, ended } = registry({ outputIntervalMs: 50 });
    let write!: (text: string) => void;
    let finish!: () => void;
    const started = jobs.start('images.build', (control) => {
      write = (text) => control.output({ kind: 'stdout', step: 2, text });
      return new Promise<void>((resolve) => (finish = resolve));
    });
    for (let n = 0; n < 10; n++) write(`line ${n}`);
    expect(output).toEqual([]); // sent as one batch, not one event a line
    await expect.poll(() => output.length).toBe(1);
    expect(output[0]).toEqual({ jobId: started.id, lines: Array.from({ length: 10 }, (_, n) => ({ seq: n, kind: 'stdout', step: 2, text: `line ${n}` })) });
    write('last');
    finish();
    await ended(started.id);
    expect(output.flatMap((event) => event.lines.map((line) => line.text))).toEqual([...Array.from({ length: 10 }, (_, n) => `line ${n}`), 'last']);
    expect(order).toEqual(['output', 'output', 'done']);
    write('after the end'); // ignored
    expect(jobs.output(started.id)).toMatchObject({ first: 0, next: 11 });
  });

  it('keeps the newest output lines for a late reader, within its line and character limits', async () => {
    const { jobs, output, ended } = registry({ outputIntervalMs: 10, keepOutputLines: 100, keepOutputChars: 1000 });
    const many = jobs.start('images.build', async (control) => {
      for (let n = 0; n < 1000; n++) control.output({ kind: 'stdout', text: String(n) });
    });
    await ended(many.id);
    expect(output.flatMap((event) => event.lines)).toHaveLength(1000); // every line sent
    const kept = jobs.output(many.id);
    expect(kept).toMatchObject({ jobId: many.id, first: 900, next: 1000 });
    expect(kept.lines.map((line) => line.seq)).toEqual(Array.from({ length: 100 }, (_, n) => 900 + n));
    expect(jobs.output(many.id, 990).lines.map((line) => line.text)).toEqual(Array.from({ length: 10 }, (_, n) => String(990 + n)));
    expect(jobs.output(many.id, 1000).lines).toEqual([]);

    const wide = jobs.start('images.build', async (control) => {
      for (let n = 0; n < 10; n++) control.output({ kind: 'stdout', text: `${n}`.padEnd(300, '.') });
      control.output({ kind: 'stdout', text: 'x'.repeat(100_000) });
    });
    await ended(wide.id);
    const lines = jobs.output(wide.id).lines;
    expect(lines.map((line) => line.seq)).toEqual([10]); // the newest alone is over the limit: kept, cut
    expect(lines[0]!.text.length).toBeLessThan(10_000);
  });

  it('cancels through the AbortSignal: the job ends cancelled with CANCELLED', async () => {
    const { jobs, ended } = registry();
    const started = jobs.start('images.import', (control) => untilAborted(control.signal));
    expect(jobs.cancel(started.id)).toMatchObject({ state: 'running', cancelRequested: true });
    expect(await ended(started.id)).toMatchObject({ state: 'cancelled', cancelRequested: true, error: { code: 'CANCELLED' } });
    // Cancelling a finished job changes nothing.
    expect(jobs.cancel(started.id).state).toBe('cancelled');
  });

  it('counts any failure after a cancel as the cancel, and keeps a result the work finished anyway', async () => {
    const { jobs, ended } = registry();
    const interrupted = jobs.start('images.import', (control) => new Promise((_r, reject) => control.signal.addEventListener('abort', () => reject(new Error('EPIPE')))));
    jobs.cancel(interrupted.id);
    expect(await ended(interrupted.id)).toMatchObject({ state: 'cancelled', error: { code: 'CANCELLED', message: 'EPIPE' } });
    const stubborn = jobs.start('images.prune', async () => 'done anyway');
    jobs.cancel(stubborn.id);
    expect(await ended(stubborn.id)).toMatchObject({ state: 'succeeded', result: 'done anyway', cancelRequested: true });
  });

  it('cancelAll cancels the running jobs and waits for them', async () => {
    const { jobs } = registry();
    const a = jobs.start('images.import', (control) => untilAborted(control.signal));
    const b = jobs.start('images.import', (control) => untilAborted(control.signal));
    await jobs.cancelAll();
    expect([jobs.get(a.id).state, jobs.get(b.id).state]).toEqual(['cancelled', 'cancelled']);
  });

  it('lists jobs in start order and forgets the oldest finished ones', async () => {
    const { jobs, ended } = registry({ keepFinished: 2 });
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const job = jobs.start('images.prune', async () => i);
      ids.push(job.id);
      await ended(job.id);
    }
    expect(jobs.list().map((job) => job.id)).toEqual(ids.slice(2));
    let error: unknown;
    try {
      jobs.get(ids[0]!);
    } catch (caught) {
      error = caught;
    }
    expect(isStrataError(error, 'NOT_FOUND')).toBe(true);
  });
});
