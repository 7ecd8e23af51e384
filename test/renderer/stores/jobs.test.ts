// The jobs store (src-renderer/src/stores/jobs.ts) over a fake engine: the engine's jobs
// listed once, their progress and ends merged from events, a job run to its end (result or
// the engine's error), cancel, and clearing what has finished.
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { isApiError } from '@shared/api/api-error';
import type { JobInfo } from '@shared/api/types/jobs';
import { useJobsStore } from '../../../src-renderer/src/stores/jobs';
import { engine, settle } from '../fake-engine';

vi.mock('../../../src-renderer/src/api/bridge', () => import('../fake-engine').then((m) => m.bridgeModule));

const T0 = '2024-05-01T10:00:00.000Z';
const running = (id: string, kind = 'images.import'): JobInfo => ({ id, kind, state: 'running', startedAt: T0 });

beforeEach(() => {
  engine.reset();
  setActivePinia(createPinia());
});

const brief = (jobs: readonly JobInfo[]) => jobs.map((job) => `${job.id} ${job.state} ${job.progress?.message ?? '-'}`);

describe('following the engine\'s jobs', () => {
  it('lists them once, and listens to progress and ends once, however often started', async () => {
    engine.answer('jobs.list', (): JobInfo[] => [running('j1'), { ...running('j0', 'images.prune'), state: 'succeeded', finishedAt: T0 }]);
    const store = useJobsStore();
    store.start();
    store.start();
    await settle();
    expect(engine.inputsOf('jobs.list')).toHaveLength(1);
    expect(engine.listening('jobs.progress') && engine.listening('jobs.done')).toBe(true);
    expect(brief(store.jobs)).toEqual(['j0 succeeded -', 'j1 running -']);
    expect(brief(store.active)).toEqual(['j1 running -']);
  });

  it('shows progress of a job it did not know as a running job, and of a known one in place', async () => {
    engine.answer('jobs.list', () => [running('j1')]);
    const store = useJobsStore();
    store.start();
    await settle();
    engine.emit('jobs.progress', { id: 'j1', kind: 'images.import', progress: { step: 'layer', message: 'layer 1 of 3', done: 1, total: 3 } });
    engine.emit('jobs.progress', { id: 'j2', kind: 'images.pull', progress: { step: 'resolving', message: 'resolving' } });
    expect(brief(store.jobs)).toEqual(['j2 running resolving', 'j1 running layer 1 of 3']);
    expect(store.jobs.find((job) => job.id === 'j2')?.kind).toBe('images.pull');
    engine.emit('jobs.progress', { id: 'j1', kind: 'images.import', progress: { step: 'layer', message: 'layer 2 of 3', done: 2, total: 3 } });
    expect(brief(store.jobs)).toEqual(['j2 running resolving', 'j1 running layer 2 of 3']);
  });

  it('reads the record of a job started elsewhere (what it is about, when it started), unless it has ended meanwhile', async () => {
    engine.answer('jobs.list', () => []);
    const subject = { what: 'busybox:1.36', where: { role: 'registry' as const, place: 'docker.io' } };
    engine.answer('jobs.get', ({ id }) => ({ ...running(id, 'images.pull'), subject }));
    const store = useJobsStore();
    store.start();
    await settle();
    engine.emit('jobs.progress', { id: 'j2', kind: 'images.pull', progress: { step: 'resolving', message: 'resolving' } });
    await settle();
    expect(store.jobs[0]).toMatchObject({ id: 'j2', state: 'running', startedAt: T0, subject });
    // Its end came before the record: the end stays.
    engine.emit('jobs.progress', { id: 'j3', kind: 'images.pull', progress: { step: 'resolving', message: 'resolving' } });
    engine.emit('jobs.done', { ...running('j3', 'images.pull'), state: 'succeeded', finishedAt: T0 });
    await settle();
    expect(store.jobs.find((job) => job.id === 'j3')?.state).toBe('succeeded');
  });

  it('takes a job\'s end from jobs.done, keeping its last progress', async () => {
    engine.answer('jobs.list', () => []);
    const store = useJobsStore();
    store.start();
    await settle();
    engine.emit('jobs.progress', { id: 'j1', kind: 'images.import', progress: { step: 'layer', message: 'layer 3 of 3' } });
    engine.emit('jobs.done', { ...running('j1'), state: 'failed', finishedAt: T0, error: { code: 'INVALID_ARCHIVE', message: 'not a tar' } });
    expect(brief(store.jobs)).toEqual(['j1 failed layer 3 of 3']);
    expect(store.jobs[0]?.error).toEqual({ code: 'INVALID_ARCHIVE', message: 'not a tar' });
    expect(store.active).toEqual([]);
    // progress that comes after the end does not bring the job back
    engine.emit('jobs.progress', { id: 'j1', kind: 'images.import', progress: { step: 'committing', message: 'moving into the store' } });
    expect(brief(store.jobs)).toEqual(['j1 failed layer 3 of 3']);
  });

  it('keeps following when the list cannot be read', async () => {
    engine.fail('jobs.list', 'INTERNAL', 'down');
    const store = useJobsStore();
    store.start();
    await settle();
    engine.emit('jobs.progress', { id: 'j3', kind: 'images.build', progress: { step: 'step', message: 'STEP 1/2' } });
    expect(brief(store.jobs)).toEqual(['j3 running STEP 1/2']);
  });

  it('clears what has finished, keeping what runs', async () => {
    engine.answer('jobs.list', (): JobInfo[] => [running('a'), { ...running('b'), state: 'cancelled' }, { ...running('c'), state: 'succeeded' }]);
    const store = useJobsStore();
    store.start();
    await settle();
    store.clearFinished();
    expect(brief(store.jobs)).toEqual(['a running -']);
  });
});

describe('running a job', () => {
  it('shows the job as soon as it starts and resolves with its result', async () => {
    const store = useJobsStore();
    const id = engine.answerJob('images.prune');
    const onStarted = vi.fn();
    const pruning = store.run('images.prune', { dryRun: true }, { onStarted });
    await settle();
    expect(brief(store.jobs)).toEqual([`${id} running -`]);
    expect(onStarted).toHaveBeenCalledWith(expect.objectContaining({ id, state: 'running' }));
    const result = { images: ['sha256:x'], freed: { blobs: [], layers: ['l1'], bytes: 10 } };
    engine.emit('jobs.done', { ...running(id, 'images.prune'), state: 'succeeded', result });
    expect(await pruning).toEqual(result);
    expect(engine.inputsOf('images.prune')).toEqual([{ dryRun: true }]);
  });

  it('rejects with the engine\'s code when the job fails or cannot start', async () => {
    const store = useJobsStore();
    const id = engine.answerJob('images.import');
    const importing = store.run('images.import', { path: '/tmp/x.tar' });
    await settle();
    engine.emit('jobs.done', { ...running(id), state: 'failed', error: { code: 'INVALID_ARCHIVE', message: 'not a tar archive' } });
    const failure = await importing.catch((error: unknown) => error);
    expect(isApiError(failure, 'INVALID_ARCHIVE') && failure.message).toBe('not a tar archive');

    engine.fail('images.import', 'INVALID_ARGUMENT', 'path must be absolute');
    await expect(store.run('images.import', { path: 'x.tar' })).rejects.toThrow('path must be absolute');
  });

  it('keeps a job that ended before the answer that started it ended (a quick failure), not running', async () => {
    engine.answer('jobs.list', () => []);
    const store = useJobsStore();
    store.start();
    await settle();
    const failed: JobInfo = { ...running('j7'), state: 'failed', finishedAt: T0, error: { code: 'NOT_FOUND', message: 'no such file' } };
    // The engine sends the job's end, then the answer naming it (still running when it was written).
    engine.answer('images.import', () => {
      engine.emit('jobs.done', failed);
      return running('j7') as JobInfo<never>;
    });
    await expect(store.run('images.import', { path: '/tmp/missing.tar' })).rejects.toThrow('no such file');
    expect(brief(store.jobs)).toEqual(['j7 failed -']);
    expect(store.active).toEqual([]);
  });

  it('cancels, showing the engine\'s answer', async () => {
    engine.answer('jobs.list', () => [running('j9')]);
    engine.answer('jobs.cancel', ({ id }) => ({ ...running(id), cancelRequested: true }));
    const store = useJobsStore();
    store.start();
    await settle();
    await store.cancel('j9');
    expect(engine.inputsOf('jobs.cancel')).toEqual([{ id: 'j9' }]);
    expect(store.jobs).toEqual([{ ...running('j9'), cancelRequested: true }]);
  });
});
