// What a job is about, in its record (src-main/api/job-subjects.ts): every job method names
// what it works on and where from its input, and what it made from its result; through the
// dispatcher a real import records its file and, once done, its images — a failed one keeps
// its file and the error's code.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api } from '../../src-main/api/dispatch';
import { describeJob } from '../../src-main/api/job-subjects';
import { JobRegistry } from '../../src-main/api/jobs';
import type { JobInfo } from '@shared/api/types/jobs';
import { Engine } from '../../src-main/engine/index';
import { makeTempDir, testImages, writeDockerArchive } from '../helpers/test-images';

const ID = `sha256:${'a'.repeat(64)}`;
const ID2 = `sha256:${'b'.repeat(64)}`;

describe('describeJob', () => {
  it('names what and where from the input of each job method', () => {
    expect(describeJob('images.import', { path: '/tmp/a.tar', tags: ['app:1', 'app:latest'] }).subject).toEqual({ what: 'app:1, app:latest', where: { role: 'source', place: '/tmp/a.tar' } });
    expect(describeJob('images.import', { path: '/tmp/layout' }).subject).toEqual({ where: { role: 'source', place: '/tmp/layout' } });
    expect(describeJob('images.pull', { reference: 'busybox:1.36' }).subject).toEqual({ what: 'busybox:1.36', where: { role: 'registry', place: 'docker.io' } });
    expect(describeJob('images.pull', { reference: 'localhost:5000/team/app' }).subject.where).toEqual({ role: 'registry', place: 'localhost:5000' });
    // A reference the pull refuses still names what was asked; the job's error says why.
    expect(describeJob('images.pull', { reference: 'Not A Ref' }).subject).toEqual({ what: 'Not A Ref' });
    expect(describeJob('images.build', { contextDir: '/src/app', tags: ['app:dev'] }).subject).toEqual({ what: 'app:dev', where: { role: 'context', place: '/src/app' } });
    expect(describeJob('images.save', { refs: ['a:1', 'b:1'], format: 'oci', output: '/tmp/out' }).subject).toEqual({ what: 'a:1, b:1', where: { role: 'destination', place: '/tmp/out' } });
    expect(describeJob('images.save', { refs: ['a:1'], format: 'docker-archive', output: '-' }).subject.where).toEqual({ role: 'destination', place: 'standard output' });
    expect(describeJob('containers.commit', { ref: 'web', tag: 'web:snap' }).subject).toEqual({ what: 'web:snap', where: { role: 'container', place: 'web' } });
    expect(describeJob('images.prune', {}).subject).toEqual({});
  });

  it('reads what a job made from its result: the images by first tag or short ID, a save’s file', () => {
    const layers = [{ chainId: 'c', reused: false }];
    expect(describeJob('images.import', { path: '/a.tar' }).made?.([{ id: ID, manifestDigest: '', tags: ['a:1', 'a:2'], layers }, { id: ID2, manifestDigest: '', tags: [], layers }])).toEqual({
      images: [
        { id: ID, name: 'a:1' },
        { id: ID2, name: 'bbbbbbbbbbbb' },
      ],
    });
    const saved = { format: 'oci-archive' as const, output: '/tmp/out.tar', images: [{ id: ID, manifestDigest: '', tags: ['a:1'] }], blobs: 3, bytes: 10 };
    expect(describeJob('images.save', { refs: ['a:1'], format: 'oci-archive', output: '/tmp/out.tar' }).made?.(saved)).toEqual({ images: [{ id: ID, name: 'a:1' }], path: '/tmp/out.tar' });
    expect(describeJob('images.prune', {}).made).toBeUndefined();
  });
});

describe('JobRegistry with a description', () => {
  it('keeps the subject from the start, adds what was made at a success, and names an unnamed subject by it', async () => {
    const done: JobInfo[] = [];
    const jobs = new JobRegistry({ progress: () => {}, output: () => {}, done: (job) => void done.push(job) });
    const started = jobs.start('images.import', async () => 'ok', { subject: { where: { role: 'source', place: '/a.tar' } }, made: () => ({ images: [{ id: ID, name: 'a:1' }] }) });
    expect(started.subject).toEqual({ where: { role: 'source', place: '/a.tar' } });
    await expect.poll(() => done.length).toBe(1);
    expect(done[0]).toMatchObject({ state: 'succeeded', subject: { what: 'a:1', where: { role: 'source', place: '/a.tar' } }, made: { images: [{ id: ID, name: 'a:1' }] } });

    // A failure keeps the subject and makes nothing.
    const failed = jobs.start('images.import', () => Promise.reject(new Error('boom')), { subject: { what: 'x:1' }, made: () => ({ images: [] }) });
    await expect.poll(() => done.length).toBe(2);
    expect(jobs.get(failed.id)).toMatchObject({ state: 'failed', subject: { what: 'x:1' } });
    expect(jobs.get(failed.id).made).toBeUndefined();
  });
});

describe('through the dispatcher', () => {
  let work: string;
  let api: Api;

  beforeAll(() => {
    work = makeTempDir('api-job-subjects');
    api = new Api({ engine: Engine.open({ root: path.join(work, 'store') }), version: '9.9.9' });
  });

  afterAll(async () => {
    await api.close();
    fs.rmSync(work, { recursive: true, force: true });
  });

  async function run(input: { path: string }): Promise<JobInfo> {
    const done: JobInfo[] = [];
    const session = api.openSession((event, payload) => void (event === 'jobs.done' && done.push(payload as JobInfo)));
    session.subscribe('jobs.done');
    const reply = await session.call('images.import', input);
    const id = (reply as { result: JobInfo }).result.id;
    await expect.poll(() => done.some((job) => job.id === id), { timeout: 20_000 }).toBe(true);
    session.close();
    return done.find((job) => job.id === id)!;
  }

  it('an import records its file, then the images it made', async () => {
    const { a, b } = testImages(work);
    const archive = writeDockerArchive(work, [a, b]);
    const job = await run({ path: archive });
    expect(job.state).toBe('succeeded');
    expect(job.subject).toEqual({ what: 'test/a:1, test/b:1', where: { role: 'source', place: archive } });
    const images = await api.engine.listImages();
    expect(job.made?.images).toEqual(['test/a:1', 'test/b:1'].map((tag) => ({ id: images.find((image) => image.tags.includes(tag))!.id, name: tag })));
  });

  it('a failed import keeps its file and the error code', async () => {
    const missing = path.join(work, 'missing.tar');
    const job = await run({ path: missing });
    expect(job.state).toBe('failed');
    expect(job.subject).toEqual({ where: { role: 'source', place: missing } });
    expect(job.error?.code).toMatch(/^[A-Z_]+$/);
    expect(job.made).toBeUndefined();
  });
});
