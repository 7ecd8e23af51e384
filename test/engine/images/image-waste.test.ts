// Wasted space and the efficiency score (`strata layers --wasted`, images.wasted) on images
// crafted tar by tar, imported through the engine: every expected number is worked out by
// hand below from the bytes the tars hold.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../../src-main/engine/index';
import { type TarEntryOptions, tarArchive } from '../../helpers/tar-writer';
import { type BuiltLayer, type TestImage, makeTempDir, sha256File, writeOciLayout } from '../../helpers/test-images';

// Whiteouts and opaque directories unpack only as root (layers/README.md).
const asRoot = process.getuid?.() === 0;
if (!asRoot) console.warn('image-waste.test: whiteouts and opaque directories need root; skipped');

let work: string;
let engine: Engine;

const bytes = (n: number, fill = 'x'): string => fill.repeat(n);

function layer(name: string, entries: TarEntryOptions[]): BuiltLayer {
  const tar = path.join(work, `${name}.tar`);
  fs.writeFileSync(tar, tarArchive(entries));
  return { name, dir: '', tar, diffId: sha256File(tar) };
}

beforeAll(async () => {
  if (!asRoot) return;
  work = makeTempDir('image-waste');
  engine = Engine.open({ root: path.join(work, 'store') });
  const image = (tag: string, layers: BuiltLayer[]): TestImage => ({ tag, layers, cmd: ['/bin/sh'] });
  const images = [
    // app/conf written three times, growing: 100, 200, 300 bytes.
    image('waste/rewrite:1', [
      layer('rewrite0', [{ name: 'app/conf', content: bytes(100) }]),
      layer('rewrite1', [{ name: 'app/conf', content: bytes(200) }]),
      layer('rewrite2', [{ name: 'app/conf', content: bytes(300) }]),
    ]),
    // A directory of two files added, then deleted by one whiteout; keep stays.
    image('waste/deldir:1', [
      layer('deldir0', [
        { name: 'data/', type: 'directory' },
        { name: 'data/a', content: bytes(1000) },
        { name: 'data/sub/b', content: bytes(500) },
        { name: 'keep', content: bytes(10) },
      ]),
      layer('deldir1', [{ name: '.wh.data', content: '' }]),
    ]),
    // etc/x made opaque over two files, one of which the opaque layer writes again.
    image('waste/opaque:1', [
      layer('opaque0', [
        { name: 'etc/x/a', content: bytes(40) },
        { name: 'etc/x/b', content: bytes(60) },
      ]),
      layer('opaque1', [
        { name: 'etc/x/', type: 'directory' },
        { name: 'etc/x/.wh..wh..opq', content: '' },
        { name: 'etc/x/b', content: bytes(7) },
      ]),
    ]),
    // One inode, two names: deleting one name wastes nothing, deleting the second wastes it once.
    image('waste/hardlink:1', [
      layer('link0', [
        { name: 'bin/tool', content: bytes(800) },
        { name: 'bin/alias', type: 'hardlink', linkname: 'bin/tool' },
      ]),
      layer('link1', [{ name: 'bin/.wh.tool', content: '' }]),
      layer('link2', [{ name: 'bin/.wh.alias', content: '' }]),
    ]),
    // Only additions.
    image('waste/clean:1', [layer('clean0', [{ name: 'a', content: bytes(10) }]), layer('clean1', [{ name: 'b', content: bytes(20) }])]),
  ];
  await engine.importImage({ path: writeOciLayout(path.join(work, 'layout'), images, { compression: 'none' }), format: 'oci' });
});

afterAll(() => {
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

describe.skipIf(!asRoot)('imageWaste', () => {
  it('a file rewritten in three layers wastes its first two versions (dive would say 500: it keeps the smallest)', async () => {
    const waste = await engine.imageWaste('waste/rewrite:1');
    expect(waste.totalBytes).toBe(600); // 100 + 200 + 300
    expect(waste.wastedBytes).toBe(300); // 100 + 200
    expect(waste.efficiency).toBe(0.5); // (600 − 300) / 600
    expect(waste.paths).toEqual([
      {
        path: 'app/conf',
        bytes: 300,
        versions: [
          { layer: 0, bytes: 100, hiddenBy: 1, how: 'overwritten' },
          { layer: 1, bytes: 200, hiddenBy: 2, how: 'overwritten' },
        ],
      },
    ]);
    expect(waste.layers.map((own) => [own.bytes, own.wastedBytes])).toEqual([
      [100, 100],
      [200, 200],
      [300, 0],
    ]);
  });

  it('a directory deleted by one whiteout wastes every file below it, biggest first', async () => {
    const waste = await engine.imageWaste('waste/deldir:1');
    expect(waste.totalBytes).toBe(1510); // 1000 + 500 + 10; the whiteout counts 0
    expect(waste.wastedBytes).toBe(1500);
    expect(waste.efficiency).toBeCloseTo(10 / 1510, 12);
    expect(waste.paths).toEqual([
      { path: 'data/a', bytes: 1000, versions: [{ layer: 0, bytes: 1000, hiddenBy: 1, how: 'deleted' }] },
      { path: 'data/sub/b', bytes: 500, versions: [{ layer: 0, bytes: 500, hiddenBy: 1, how: 'deleted' }] },
    ]);
    expect(waste.layers.map((own) => own.wastedBytes)).toEqual([1500, 0]);
  });

  it('an opaque directory hides all the lower layers put below it, rewritten or not', async () => {
    const waste = await engine.imageWaste('waste/opaque:1');
    expect(waste.totalBytes).toBe(107); // 40 + 60 + 7
    expect(waste.wastedBytes).toBe(100); // 40 + 60
    expect(waste.paths).toEqual([
      { path: 'etc/x/b', bytes: 60, versions: [{ layer: 0, bytes: 60, hiddenBy: 1, how: 'opaque' }] },
      { path: 'etc/x/a', bytes: 40, versions: [{ layer: 0, bytes: 40, hiddenBy: 1, how: 'opaque' }] },
    ]);
  });

  it('a hard-linked file counts once, and only once its last name is gone', async () => {
    const waste = await engine.imageWaste('waste/hardlink:1');
    expect(waste.totalBytes).toBe(800); // one inode, not two
    expect(waste.wastedBytes).toBe(800);
    expect(waste.efficiency).toBe(0);
    // bin/tool's deletion (layer 1) left the bytes reachable through bin/alias: not listed.
    expect(waste.paths).toEqual([{ path: 'bin/alias', bytes: 800, versions: [{ layer: 0, bytes: 800, hiddenBy: 2, how: 'deleted' }] }]);
    expect(waste.layers.map((own) => own.wastedBytes)).toEqual([800, 0, 0]);
  });

  it('an image whose layers only add wastes nothing: score 1', async () => {
    const waste = await engine.imageWaste('waste/clean:1');
    expect(waste).toMatchObject({ totalBytes: 30, wastedBytes: 0, efficiency: 1, paths: [] });
    expect(waste.layers.map((own) => [own.index, own.bytes, own.wastedBytes])).toEqual([
      [0, 10, 0],
      [1, 20, 0],
    ]);
    expect(waste.layers[0]!.chainId).toBe((await engine.inspectImage('waste/clean:1')).layers[0]!.chainId);
  });

  it('an unknown image is NOT_FOUND', async () => {
    await expect(engine.imageWaste('waste/none:1')).rejects.toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
  });
});
