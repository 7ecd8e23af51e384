// Garbage collection is mark and sweep from references: tags (and untagged images) in
// index.json and the images of containers keep their manifests, configs, layer blobs and
// layers; everything else goes. And gc racing a writer in another process (an import
// through the CLI of an image that shares layers with the one being removed) never leaves a
// reference to content that is gone.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../../src-main/engine/index';
import { sweepUnreferenced, sweepUnreferencedAsync } from '../../../src-main/engine/store/gc';
import { removeTestStore } from '../../helpers/containers';
import { type TestImage, makeTempDir, testImages, writeOciLayout } from '../../helpers/test-images';
import { expectConsistent, requireBuild, spawnCli } from './store-fixture';

let work: string;
let a: TestImage;
let b: TestImage;
let layoutA: string;
let layoutB: string;
const engines: Engine[] = [];

beforeAll(() => {
  requireBuild();
  work = makeTempDir('store-gc');
  ({ a, b } = testImages(work));
  layoutA = writeOciLayout(path.join(work, 'layout-a'), [a]);
  layoutB = writeOciLayout(path.join(work, 'layout-b'), [b]);
});

afterAll(async () => {
  for (const engine of engines) await removeTestStore(engine, path.dirname(engine.root));
  fs.rmSync(work, { recursive: true, force: true });
});

function openEngine(name: string): Engine {
  const engine = Engine.open({ root: path.join(work, name, 'store') });
  engines.push(engine);
  return engine;
}

function contents(engine: Engine): { blobs: string[]; layers: string[] } {
  const { blobs, layers } = engine.store.paths;
  return { blobs: fs.readdirSync(blobs).sort(), layers: fs.readdirSync(layers).sort() };
}

/** What an image holds in the store: its blobs (manifest, config, layers) and its layers, as hex. */
async function holdings(engine: Engine, ref: string): Promise<{ blobs: string[]; layers: string[] }> {
  const image = await engine.inspectImage(ref);
  const hex = (digest: string) => digest.slice('sha256:'.length);
  return {
    blobs: [image.manifestDigest, image.id, ...image.layers.map((layer) => layer.digest)].map(hex).sort(),
    layers: image.layers.map((layer) => hex(layer.chainId)).sort(),
  };
}

const union = (...lists: string[][]): string[] => [...new Set(lists.flat())].sort();

describe('mark and sweep', () => {
  it('keeps what tags, untagged images and containers reference; removes everything else', async () => {
    const engine = openEngine('mark');
    await engine.importImage({ path: layoutA });
    await engine.importImage({ path: layoutB });
    const heldA = await holdings(engine, 'test/a:1');
    const heldB = await holdings(engine, 'test/b:1');
    const idA = (await engine.inspectImage('test/a:1')).id;
    const container = await engine.createContainer('test/b:1');
    const { paths } = engine.store;
    const orphanBlob = 'e'.repeat(64);
    const orphanLayer = 'f'.repeat(64);
    fs.writeFileSync(path.join(paths.blobs, orphanBlob), 'nobody points here');
    fs.mkdirSync(path.join(paths.layers, orphanLayer, 'diff'), { recursive: true });

    // The API's form is the same walk: its dry run lists what the sweep then removes.
    const planned = await sweepUnreferencedAsync(paths, { dryRun: true });
    expect(contents(engine).layers).toContain(orphanLayer);
    const swept = await engine.store.write(() => sweepUnreferenced(paths));
    expect(swept).toEqual(planned);
    expect(swept.blobs).toEqual([`sha256:${orphanBlob}`]);
    expect(swept.layers).toEqual([`sha256:${orphanLayer}`]);
    expect(contents(engine)).toEqual({ blobs: union(heldA.blobs, heldB.blobs), layers: union(heldA.layers, heldB.layers) });

    // The container alone keeps image B once its tag is gone.
    const removed = await engine.removeImage('test/b:1', { force: true });
    expect(removed.freed).toEqual({ blobs: [], layers: [], bytes: 0 });
    expect(expectConsistent(paths)).toBe(2);

    // An image without a tag is still in index.json: still referenced.
    await engine.store.write(() => engine.store.updateImages((images) => images.map((image) => ({ ...image, tags: [] }))));
    expect((await engine.store.write(() => sweepUnreferenced(paths))).layers).toEqual([]);

    await engine.removeContainer(container.id);
    const pruned = await engine.prune();
    expect(pruned.images).toEqual([idA]); // the untagged image no container uses
    expect(pruned.freed.layers.map((id) => id.slice(7)).sort()).toEqual(union(heldA.layers, heldB.layers));
    expect(contents(engine)).toEqual({ blobs: [], layers: [] });
    expect(engine.store.readImages()).toEqual([]);
  });
});

describe('gc racing a writer in another process', () => {
  it('rmi + prune here while the CLI imports an image sharing their layers: the store stays whole', async () => {
    const engine = openEngine('race');
    for (let round = 0; round < 3; round++) {
      await engine.importImage({ path: layoutA });
      const importer = spawnCli(engine.root, 'import', layoutB);
      let done = false;
      void importer.exited.then(() => (done = true));
      await engine.removeImage('test/a:1');
      do await engine.prune(); // every sweep it gets in before, between or after the import's turn
      while (!done);
      expect(await importer.exited, importer.stderr()).toBe(0);
      expect((await engine.listImages()).map((image) => image.tags)).toEqual([['test/b:1']]);
      expect(expectConsistent(engine.store.paths)).toBe(1);
      expect(contents(engine)).toEqual(await holdings(engine, 'test/b:1'));
      await engine.removeImage('test/b:1');
      expect(contents(engine)).toEqual({ blobs: [], layers: [] });
    }
  });
});
