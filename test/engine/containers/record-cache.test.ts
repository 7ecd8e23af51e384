// The record cache (record-cache.ts): a lookup reads one record, not all of them, and a
// record another process changed, removed or made is seen at once — with inotify and
// without it (the stat stamps alone) — and inotify tells a listener of it.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../../src-main/engine/index';
import { RecordCache } from '../../../src-main/engine/containers/record-cache';
import { type TestImage, makeTempDir, testImages, writeOciLayout } from '../../helpers/test-images';
import { removeTestStore } from '../../helpers/containers';

let work: string;
let root: string;
let engine: Engine;
let a: TestImage;
const bin = path.resolve('bin/strata.js');

/** The built CLI, in a process of its own: what it writes this process learns only from the disk. */
function strata(...args: string[]): { code: number; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [bin, '--root', root, ...args], { encoding: 'utf8' });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

beforeAll(async () => {
  work = makeTempDir('record-cache');
  ({ a } = testImages(work));
  root = path.join(work, 'store');
  engine = Engine.open({ root });
  await engine.importImage({ path: writeOciLayout(path.join(work, 'layout'), [a]) });
});

afterAll(async () => {
  await removeTestStore(engine, work);
});

const containersDir = () => path.join(root, 'containers');

describe.each([
  ['with inotify', true],
  ['without inotify (stamps alone)', false],
])('the record cache %s', (_label, inotify) => {
  it('sees at once what another process changed, removed and made', async () => {
    const cache = new RecordCache(containersDir(), { inotify });
    const hints: (string | undefined)[] = [];
    const unwatch = cache.watch((id) => hints.push(id));
    const made = await engine.createContainer('test/a:1', { name: `cached-${inotify}`, network: 'none', command: ['true'] });
    expect((await cache.find(made.name)).options.restart).toBeUndefined();
    expect((await cache.find(made.id.slice(0, 10))).id).toBe(made.id);

    expect(strata('update', '--restart', 'on-failure:3', made.name)).toMatchObject({ code: 0 });
    // No wait: the stamp tells the cached record from the file now there.
    expect((await cache.find(made.name)).options.restart).toEqual({ name: 'on-failure', maxRetries: 3 });
    expect((await cache.get(made.id))?.options.restart).toEqual({ name: 'on-failure', maxRetries: 3 });
    if (inotify) await expect.poll(() => hints.includes(made.id)).toBe(true);

    const other = await Engine.open({ root }).createContainer('test/a:1', { name: `new-${inotify}`, network: 'none', command: ['true'] });
    expect((await cache.list()).map((record) => record.name)).toContain(other.name);

    expect(strata('rm', made.name)).toMatchObject({ code: 0 });
    await expect(cache.find(made.name)).rejects.toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
    await expect(cache.find(made.id)).rejects.toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
    expect(await cache.get(made.id)).toBeUndefined();
    expect((await cache.list()).map((record) => record.id)).not.toContain(made.id);
    unwatch();
    await engine.removeContainer(other.id);
  });
});

describe('the record cache', () => {
  it('reads one record for a lookup by id or name, however many there are', async () => {
    const made = [];
    for (let i = 0; i < 5; i++) made.push(await engine.createContainer('test/a:1', { name: `many-${i}`, network: 'none', command: ['true'] }));
    const cache = new RecordCache(containersDir(), { inotify: false });
    // Records written just now are read again until their mtime is past the racy window.
    await expect.poll(async () => {
      const before = cache.reads;
      await cache.list();
      return cache.reads - before;
    }).toBe(0);
    const reads = cache.reads;
    await cache.find(made[2]!.id);
    await cache.find('many-3');
    await cache.list();
    expect(cache.reads - reads).toBe(0); // nothing changed: stat only
    expect(strata('update', '--restart', 'always', 'many-1')).toMatchObject({ code: 0 });
    expect((await cache.find('many-1')).options.restart).toEqual({ name: 'always' });
    expect(cache.reads - reads).toBe(1); // only the one that changed
    for (const container of made) await engine.removeContainer(container.id);
  });

  it('tells a listener of a record written by another process, through inotify', async () => {
    const made = await engine.createContainer('test/a:1', { name: 'told', network: 'none', command: ['true'] });
    const cache = new RecordCache(containersDir());
    const hints: (string | undefined)[] = [];
    const unwatch = cache.watch((id) => hints.push(id));
    await cache.whenWatching(); // each container's directory is watched from here on
    expect(strata('update', '--restart', 'always', 'told')).toMatchObject({ code: 0 });
    await expect.poll(() => hints.includes(made.id)).toBe(true);
    unwatch();
    await engine.removeContainer(made.id);
  });
});
