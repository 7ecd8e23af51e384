// Commands whose standard output's reader goes away (`strata … | head -1`, issue 12,
// defect 9): no stack trace, exit status 141 as git and docker give (a shell's 128 +
// SIGPIPE), and the clean-up still done — `run --rm` removes its container, `logs -f`
// unfollows. Each output is several pipes' worth (a pipe holds 64 KiB), so the command is
// still writing when the reader closes after its first chunk.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normalizeReference } from '../../src-main/engine/images/reference';
import { Engine } from '../../src-main/engine/index';
import { assignTags } from '../../src-main/engine/store/image-index';
import { removeTestStore } from '../helpers/containers';
import { makeLayer, makeTempDir, testImages, write, writeOciLayout } from '../helpers/test-images';

let work: string;
let root: string;
let engine: Engine;
const bin = path.resolve('bin/strata.js');
/** Twice what can be in flight when the reader closes: one read (64 KiB) and a full pipe (64 KiB). */
const PLENTY = 256 * 1024;

function strata(...args: string[]): { code: number; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [bin, '--root', root, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** Runs the CLI with stdout into a pipe that this side closes after reading one chunk, as `| head -1` does. */
function readOneChunkAndClose(...args: string[]): Promise<{ code: number | null; signal: NodeJS.Signals | null; first: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, '--root', root, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let first = '';
    let stderr = '';
    child.stdout.once('data', (chunk: Buffer) => {
      first = chunk.toString();
      child.stdout.destroy();
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code, signal) => resolve({ code, signal, first, stderr }));
  });
}

beforeAll(async () => {
  work = makeTempDir('cli-closed-pipe');
  root = path.join(work, 'store');
  const { a, layers } = testImages(work);
  // `layers`: a layer of 1500 files with long names.
  const many = makeLayer(work, 'many', (dir) => {
    for (let i = 0; i < 1500; i++) write(dir, `many/${'f'.repeat(200)}${i}`, '');
  });
  engine = Engine.open({ root });
  await engine.importImage({ path: writeOciLayout(path.join(work, 'layout'), [a, { tag: 'test/many:1', layers: [layers.base, many], cmd: ['/bin/sh'] }]) });
  // `images`: one row per tag, with long repository names — written in one index update,
  // as tagging them one by one rewrites the index each time.
  const image = engine.store.readImages().find((record) => record.tags.includes(normalizeReference('test/a:1')))!;
  const tags = Array.from({ length: 1200 }, (_, i) => normalizeReference(`test/${'r'.repeat(200)}${i}:1`));
  await engine.store.write(() => engine.store.updateImages((images) => assignTags(images, image.manifestDigest, image.manifestSize, tags)));
  // `ps`: containers with long names (created, never started: ps -a lists them).
  for (let i = 0; i < 30; i++) await engine.createContainer('test/a:1', { name: `c${i}-${'n'.repeat(10_000)}`, command: ['true'] });
  // `history`: a commit whose comment is long.
  const source = await engine.createContainer('test/a:1', { name: 'source', command: ['true'] });
  await engine.commitContainer(source.id, { tag: 'test/long-history:1', message: 'm'.repeat(PLENTY) });
}, 120_000);

afterAll(async () => {
  await removeTestStore(engine, work);
});

describe('a closed stdout ends a command quietly', () => {
  it.each([
    ['ps', ['ps', '-a']],
    ['images', ['images']],
    ['layers', ['layers', 'test/many:1']],
    ['history', ['history', 'test/long-history:1']],
  ])('%s', async (_, args) => {
    expect(strata(...args).stdout.length).toBeGreaterThan(PLENTY);
    const result = await readOneChunkAndClose(...args);
    expect(result).toMatchObject({ code: 141, signal: null, stderr: '' });
    expect(result.first.length).toBeGreaterThan(0);
  });

  it('logs, and logs -f, which stops following', async () => {
    const lines = 'i=0; while [ $i -lt 10000 ]; do echo "line $i of a log long enough to fill a pipe"; i=$((i+1)); done';
    const chatty = await engine.createContainer('test/a:1', { name: 'chatty', network: 'none', command: ['sh', '-c', `${lines}; echo done; sleep 600`] });
    await engine.startContainer(chatty.id);
    for (let i = 0; i < 3000 && !strata('logs', '--tail', '1', 'chatty').stdout.includes('done'); i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await readOneChunkAndClose('logs', 'chatty')).toMatchObject({ code: 141, stderr: '' });
    // Still running, so -f would follow for ever if the closed pipe did not end it.
    expect(await readOneChunkAndClose('logs', '-f', 'chatty')).toMatchObject({ code: 141, stderr: '' });
    await engine.removeContainer(chatty.id, { force: true });
  });

  it('stats, which stops sampling', async () => {
    const sleeper = await engine.createContainer('test/a:1', { name: 'sleeper', network: 'none', command: ['sleep', '600'] });
    await engine.startContainer(sleeper.id);
    // A screen a second: the write after the reader left is the one that fails.
    expect(await readOneChunkAndClose('stats', 'sleeper')).toMatchObject({ code: 141, stderr: '' });
    await engine.removeContainer(sleeper.id, { force: true });
  });

  it('build, which still finishes: the image is what was asked for', async () => {
    const context = path.join(work, 'context');
    write(context, 'Containerfile', 'FROM test/a:1\nRUN i=0; while [ $i -lt 20000 ]; do echo "build output line $i"; i=$((i+1)); done\nRUN echo done > /done\n');
    expect(await readOneChunkAndClose('build', '--network', 'none', '-t', 'test/built:1', context)).toMatchObject({ code: 141, stderr: '' });
    expect((await engine.inspectImage('test/built:1')).history.at(-1)?.created_by).toMatch(/echo done > \/done/);
  });
});

describe('run --rm with a closed stdout', () => {
  it('waits for the container to end, removes it and exits 141 without a stack trace', async () => {
    const before = new Set((await engine.listContainers({ all: true })).map((c) => c.id));
    const result = await readOneChunkAndClose('run', '--rm', '--network', 'none', 'test/a:1', 'sh', '-c', 'i=0; while [ $i -lt 100000 ]; do echo $i; i=$((i+1)); done');
    expect(result).toMatchObject({ code: 141, signal: null, stderr: '' });
    expect(result.first).toMatch(/^0\n/);
    expect((await engine.listContainers({ all: true })).filter((c) => !before.has(c.id))).toEqual([]);
    expect(fs.readFileSync('/proc/self/mountinfo', 'utf8')).not.toMatch(new RegExp(`${root}/containers/(?!${[...before].join('|')})`));
  });
});
