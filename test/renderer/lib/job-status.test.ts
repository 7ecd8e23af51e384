// A job's card in words (src-renderer/src/lib/job-status.ts): a bar only while it runs; once
// ended, what it came to — never its last step ("moving into the store") or a half bar.
import { describe, expect, it } from 'vitest';
import type { JobInfo } from '@shared/api/types/jobs';
import { jobStatus } from '../../../src-renderer/src/lib/job-status';

const T0 = '2024-05-01T10:00:00.000Z';
const job = (fields: Partial<JobInfo>): JobInfo => ({ id: 'j1', kind: 'images.import', state: 'running', startedAt: T0, ...fields });
const LAST_STEP = { step: 'committing', message: 'moving into the store', done: 1, total: 2 };

describe('jobStatus', () => {
  it('running: the bar (units, bytes within the unit, or indeterminate) and the step', () => {
    expect(jobStatus(job({ progress: { step: 'layer', message: 'layer 2 of 4', done: 1, total: 4, bytes: 50, totalBytes: 100 } }))).toEqual({
      bar: { fraction: 0.375 },
      text: 'layer 2 of 4 — 50 B of 100 B',
    });
    expect(jobStatus(job({}))).toEqual({ bar: { fraction: undefined }, text: 'starting…' });
    expect(jobStatus(job({ progress: LAST_STEP, cancelRequested: true })).text).toBe('cancelling…');
  });

  it('succeeded: no bar, what it made and how long it took', () => {
    const done = { state: 'succeeded' as const, progress: LAST_STEP, finishedAt: '2024-05-01T10:00:03.400Z' };
    expect(jobStatus(job({ ...done, result: [{ id: 'sha256:1', manifestDigest: '', tags: ['a:1', 'b:1'], layers: [] }] }))).toEqual({ text: 'Imported a:1, b:1 · took 3s' });
    expect(jobStatus(job({ ...done, kind: 'images.prune', result: { images: ['sha256:x'], freed: { blobs: [], layers: ['l1', 'l2'], bytes: 2048 } } })).text).toBe('Freed 2 KiB: 1 image, 2 layers · took 3s');
    expect(jobStatus(job({ ...done, kind: 'containers.commit', result: { id: `sha256:${'c'.repeat(64)}`, manifestDigest: '', tags: [], layers: [] } })).text).toBe('Committed as cccccccccccc · took 3s');
    expect(jobStatus(job({ ...done, kind: 'images.build', result: { id: 'sha256:1', manifestDigest: '', tags: ['app:dev'], steps: [], warnings: [], notes: [] } })).text).toBe('Built app:dev · took 3s');
  });

  it('failed or cancelled: no bar, the reason', () => {
    expect(jobStatus(job({ state: 'failed', progress: LAST_STEP, error: { code: 'INVALID_ARCHIVE', message: 'not a tar archive' } }))).toEqual({ text: 'not a tar archive' });
    expect(jobStatus(job({ state: 'cancelled', progress: LAST_STEP }))).toEqual({ text: 'Cancelled' });
    expect(jobStatus(job({ state: 'cancelled', error: { code: 'CANCELLED', message: 'cancelled by the user' } })).text).toBe('Cancelled: cancelled by the user');
  });
});
