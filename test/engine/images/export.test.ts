// Export (`save`) in every format, read back by our own import, by GNU tar, and — where
// installed — by skopeo and podman: the same image IDs, layers and tags come out.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../../src-main/engine/index';
import type { ExportFormat, ExportOptions } from '../../../src-main/engine/images/export-image';
import { chainIds } from '../../../src-main/engine/store/digest';
import { type ErrorCode, isStrataError } from '@shared/errors';
import { type TestImage, makeTempDir, sha256Bytes, sha256File, testImages, treeSnapshot, writeOciLayout } from '../../helpers/test-images';

let work: string;
let a: TestImage;
let b: TestImage;
/** a and b with gzip layers (sharing the first two); a alone with zstd layers. */
let gzipStore: Engine;
let zstdStore: Engine;
let counter = 0;

beforeAll(async () => {
  work = makeTempDir('export');
  ({ a, b } = testImages(work));
  gzipStore = newEngine('gzip');
  await gzipStore.importImage({ path: writeOciLayout(path.join(work, 'layout-gzip'), [a, b], { compression: 'gzip' }) });
  zstdStore = newEngine('zstd');
  await zstdStore.importImage({ path: writeOciLayout(path.join(work, 'layout-zstd'), [a], { compression: 'zstd' }) });
});

afterAll(() => {
  fs.rmSync(work, { recursive: true, force: true });
});

function newEngine(label: string): Engine {
  return Engine.open({ root: path.join(work, `store-${label}-${counter++}`) });
}

/** A fresh empty directory to export into. */
function outDir(label: string): string {
  const dir = path.join(work, `out-${label}-${counter++}`);
  fs.mkdirSync(dir);
  return dir;
}

/** What must survive a round trip, per image, in tag order. */
async function facts(engine: Engine): Promise<{ tags: string[]; id: string; diffIds: string[]; chainIds: string[] }[]> {
  return (await engine.listImages())
    .map((image) => ({ tags: [...image.tags].sort(), id: image.id, diffIds: image.layers.map((l) => l.diffId), chainIds: image.layers.map((l) => l.chainId) }))
    .sort((x, y) => (x.tags[0] ?? x.id).localeCompare(y.tags[0] ?? y.id));
}

async function exportTo(engine: Engine, refs: string[], format: ExportFormat, name: string, extra: Partial<ExportOptions> = {}): Promise<string> {
  const output = path.join(outDir(format), name);
  const result = await engine.exportImages(refs, { format, output, ...extra });
  expect(result.output).toBe(output);
  return output;
}

function tarList(file: string): string[] {
  return execFileSync('tar', ['-tf', file], { encoding: 'utf8' }).trim().split('\n');
}

function untar(file: string): string {
  const dir = outDir('untar');
  execFileSync('tar', ['-xf', file, '-C', dir]);
  return dir;
}

async function expectRefused(promise: Promise<unknown>, code: ErrorCode, message?: RegExp): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, 'the export should have failed').toBeDefined();
  if (!isStrataError(error, code)) throw error;
  if (message) expect(error.message).toMatch(message);
}

describe('round trips: export, import into a fresh store, same images', () => {
  it.each(['oci-archive', 'oci', 'docker-archive'] as const)('%s', async (format) => {
    const before = treeSnapshot(gzipStore.root);
    const output = await exportTo(gzipStore, ['test/a:1', 'test/b:1'], format, 'ab');
    expect(treeSnapshot(gzipStore.root), 'export only reads the store').toEqual(before);
    expect(fs.readdirSync(path.dirname(output)), 'no temporary left beside the output').toEqual(['ab']);

    const copy = newEngine(`round-${format}`);
    const imported = await copy.importImage({ path: output });
    expect(imported.map((image) => image.tags)).toEqual([['test/a:1'], ['test/b:1']]);
    expect(await facts(copy)).toEqual(await facts(gzipStore));
    expect((await facts(copy))[0]!.chainIds).toEqual(chainIds(a.layers.map((layer) => layer.diffId)));
    const manifests = async (engine: Engine) => (await engine.listImages()).map((image) => image.manifestDigest);
    // OCI keeps every blob; a docker-archive has no manifest, so import writes a new one.
    if (format !== 'docker-archive') expect(await manifests(copy)).toEqual(await manifests(gzipStore));
    else expect((await copy.listImages())[0]!.layers.map((l) => l.digest)).toEqual(a.layers.map((layer) => layer.diffId));
  });

  it('zstd layers come out of a docker-archive decompressed', async () => {
    const output = await exportTo(zstdStore, ['test/a:1'], 'docker-archive', 'a.tar');
    const copy = newEngine('zstd-round');
    await copy.importImage({ path: output });
    expect(await facts(copy)).toEqual(await facts(zstdStore));
    const oci = await exportTo(zstdStore, ['test/a:1'], 'oci-archive', 'a.tar');
    const ociCopy = newEngine('zstd-oci-round');
    await ociCopy.importImage({ path: oci });
    expect((await ociCopy.inspectImage('test/a:1')).layers.map((l) => l.mediaType)).toEqual(a.layers.map(() => 'application/vnd.oci.image.layer.v1.tar+zstd'));
    expect((await ociCopy.inspectImage('test/a:1')).manifestDigest).toBe((await zstdStore.inspectImage('test/a:1')).manifestDigest);
  });

  it('a stream output gets the same archive, byte for byte; exports are reproducible', async () => {
    const file = await exportTo(gzipStore, ['test/a:1', 'test/b:1'], 'docker-archive', 'ab.tar');
    const again = await exportTo(gzipStore, ['test/a:1', 'test/b:1'], 'docker-archive', 'ab.tar');
    expect(sha256File(again)).toBe(sha256File(file));
    const chunks: Buffer[] = [];
    const sink = new PassThrough();
    sink.on('data', (chunk: Buffer) => chunks.push(chunk));
    const result = await gzipStore.exportImages(['test/a:1', 'test/b:1'], { format: 'docker-archive', output: sink });
    expect(result.output).toBeUndefined();
    expect(sha256Bytes(Buffer.concat(chunks))).toBe(sha256File(file));
    expect(result.bytes).toBe(fs.statSync(file).size);
    await expectRefused(gzipStore.exportImages(['test/a:1'], { format: 'oci', output: new PassThrough() }), 'INVALID_ARGUMENT', /directory/);
  });

  it('names: a tag exports that tag; an ID exports all tags; refs to one image merge', async () => {
    const engine = newEngine('names');
    await engine.importImage({ path: path.join(work, 'layout-gzip') });
    await engine.tagImage('test/a:1', 'other/a:2');
    const id = (await engine.inspectImage('test/a:1')).id;

    const byTag = await exportTo(engine, ['other/a:2'], 'oci-archive', 'tag.tar');
    const copy = newEngine('names-tag');
    await copy.importImage({ path: byTag });
    expect((await copy.listImages()).map((image) => image.tags)).toEqual([['other/a:2']]);

    const byId = await exportTo(engine, [id.slice(7, 19), 'test/a:1', 'test/b:1'], 'docker-archive', 'id.tar');
    const manifest = JSON.parse(fs.readFileSync(path.join(untar(byId), 'manifest.json'), 'utf8')) as { RepoTags: string[] }[];
    expect(manifest.map((entry) => entry.RepoTags)).toEqual([['test/a:1', 'other/a:2'], ['test/b:1']]);
    const idCopy = newEngine('names-id');
    await idCopy.importImage({ path: byId });
    expect((await idCopy.inspectImage('other/a:2')).id).toBe(id);

    // an untagged image stays untagged
    await engine.removeImage('other/a:2');
    await engine.tagImage('test/b:1', 'test/a:1');
    const untagged = (await engine.listImages()).find((image) => image.tags.length === 0)!;
    const none = await exportTo(engine, [untagged.id], 'oci-archive', 'none.tar');
    const index = JSON.parse(fs.readFileSync(path.join(untar(none), 'index.json'), 'utf8')) as { manifests: { annotations?: unknown }[] };
    expect(index.manifests).toEqual([{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: untagged.manifestDigest, size: expect.any(Number) }]);
    const noneCopy = newEngine('names-none');
    await noneCopy.importImage({ path: none });
    expect((await noneCopy.listImages()).map((image) => [image.id, image.tags])).toEqual([[untagged.id, []]]);
  });

  it('measures layers whose uncompressed size the store did not record', async () => {
    const engine = newEngine('no-tarsize');
    await engine.importImage({ path: path.join(work, 'layout-gzip') });
    for (const hex of fs.readdirSync(path.join(engine.root, 'layers'))) {
      const metaFile = path.join(engine.root, 'layers', hex, 'meta.json');
      const meta = JSON.parse(fs.readFileSync(metaFile, 'utf8')) as Record<string, unknown>;
      delete meta.tarSize;
      fs.writeFileSync(metaFile, JSON.stringify(meta));
    }
    const output = await exportTo(engine, ['test/a:1'], 'docker-archive', 'a.tar');
    const copy = newEngine('no-tarsize-copy');
    await copy.importImage({ path: output });
    expect((await copy.inspectImage('test/a:1')).id).toBe((await engine.inspectImage('test/a:1')).id);
  });
});

describe('the archives as other tools read them', () => {
  it('oci-archive: GNU tar lists oci-layout, index.json and every blob once, as stored', async () => {
    const output = await exportTo(gzipStore, ['test/a:1', 'test/b:1'], 'oci-archive', 'ab.tar');
    const names = tarList(output);
    const blobs = names.filter((name) => /^blobs\/sha256\/[0-9a-f]{64}$/.test(name));
    expect(names.slice(0, 4)).toEqual(['oci-layout', 'index.json', 'blobs/', 'blobs/sha256/']);
    expect(blobs).toHaveLength(2 + 2 + 4); // manifests, configs, 4 distinct layers (2 shared)
    expect(new Set(blobs).size).toBe(blobs.length);
    expect(names).toHaveLength(4 + blobs.length);
    const dir = untar(output);
    for (const blob of blobs) {
      const hex = blob.slice('blobs/sha256/'.length);
      expect(sha256File(path.join(dir, blob))).toBe(`sha256:${hex}`);
      expect(fs.existsSync(path.join(gzipStore.root, 'blobs', 'sha256', hex))).toBe(true);
    }
    const index = JSON.parse(fs.readFileSync(path.join(dir, 'index.json'), 'utf8')) as { manifests: { digest: string; annotations: Record<string, string> }[] };
    expect(index.manifests.map((m) => [m.digest, m.annotations])).toEqual(
      await Promise.all(['test/a:1', 'test/b:1'].map(async (tag) => [(await gzipStore.inspectImage(tag)).manifestDigest, { 'io.containerd.image.name': tag, 'org.opencontainers.image.ref.name': '1' }])),
    );
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'oci-layout'), 'utf8'))).toEqual({ imageLayoutVersion: '1.0.0' });
  });

  it('oci directory: the same layout as files', async () => {
    const output = await exportTo(gzipStore, ['test/a:1', 'test/b:1'], 'oci', 'layout');
    expect(fs.readdirSync(output).sort()).toEqual(['blobs', 'index.json', 'oci-layout']);
    const blobs = fs.readdirSync(path.join(output, 'blobs', 'sha256'));
    expect(blobs).toHaveLength(8);
    for (const hex of blobs) expect(sha256File(path.join(output, 'blobs', 'sha256', hex))).toBe(`sha256:${hex}`);
  });

  it('docker-archive of gzip layers: uncompressed layer tars that hash to the diff_ids, shared ones once', async () => {
    const output = await exportTo(gzipStore, ['test/a:1', 'test/b:1'], 'docker-archive', 'ab.tar');
    const names = tarList(output);
    expect(names.slice(0, 2)).toEqual(['manifest.json', 'repositories']);
    expect(names.filter((name) => name.endsWith('/layer.tar'))).toHaveLength(4);
    const dir = untar(output);
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as { Config: string; RepoTags: string[]; Layers: string[] }[];
    for (const [entry, image] of [[manifest[0]!, a] as const, [manifest[1]!, b] as const]) {
      const info = await gzipStore.inspectImage(image.tag);
      expect(entry.RepoTags).toEqual([image.tag]);
      expect(`sha256:${entry.Config.replace(/\.json$/, '')}`).toBe(info.id);
      expect(sha256File(path.join(dir, entry.Config))).toBe(info.id);
      const config = JSON.parse(fs.readFileSync(path.join(dir, entry.Config), 'utf8')) as { rootfs: { diff_ids: string[] } };
      expect(entry.Layers.map((layer) => sha256File(path.join(dir, layer)))).toEqual(config.rootfs.diff_ids);
      expect(config.rootfs.diff_ids).toEqual(image.layers.map((layer) => layer.diffId));
      // each layer is a plain tar as the test built it
      for (const [i, layer] of entry.Layers.entries()) expect(fs.readFileSync(path.join(dir, layer)).equals(fs.readFileSync(image.layers[i]!.tar))).toBe(true);
    }
    expect(manifest[0]!.Layers.slice(0, 2)).toEqual(manifest[1]!.Layers.slice(0, 2));
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'repositories'), 'utf8'))).toEqual({
      'test/a': { '1': a.layers[2]!.diffId.slice(7) },
      'test/b': { '1': b.layers[2]!.diffId.slice(7) },
    });
  });

  const skopeo = commandPath('skopeo');
  it.skipIf(!skopeo)('skopeo inspect reads both archives: same layers and config', async () => {
    const info = await gzipStore.inspectImage('test/a:1');
    const oci = await exportTo(gzipStore, ['test/a:1'], 'oci-archive', 'a.tar');
    const ociView = JSON.parse(run('skopeo', 'inspect', `oci-archive:${oci}`)) as { Digest: string; Layers: string[] };
    expect(ociView.Digest).toBe(info.manifestDigest);
    expect(ociView.Layers).toEqual(info.layers.map((layer) => layer.digest));
    expect(sha256Bytes(execFileSync('skopeo', ['inspect', '--config', '--raw', `oci-archive:${oci}`]))).toBe(info.id);

    const docker = await exportTo(gzipStore, ['test/a:1', 'test/b:1'], 'docker-archive', 'ab.tar');
    for (const [position, tag] of ['test/a:1', 'test/b:1'].entries()) {
      const image = await gzipStore.inspectImage(tag);
      const view = JSON.parse(run('skopeo', 'inspect', `docker-archive:${docker}:@${position}`)) as { Layers: string[]; RepoTags: string[] };
      expect(view.Layers).toEqual(image.layers.map((layer) => layer.diffId));
      expect(sha256Bytes(execFileSync('skopeo', ['inspect', '--config', '--raw', `docker-archive:${docker}:@${position}`]))).toBe(image.id);
    }
  });
  if (!skopeo) console.log('skipping the skopeo check: skopeo is not installed');

  const podman = commandPath('podman');
  it.skipIf(!podman)('podman load takes both archives: same image IDs and layers', async () => {
    const docker = await exportTo(gzipStore, ['test/a:1', 'test/b:1'], 'docker-archive', 'ab.tar');
    const oci = await exportTo(gzipStore, ['test/a:1'], 'oci-archive', 'a.tar');
    for (const [file, tags] of [[docker, ['test/a:1', 'test/b:1']], [oci, ['test/a:1']]] as const) {
      const podmanRoot = outDir('podman');
      // Everything podman keeps goes under podmanRoot: vfs (no mounts to undo), its own
      // tmp dir instead of the host's /run/libpod, no event log.
      const podmanArgs = ['--root', path.join(podmanRoot, 'root'), '--runroot', path.join(podmanRoot, 'run'), '--tmpdir', path.join(podmanRoot, 'tmp'), '--storage-driver', 'vfs', '--events-backend', 'none'];
      const env = { ...process.env, TMPDIR: podmanRoot };
      try {
        const loaded = spawnSync('podman', [...podmanArgs, 'load', '-i', file], { encoding: 'utf8', env });
        expect(loaded.status, loaded.stderr).toBe(0);
        console.log(`podman load ${path.basename(file)}: ${loaded.stdout.trim()}`);
        const images = JSON.parse(execFileSync('podman', [...podmanArgs, 'images', '--format', 'json'], { encoding: 'utf8', env })) as { Id: string }[];
        expect(images.map((image) => `sha256:${image.Id}`).sort()).toEqual((await Promise.all(tags.map(async (tag) => (await gzipStore.inspectImage(tag)).id))).sort());
        for (const tag of tags) {
          const image = await gzipStore.inspectImage(tag);
          const [inspected] = JSON.parse(execFileSync('podman', [...podmanArgs, 'image', 'inspect', image.id.slice(7)], { encoding: 'utf8', env })) as { RootFS: { Layers: string[] } }[];
          expect(inspected!.RootFS.Layers).toEqual(image.layers.map((layer) => layer.diffId));
        }
      } finally {
        // not `podman system reset`: it also clears host-wide state (networks, /run/libpod)
        fs.rmSync(podmanRoot, { recursive: true, force: true });
      }
    }
  });
  if (!podman) console.log('skipping the podman check: podman is not installed');
});

describe('bad input writes nothing', () => {
  it('an unknown image: NOT_FOUND, no output, no temporary', async () => {
    const dir = outDir('missing');
    await expectRefused(gzipStore.exportImages(['test/a:1', 'nope:1'], { format: 'oci-archive', output: path.join(dir, 'x.tar') }), 'NOT_FOUND', /no such image: nope:1/);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('a bad format, no images, a missing directory', async () => {
    const dir = outDir('bad');
    await expectRefused(gzipStore.exportImages(['test/a:1'], { format: 'zip' as ExportFormat, output: path.join(dir, 'x') }), 'INVALID_ARGUMENT', /unknown export format "zip"/);
    await expectRefused(gzipStore.exportImages([], { format: 'oci-archive', output: path.join(dir, 'x') }), 'INVALID_ARGUMENT');
    await expectRefused(gzipStore.exportImages(['test/a:1'], { format: 'oci-archive', output: path.join(dir, 'no', 'x') }), 'NOT_FOUND');
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('an existing output: CONFLICT unless overwrite, which replaces it', async () => {
    const dir = outDir('exists');
    const file = path.join(dir, 'x.tar');
    fs.writeFileSync(file, 'keep me');
    await expectRefused(gzipStore.exportImages(['test/a:1'], { format: 'docker-archive', output: file }), 'CONFLICT', /already exists/);
    expect(fs.readFileSync(file, 'utf8')).toBe('keep me');
    await gzipStore.exportImages(['test/a:1'], { format: 'docker-archive', output: file, overwrite: true });
    expect(tarList(file)[0]).toBe('manifest.json');

    // a directory: only an OCI layout (or an empty one) is ever replaced, and only by one
    const layout = path.join(dir, 'layout');
    await gzipStore.exportImages(['test/a:1'], { format: 'oci', output: layout });
    await expectRefused(gzipStore.exportImages(['test/b:1'], { format: 'oci', output: layout }), 'CONFLICT');
    await gzipStore.exportImages(['test/b:1'], { format: 'oci', output: layout, overwrite: true });
    expect(JSON.parse(fs.readFileSync(path.join(layout, 'index.json'), 'utf8')).manifests[0].annotations['io.containerd.image.name']).toBe('test/b:1');
    await expectRefused(gzipStore.exportImages(['test/a:1'], { format: 'oci-archive', output: layout, overwrite: true }), 'CONFLICT', /is a directory/);
    const mine = path.join(dir, 'mine');
    fs.mkdirSync(mine);
    fs.writeFileSync(path.join(mine, 'precious.txt'), 'x');
    await expectRefused(gzipStore.exportImages(['test/a:1'], { format: 'oci', output: mine, overwrite: true }), 'CONFLICT', /not an OCI layout/);
    expect(fs.readdirSync(mine)).toEqual(['precious.txt']);
    expect(fs.readdirSync(dir).sort()).toEqual(['layout', 'mine', 'x.tar']);
  });

  it.each(['oci-archive', 'oci', 'docker-archive'] as const)('cancelled mid-layer (%s): CANCELLED, no output, no temporary', async (format) => {
    const dir = outDir('cancel');
    // descriptors on this export's files only (the store's blobs, the output): other work in the process has its own
    const ours = (fd: string) => {
      try {
        const target = fs.readlinkSync(`/proc/self/fd/${fd}`);
        return target.startsWith(`${gzipStore.root}/`) || target.startsWith(`${dir}/`);
      } catch {
        return false;
      }
    };
    const openFds = () => fs.readdirSync('/proc/self/fd').filter(ours).length;
    const fdsBefore = openFds();
    const abort = new AbortController();
    let seen = 0;
    await expectRefused(
      gzipStore.exportImages(['test/a:1', 'test/b:1'], {
        format,
        output: path.join(dir, 'x'),
        signal: abort.signal,
        onProgress: (progress) => {
          seen++;
          if (progress.role === 'layer' && progress.bytes > 0) abort.abort();
        },
      }),
      'CANCELLED',
    );
    expect(seen).toBeGreaterThan(0);
    expect(fs.readdirSync(dir)).toEqual([]);
    // a destroyed write stream closes its file asynchronously: until it has
    await expect.poll(openFds, { message: 'every blob descriptor closed once' }).toBe(fdsBefore);
  });

  it('a blob that no longer matches its digest: DIGEST_MISMATCH, nothing written', async () => {
    const engine = newEngine('corrupt');
    await engine.importImage({ path: path.join(work, 'layout-gzip') });
    const layer = (await engine.inspectImage('test/a:1')).layers[1]!;
    const blob = path.join(engine.root, 'blobs', 'sha256', layer.digest.slice(7));
    const bytes = fs.readFileSync(blob);
    bytes.writeUInt8(bytes[bytes.length - 20]! ^ 0xff, bytes.length - 20); // inside the gzip stream's data
    fs.writeFileSync(blob, bytes);
    for (const format of ['oci-archive', 'docker-archive'] as const) {
      const dir = outDir('corrupt');
      await expectRefused(engine.exportImages(['test/a:1'], { format, output: path.join(dir, 'x') }), 'DIGEST_MISMATCH', new RegExp(layer.digest.slice(7)));
      expect(fs.readdirSync(dir)).toEqual([]);
    }
  });
});

function commandPath(name: string): string | undefined {
  const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  return found.status === 0 ? found.stdout.trim() : undefined;
}

function run(command: string, ...args: string[]): string {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}
