// A job's card in words (src-renderer/src/lib/job-status.ts): what and where from the job's
// subject, how long it has run or took; a bar only while it runs; once ended, what it came
// to and the images it made — never its last step ("moving into the store") or a half bar —
// or the error's code and message.
import { describe, expect, it } from 'vitest';
import type { JobInfo } from '@shared/api/types/jobs';
import { jobCard } from '../../../src-renderer/src/lib/job-status';

const T0 = '2024-05-01T10:00:00.000Z';
const NOW = Date.parse('2024-05-01T10:00:12.000Z');
const job = (fields: Partial<JobInfo>): JobInfo => ({ id: 'j1', kind: 'images.import', state: 'running', startedAt: T0, ...fields });
const LAST_STEP = { step: 'committing', message: 'moving into the store', done: 1, total: 2 };
const IMAGE = { id: 'sha256:1', name: 'a:1' };

describe('jobCard', () => {
  it('says what and where, from the subject', () => {
    const card = jobCard(job({ subject: { what: 'busybox:1.36', where: { role: 'registry', place: 'docker.io' } }, kind: 'images.pull' }), NOW);
    expect(card).toMatchObject({ label: 'Pull', what: 'busybox:1.36', where: { label: 'from registry', place: 'docker.io' } });
    expect(jobCard(job({ subject: { where: { role: 'destination', place: '/tmp/out.tar' } }, kind: 'images.save' }), NOW).where).toEqual({ label: 'to', place: '/tmp/out.tar' });
    expect(jobCard(job({}), NOW).what).toBeUndefined();
  });

  it('running: the bar (units, bytes within the unit, or indeterminate), the step, and for how long', () => {
    expect(jobCard(job({ progress: { step: 'layer', message: 'layer 2 of 4', done: 1, total: 4, bytes: 50, totalBytes: 100 } }), NOW)).toMatchObject({
      bar: { fraction: 0.375 },
      text: 'layer 2 of 4 — 50 B of 100 B',
      time: 'running for 12s',
    });
    expect(jobCard(job({}), NOW)).toMatchObject({ bar: { fraction: undefined }, text: 'starting…' });
    expect(jobCard(job({ progress: LAST_STEP, cancelRequested: true }), NOW).text).toBe('cancelling…');
  });

  it('succeeded: no bar, what it came to, the images to open, how long it took', () => {
    const done = { state: 'succeeded' as const, progress: LAST_STEP, finishedAt: '2024-05-01T10:00:03.400Z', made: { images: [IMAGE] } };
    const imported = jobCard(job({ ...done, result: [{ id: 'sha256:1', manifestDigest: '', tags: ['a:1'], layers: [{ chainId: 'x', reused: true }, { chainId: 'y', reused: false }] }] }), NOW);
    expect(imported).toMatchObject({ text: 'Imported', detail: '2 layers, 1 new to the store', images: [IMAGE], time: 'took 3s' });
    // Two images sharing a layer: counted once.
    const shared = [{ chainId: 'x', reused: false }, { chainId: 'y', reused: false }];
    const both = [{ id: 'sha256:1', manifestDigest: '', tags: ['a:1'], layers: shared }, { id: 'sha256:2', manifestDigest: '', tags: ['b:1'], layers: [{ chainId: 'x', reused: true }] }];
    expect(jobCard(job({ ...done, result: both }), NOW).detail).toBe('2 layers, all new to the store');
    expect(imported.bar).toBeUndefined();
    expect(jobCard(job({ ...done, finishedAt: '2024-05-01T10:00:00.300Z' }), NOW).time).toBe('took under 1s');
    expect(jobCard(job({ ...done, kind: 'images.prune', made: undefined, result: { images: ['sha256:x'], freed: { blobs: [], layers: ['l1', 'l2'], bytes: 2048 } } }), NOW)).toMatchObject({ text: 'Freed 2 KiB: 1 image, 2 layers', images: [] });
    expect(jobCard(job({ ...done, kind: 'containers.commit', result: { id: 'sha256:1', manifestDigest: '', tags: [], layers: [] } }), NOW).text).toBe('Committed as');
    expect(jobCard(job({ ...done, kind: 'images.build', result: { id: 'sha256:1', manifestDigest: '', tags: ['a:1'], steps: [{ stage: 0, line: 1, createdBy: '', cached: true }, { stage: 0, line: 2, createdBy: '', cached: false }], warnings: [], notes: [] } }), NOW)).toMatchObject({
      text: 'Built',
      detail: '2 steps, 1 from the cache',
    });
    // A save's file is its place ("to …"); said again only where the engine wrote elsewhere than asked (a relative path made absolute).
    const save = { ...done, kind: 'images.save', made: { images: [IMAGE], path: '/tmp/out.tar' }, result: { format: 'oci-archive', output: '/tmp/out.tar', images: [], blobs: 2, bytes: 2048 } };
    expect(jobCard(job({ ...save, subject: { where: { role: 'destination', place: '/tmp/out.tar' } } }), NOW)).toMatchObject({ text: 'Saved', detail: '2 KiB, 2 blobs', where: { label: 'to', place: '/tmp/out.tar' } });
    expect(jobCard(job({ ...save, subject: { where: { role: 'destination', place: '/tmp/out.tar' } } }), NOW).path).toBeUndefined();
    expect(jobCard(job({ ...save, subject: { where: { role: 'destination', place: 'out.tar' } } }), NOW).path).toBe('/tmp/out.tar');
  });

  it('failed: no bar, the error code and message in full; cancelled: that, and why', () => {
    const message = `not a tar archive: ${'x'.repeat(400)}`;
    const failed = jobCard(job({ state: 'failed', progress: LAST_STEP, finishedAt: '2024-05-01T10:00:01.000Z', error: { code: 'INVALID_ARCHIVE', message } }), NOW);
    expect(failed).toMatchObject({ text: message, error: { code: 'INVALID_ARCHIVE', message }, time: 'took 1s' });
    expect(failed.bar).toBeUndefined();
    expect(jobCard(job({ state: 'cancelled', progress: LAST_STEP }), NOW)).toMatchObject({ text: 'Cancelled' });
    expect(jobCard(job({ state: 'cancelled', error: { code: 'CANCELLED', message: 'images.import cancelled' } }), NOW).text).toBe('Cancelled');
    expect(jobCard(job({ state: 'cancelled', error: { code: 'CANCELLED', message: 'the engine is shutting down' } }), NOW).text).toBe('Cancelled: the engine is shutting down');
  });
});
