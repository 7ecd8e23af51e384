// Tag, remove, prune and crash recovery on a real store: references keep content alive,
// and nothing else does.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../../src-main/engine/index';
import { isStrataError } from '@shared/errors';
import { type TestImage, makeTempDir, sha256File, testImages, treeSnapshot, writeOciLayout } from '../../helpers/test-images';

let work: string;
let a: TestImage;
let b: TestImage;
let layoutAB: string;

beforeAll(() => {
  work = makeTempDir('lifecycle');
  ({ a, b } = testImages(work));
  layoutAB = writeOciLayout(path.join(work, 'layout-ab'), [a, b]);
});

afterAll(() => {
  fs.rmSync(work, { recursive: true, force: true });
});

async function freshEngine(label: string): Promise<Engine> {
  const engine = Engine.open({ root: path.join(work, `store-${label}`) });
  await engine.importImage({ path: layoutAB });
  return engine;
}

const layerCount = (engine: Engine) => fs.readdirSync(path.join(engine.root, 'layers')).length;

describe('tags', () => {
  it('tag adds a name; rmi of one of two tags only untags', async () => {
    const engine = await freshEngine('tags');
    expect(await engine.tagImage('test/a:1', 'mine/a')).toBe('mine/a:latest');
    const id = (await engine.inspectImage('test/a:1')).id;
    expect((await engine.inspectImage('mine/a')).id).toBe(id);
    expect((await engine.inspectImage(id.slice(7, 19))).id).toBe(id);
    const result = await engine.removeImage('mine/a');
    expect(result).toMatchObject({ untagged: ['mine/a:latest'], kept: ['test/a:1'], deleted: [] });
    expect((await engine.inspectImage('test/a:1')).tags).toEqual(['test/a:1']);
  });

  it('a tag moves to the newer image; the old one stays, untagged, until prune', async () => {
    const engine = await freshEngine('move');
    await engine.tagImage('test/b:1', 'test/a:1');
    const images = await engine.listImages();
    expect(images.find((image) => image.tags.length === 0)).toBeDefined();
    expect((await engine.inspectImage('test/a:1')).id).toBe((await engine.inspectImage('test/b:1')).id);
    const preview = await engine.prune({ dryRun: true });
    expect(preview.images).toHaveLength(1);
    expect(preview.freed.layers).toHaveLength(1);
    expect(layerCount(engine)).toBe(4);
    const pruned = await engine.prune();
    expect(pruned.freed.bytes).toBe(preview.freed.bytes);
    expect(layerCount(engine)).toBe(3);
    expect(await engine.listImages()).toHaveLength(1);
  });

  it('refuses bad names and unknown images with stable codes', async () => {
    const engine = await freshEngine('bad-names');
    await expect(engine.tagImage('test/a:1', 'UPPER/case')).rejects.toSatisfy((e: unknown) => isStrataError(e, 'INVALID_ARGUMENT'));
    await expect(engine.tagImage('nope:1', 'x')).rejects.toSatisfy((e: unknown) => isStrataError(e, 'NOT_FOUND'));
    await expect(engine.removeImage('nope')).rejects.toSatisfy((e: unknown) => isStrataError(e, 'NOT_FOUND'));
  });
});

describe('remove and prune', () => {
  it('rmi --dry-run says what it would do — untag, or delete and free how much — and changes nothing', async () => {
    const engine = await freshEngine('rmi-dry');
    await engine.tagImage('test/b:1', 'mine/b:2');
    const before = fs.readFileSync(path.join(engine.root, 'index.json'), 'utf8');
    expect(await engine.removeImage('mine/b:2', { dryRun: true })).toEqual({ untagged: ['mine/b:2'], kept: ['test/b:1'], deleted: [], freed: { blobs: [], layers: [], bytes: 0 }, dryRun: true });
    // by ID with two tags: refused as the real one is
    const id = (await engine.inspectImage('test/b:1')).id;
    await expect(engine.removeImage(id, { dryRun: true })).rejects.toSatisfy((e: unknown) => isStrataError(e, 'CONFLICT'));
    expect(fs.readFileSync(path.join(engine.root, 'index.json'), 'utf8')).toBe(before);
    await engine.removeImage('mine/b:2');
    const preview = await engine.removeImage('test/b:1', { dryRun: true });
    expect(preview).toMatchObject({ untagged: ['test/b:1'], kept: [], deleted: [id], dryRun: true });
    expect(preview.freed.layers).toHaveLength(1); // its two lower layers are test/a:1's too
    expect(layerCount(engine)).toBe(4);
    const removed = await engine.removeImage('test/b:1');
    expect(removed.freed).toEqual(preview.freed);
    expect(removed.dryRun).toBeUndefined();
    // a container's image: refused on a dry run too
    const container = await engine.createContainer('test/a:1', { command: ['true'] });
    await expect(engine.removeImage('test/a:1', { dryRun: true })).rejects.toSatisfy((e: unknown) => isStrataError(e, 'CONFLICT'));
    await engine.removeContainer(container.id);
  });

  it('rmi removes the image and only the layers no other image uses', async () => {
    const engine = await freshEngine('rmi');
    const removed = await engine.removeImage('test/b:1');
    expect(removed.deleted).toHaveLength(1);
    expect(removed.freed.layers).toHaveLength(1);
    expect(layerCount(engine)).toBe(3);
    await engine.removeImage('test/a:1');
    expect(layerCount(engine)).toBe(0);
    expect(fs.readdirSync(path.join(engine.root, 'blobs/sha256'))).toEqual([]);
    expect((await engine.diskUsage()).layerBytes).toBe(0);
  });

  it('refuses to remove an image a container uses, unless forced; the container keeps its layers', async () => {
    const engine = await freshEngine('in-use');
    const image = await engine.inspectImage('test/b:1');
    // The container manager (a later issue) records its image like this.
    const container = path.join(engine.root, 'containers', 'c0ffee');
    fs.mkdirSync(container);
    fs.writeFileSync(path.join(container, 'container.json'), JSON.stringify({ image: { manifestDigest: image.manifestDigest } }));
    await expect(engine.removeImage('test/b:1')).rejects.toSatisfy((e: unknown) => isStrataError(e, 'CONFLICT'));
    const forced = await engine.removeImage('test/b:1', { force: true });
    expect(forced.deleted).toEqual([image.id]);
    expect(forced.freed.layers).toEqual([]);
    expect(layerCount(engine)).toBe(4);
    fs.rmSync(container, { recursive: true });
    const pruned = await engine.prune();
    expect(pruned.freed.layers).toHaveLength(1);
  });
});

describe('concurrent and cancelled work', () => {
  it('two imports at once both land: writers take turns on the store lock', async () => {
    const engine = Engine.open({ root: path.join(work, 'store-concurrent') });
    const layoutA = writeOciLayout(path.join(work, 'layout-a-only'), [a]);
    const layoutB = writeOciLayout(path.join(work, 'layout-b-only'), [b]);
    await Promise.all([engine.importImage({ path: layoutA }), engine.importImage({ path: layoutB })]);
    expect((await engine.listImages()).map((image) => image.tags[0]).sort()).toEqual(['test/a:1', 'test/b:1']);
    expect(layerCount(engine)).toBe(4);
    expect(fs.readdirSync(path.join(engine.root, 'tmp'))).toEqual([]);
  });

  it('a cancelled import reports CANCELLED and leaves the store as it was', async () => {
    const engine = await freshEngine('cancel');
    const before = treeSnapshot(engine.root);
    const controller = new AbortController();
    const layout = writeOciLayout(path.join(work, 'layout-cancel'), [a], { compression: 'zstd' });
    const promise = engine.importImage({ path: layout, tags: ['cancelled'], signal: controller.signal, onProgress: (progress) => progress.bytes !== undefined && controller.abort() });
    await expect(promise).rejects.toSatisfy((e: unknown) => isStrataError(e, 'CANCELLED'));
    expect(treeSnapshot(engine.root)).toEqual(before);
  });
});

describe('crash safety', () => {
  it('an import killed midway leaves no image and no orphan after the next start', async () => {
    const engine = await freshEngine('killed');
    const before = treeSnapshot(engine.root);
    const bigLayout = writeBigLayout();
    const child = spawn(process.execPath, [path.resolve('bin/strata.js'), '--root', engine.root, 'import', bigLayout], { stdio: ['ignore', 'ignore', 'pipe'] });
    let exited = false;
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('exit', () => (exited = true));
    // Wait until the import is writing into tmp/, then kill it without warning.
    const tmp = path.join(engine.root, 'tmp');
    await waitFor(() => {
      if (exited) throw new Error(`the import ended before it could be killed: ${stderr}`);
      return fs.readdirSync(tmp).some((name) => name.startsWith('import-') && countFiles(path.join(tmp, name)) > 50);
    });
    child.kill('SIGKILL');
    if (!exited) await new Promise((resolve) => child.once('exit', resolve));
    expect(fs.readdirSync(tmp).length).toBeGreaterThan(0);
    const next = Engine.open({ root: engine.root }); // the next start clears up
    expect(fs.readdirSync(tmp)).toEqual([]);
    expect((await next.listImages()).map((image) => image.tags[0])).toEqual(['test/a:1', 'test/b:1']);
    const result = await next.prune();
    expect(result.freed.layers).toEqual([]);
    expect(treeSnapshot(engine.root).filter((line) => !line.startsWith('lock'))).toEqual(before.filter((line) => !line.startsWith('lock')));
  });

  it('content moved into place by a writer that died before publishing it is swept', async () => {
    const engine = await freshEngine('journal');
    const before = treeSnapshot(engine.root);
    // What a writer leaves when it dies between renaming a layer into layers/ and writing
    // index.json: the journal and an unreferenced layer directory.
    const orphan = path.join(engine.root, 'layers', 'f'.repeat(64));
    fs.mkdirSync(path.join(orphan, 'diff'), { recursive: true });
    fs.writeFileSync(path.join(orphan, 'diff', 'file'), 'x');
    fs.writeFileSync(path.join(engine.root, 'blobs/sha256', 'e'.repeat(64)), 'y');
    fs.writeFileSync(path.join(engine.root, 'commit-journal'), '12345\n');
    Engine.open({ root: engine.root }); // the next start sweeps it
    expect(fs.existsSync(orphan)).toBe(false);
    fs.mkdirSync(orphan);
    fs.writeFileSync(path.join(engine.root, 'commit-journal'), '12345\n');
    await engine.tagImage('test/a:1', 'after/crash'); // so does a running writer's next write
    expect(fs.existsSync(orphan)).toBe(false);
    expect(fs.existsSync(path.join(engine.root, 'commit-journal'))).toBe(false);
    await engine.removeImage('after/crash');
    expect(treeSnapshot(engine.root).filter((line) => !line.startsWith('lock'))).toEqual(before.filter((line) => !line.startsWith('lock')));
  });
});

function countFiles(dir: string): number {
  let n = 0;
  const walk = (d: string) => {
    let names: string[];
    try {
      names = fs.readdirSync(d);
    } catch {
      return;
    }
    for (const name of names) {
      n++;
      const abs = path.join(d, name);
      try {
        if (fs.lstatSync(abs).isDirectory()) walk(abs);
      } catch {
        // removed while we looked
      }
    }
  };
  walk(dir);
  return n;
}

async function waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 6000; i++) {
    if (condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('condition not met');
}

/** A layout with one layer of many small files, so the import runs long enough to be killed. */
function writeBigLayout(): string {
  const dir = path.join(work, 'big-layer');
  for (let d = 0; d < 40; d++) {
    fs.mkdirSync(path.join(dir, `d${d}`), { recursive: true });
    for (let f = 0; f < 500; f++) fs.writeFileSync(path.join(dir, `d${d}`, `f${f}`), `file ${d}/${f}\n`.repeat(20));
  }
  const tar = path.join(work, 'big.tar');
  execFileSync('tar', ['--format=pax', '-C', dir, '-cf', tar, '.']);
  const layer = { name: 'big', dir, tar, diffId: sha256File(tar) };
  return writeOciLayout(path.join(work, 'layout-big'), [{ tag: 'big:1', layers: [a.layers[0]!, layer], cmd: ['/bin/sh'] }], { compression: 'gzip' });
}
