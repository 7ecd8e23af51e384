// images.pull through the API's dispatcher: input checked at the boundary, the pull run as
// a job whose progress and end reach the session, against a real registry.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api } from '../../src-main/api/dispatch';
import type { Reply } from '@shared/api/protocol';
import type { PulledImage } from '@shared/api/types/images';
import type { JobInfo, JobProgressEvent } from '@shared/api/types/jobs';
import { Engine } from '../../src-main/engine/index';
import { type PushedImage, TestRegistry } from '../helpers/registry';
import { makeTempDir, testImages } from '../helpers/test-images';

const unavailable = TestRegistry.unavailable();
if (unavailable) console.warn(`skipping the images.pull API test: ${unavailable}`);

let work: string;
let api: Api;
let registry: TestRegistry;
let pushed: PushedImage;

beforeAll(async () => {
  work = makeTempDir('api-pull');
  api = new Api({ engine: Engine.open({ root: path.join(work, 'store') }), version: '9.9.9' });
  if (unavailable) return;
  registry = await TestRegistry.start();
  pushed = await registry.pushImage('test/a', '1', testImages(work).a);
});

afterAll(async () => {
  await api.close();
  await registry?.stop();
  fs.rmSync(work, { recursive: true, force: true });
});

function errorOf(reply: Reply): { code: string; message: string } {
  if (!('error' in reply)) throw new Error(`expected an error, got ${JSON.stringify(reply)}`);
  return reply.error;
}

describe('images.pull', () => {
  it('refuses malformed input with INVALID_ARGUMENT naming the field', async () => {
    const session = api.openSession(() => {});
    const cases: [unknown, RegExp][] = [
      [{}, /reference/],
      [{ reference: '' }, /reference: must not be empty/],
      [{ reference: 'a', insecure: 'yes' }, /insecure/],
      [{ reference: 'a', platform: '' }, /platform/],
      // Credentials serve one pull (the CLI's --creds over any connection): they are checked, never kept.
      [{ reference: 'a', credentials: { username: 'u' } }, /credentials\.password/],
      [{ reference: 'a', credentials: { username: '', password: 'p' } }, /credentials\.username/],
    ];
    for (const [input, message] of cases) {
      const error = errorOf(await session.call('images.pull', input));
      expect(error.code, JSON.stringify(input)).toBe('INVALID_ARGUMENT');
      expect(error.message).toMatch(message);
    }
    session.close();
  });

  it.skipIf(unavailable)('runs the pull as a job: progress per layer, then the pulled image', async () => {
    const events: [string, unknown][] = [];
    const session = api.openSession((event, payload) => events.push([event, payload]));
    session.subscribe('jobs.progress');
    session.subscribe('jobs.done');
    const reference = `${registry.address}/test/a:1`;
    const reply = await session.call('images.pull', { reference });
    expect(reply).toMatchObject({ result: { kind: 'images.pull', state: 'running' } });
    const id = (reply as { result: JobInfo }).result.id;
    await expect.poll(() => events.filter(([event]) => event === 'jobs.done').length).toBe(1);
    const done = events.find(([event]) => event === 'jobs.done')![1] as JobInfo<PulledImage>;
    expect(done).toMatchObject({ id, state: 'succeeded', result: { manifestDigest: pushed.manifestDigest, tags: [reference], downloadedLayers: 3 } });
    const progress = events.filter(([event]) => event === 'jobs.progress').map(([, payload]) => (payload as JobProgressEvent).progress);
    expect(progress.length).toBeGreaterThan(0);
    for (const p of progress) {
      expect(Object.keys(p).every((key) => ['step', 'message', 'done', 'total', 'bytes', 'totalBytes'].includes(key))).toBe(true);
    }

    const failed = (await session.call('images.pull', { reference: `${registry.address}/test/missing:1` })) as { result: JobInfo };
    await expect.poll(() => events.some(([event, payload]) => event === 'jobs.done' && (payload as JobInfo).id === failed.result.id)).toBe(true);
    const end = events.find(([event, payload]) => event === 'jobs.done' && (payload as JobInfo).id === failed.result.id)![1] as JobInfo;
    expect(end).toMatchObject({ state: 'failed', error: { code: 'NOT_FOUND' } });
    session.close();
  });
});
