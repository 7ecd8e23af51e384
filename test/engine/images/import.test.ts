// Import in every format, against a real store on disk, checked by the kernel's overlayfs.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../../src-main/engine/index';
import { isStrataError } from '@shared/errors';
import {
  type TestImage,
  du,
  makeTempDir,
  tarDirectory,
  testImages,
  writeDockerArchive,
  writeOciArchive,
  writeOciLayout,
} from '../../helpers/test-images';

let work: string;
let a: TestImage;
let b: TestImage;

beforeAll(() => {
  work = makeTempDir('import');
  ({ a, b } = testImages(work));
});

afterAll(() => {
  fs.rmSync(work, { recursive: true, force: true });
});

function newEngine(label: string): Engine {
  return Engine.open({ root: path.join(work, `store-${label}-${Math.random().toString(36).slice(2)}`) });
}

/** Mounts the image's layers read-only with overlayfs, runs `check`, unmounts. */
async function withOverlay<T>(engine: Engine, ref: string, check: (merged: string) => T): Promise<T> {
  const image = await engine.inspectImage(ref);
  const lower = image.layers
    .map((layer) => path.join(engine.root, 'layers', layer.chainId.slice(7), 'diff'))
    .reverse()
    .join(':');
  const mountpoint = fs.mkdtempSync(path.join(work, 'mnt-'));
  execFileSync('mount', ['-t', 'overlay', 'overlay', '-o', `ro,lowerdir=${lower}`, mountpoint]);
  try {
    return check(mountpoint);
  } finally {
    execFileSync('umount', [mountpoint]);
    fs.rmdirSync(mountpoint);
  }
}

describe('import from an OCI layout directory', () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = newEngine('oci');
    const layout = writeOciLayout(path.join(work, 'layout-ab'), [a, b], { compression: 'gzip' });
    const imported = await engine.importImage({ path: layout });
    expect(imported.map((image) => image.tags)).toEqual([['test/a:1'], ['test/b:1']]);
    expect(imported[1]!.layers.map((layer) => layer.reused)).toEqual([true, true, false]);
  });

  it('lists both images with their layers, sharing the first two', async () => {
    const images = await engine.listImages();
    expect(images.map((image) => image.tags[0])).toEqual(['test/a:1', 'test/b:1']);
    const [ia, ib] = images;
    expect(ia!.layers.slice(0, 2).map((l) => l.chainId)).toEqual(ib!.layers.slice(0, 2).map((l) => l.chainId));
    expect(ia!.layers[2]!.chainId).not.toEqual(ib!.layers[2]!.chainId);
    expect(fs.readdirSync(path.join(engine.root, 'layers'))).toHaveLength(4);
    expect(ia!.layers.map((l) => l.createdBy)).toEqual(['test layer base', 'test layer app', 'test layer change']);
  });

  it('unpacks layers that overlayfs merges as the image says', async () => {
    await withOverlay(engine, 'test/a:1', (root) => {
      expect(fs.existsSync(path.join(root, 'etc/motd'))).toBe(false);
      expect(fs.readFileSync(path.join(root, 'etc/passwd'), 'utf8')).toContain('app:x:1000');
      expect(fs.readdirSync(path.join(root, 'usr/share/doc'))).toEqual(['new.txt']);
      expect(fs.existsSync(path.join(root, 'app/big.bin'))).toBe(false);
      expect(fs.readFileSync(path.join(root, 'app/data.txt'), 'utf8')).toBe('application data\n');
      const data = fs.statSync(path.join(root, 'app/data.txt'));
      const hard = fs.statSync(path.join(root, 'app/data-hardlink.txt'));
      expect(hard.ino).toBe(data.ino);
      expect(fs.readlinkSync(path.join(root, 'app/data-symlink'))).toBe('data.txt');
      const run = fs.statSync(path.join(root, 'app/run.sh'));
      expect([run.uid, run.gid, run.mode & 0o7777]).toEqual([1000, 1000, 0o4755]);
      expect(fs.statSync(path.join(root, 'tmp')).mode & 0o7777).toBe(0o1777);
      expect(fs.statSync(path.join(root, 'etc/group')).mtime.toISOString()).toBe('2026-01-02T03:04:05.000Z');
      expect(execFileSync('getfattr', ['--only-values', '-n', 'user.strata.test', path.join(root, 'app/data.txt')], { encoding: 'utf8' })).toBe('kept');
      expect(execFileSync('chroot', [root, '/bin/cat', '/etc/group'], { encoding: 'utf8' })).toBe('root:x:0:\n');
    });
    await withOverlay(engine, 'test/b:1', (root) => {
      expect(fs.readFileSync(path.join(root, 'etc/motd'), 'utf8')).toBe('welcome to the base layer\n');
      expect(fs.readdirSync(path.join(root, 'usr/share/doc')).sort()).toEqual(['old', 'readme']);
      expect(fs.statSync(path.join(root, 'app/big.bin')).size).toBe(1 << 20);
      expect(fs.readFileSync(path.join(root, 'opt/b.txt'), 'utf8')).toBe('only in image B\n');
    });
  });

  it('stores whiteouts in overlay form: 0/0 character devices and the opaque xattr', async () => {
    const top = (await engine.inspectImage('test/a:1')).layers[2]!;
    const diff = path.join(engine.root, 'layers', top.chainId.slice(7), 'diff');
    const motd = fs.lstatSync(path.join(diff, 'etc/motd'));
    expect(motd.isCharacterDevice()).toBe(true);
    expect(motd.rdev).toBe(0);
    expect(fs.existsSync(path.join(diff, 'etc/.wh.motd'))).toBe(false);
    const opaque = execFileSync('getfattr', ['--only-values', '-n', 'trusted.overlay.opaque', path.join(diff, 'usr/share/doc')], { encoding: 'utf8' });
    expect(opaque).toBe('y');
  });

  it("marks what each layer added, modified and deleted", async () => {
    const marks = async (layer: number) => {
      const { tree } = await engine.imageTree('test/a:1', { layer, merged: false });
      return (p: string) => tree.find(p)?.change;
    };
    const base = await marks(0);
    expect(base('bin/busybox')).toBe('added');
    const app = await marks(1);
    expect(app('app/data.txt')).toBe('added');
    expect(app('etc/app.conf')).toBe('added');
    expect(app('etc')).toBe('unchanged');
    const change = await marks(2);
    expect(change('etc/motd')).toBe('deleted');
    expect(change('etc/passwd')).toBe('modified');
    expect(change('app/big.bin')).toBe('deleted');
    expect(change('usr/share/doc/readme')).toBe('deleted');
    expect(change('usr/share/doc/old/notes.txt')).toBe('deleted');
    expect(change('usr/share/doc/new.txt')).toBe('added');
    expect(change('usr/share/doc')).toBe('modified');
  });

  it('rolls sizes up the tree and shows the merged view up to a layer', async () => {
    const { tree } = await engine.imageTree('test/a:1', { layer: 1, merged: true });
    expect(tree.find('app/big.bin')?.size).toBe(1 << 20);
    expect(tree.find('app')!.size).toBeGreaterThanOrEqual((1 << 20) + 17);
    expect(tree.find('bin/busybox')?.layer).toBe(0);
    const top = (await engine.imageTree('test/a:1', { merged: true })).tree;
    expect(top.find('app/big.bin')).toBeUndefined();
    expect(top.find('etc/passwd')?.layer).toBe(2);
    expect(top.root.size).toBe(top.root.children.reduce((sum, child) => sum + child.size, 0));
  });

  it("accounts for disk exactly as du sees it, shared and unique as docker defines them", async () => {
    const usage = await engine.diskUsage();
    const layerDirs = fs.readdirSync(path.join(engine.root, 'layers')).map((hex) => path.join(engine.root, 'layers', hex, 'diff'));
    expect(usage.layerBytes).toBe(du(layerDirs));
    const [ia, ib] = await engine.listImages();
    for (const image of [ia!, ib!]) {
      const own = usage.images.find((entry) => entry.id === image.id)!;
      const dirs = image.layers.map((layer) => path.join(engine.root, 'layers', layer.chainId.slice(7), 'diff'));
      expect(own.size).toBe(du(dirs));
      expect(own.shared).toBe(du(dirs.slice(0, 2)));
      expect(own.unique).toBe(du(dirs.slice(2)));
    }
    expect(usage.logicalBytes).toBe(usage.images[0]!.size + usage.images[1]!.size);
    expect(usage.savedBytes).toBe(usage.images[0]!.shared);
    expect(usage.reclaimableBytes).toBe(0);
    expect(usage.layers.filter((layer) => layer.usedBy.length === 2)).toHaveLength(2);
  });
});

describe('every import format gives the same image', () => {
  const expectSameLayers = async (engine: Engine, ref: string, image: TestImage) => {
    const info = await engine.inspectImage(ref);
    expect(info.layers.map((layer) => layer.diffId)).toEqual(image.layers.map((layer) => layer.diffId));
  };

  it.each(['none', 'gzip', 'zstd'] as const)('OCI layout with %s layers', async (compression) => {
    const engine = newEngine(`oci-${compression}`);
    await engine.importImage({ path: writeOciLayout(path.join(work, `layout-${compression}`), [a], { compression }) });
    await expectSameLayers(engine, 'test/a:1', a);
    const mediaTypes = (await engine.inspectImage('test/a:1')).layers.map((layer) => layer.mediaType);
    expect(new Set(mediaTypes).size).toBe(1);
  });

  it('oci-archive', async () => {
    const engine = newEngine('oci-archive');
    const imported = await engine.importImage({ path: writeOciArchive(work, [a, b], { compression: 'zstd' }) });
    expect(imported).toHaveLength(2);
    await expectSameLayers(engine, 'test/b:1', b);
  });

  it('docker-archive with two images, tags from RepoTags', async () => {
    const engine = newEngine('docker');
    const archive = writeDockerArchive(work, [a, b]);
    const imported = await engine.importImage({ path: archive });
    expect(imported.map((image) => image.tags)).toEqual([['test/a:1'], ['test/b:1']]);
    await expectSameLayers(engine, 'test/a:1', a);
    await expectSameLayers(engine, 'test/b:1', b);
    // Importing it again stores nothing new.
    const before = fs.readdirSync(path.join(engine.root, 'blobs/sha256')).length;
    const again = await engine.importImage({ path: archive, format: 'docker-archive' });
    expect(again.flatMap((image) => image.layers.map((layer) => layer.reused))).toEqual([true, true, true, true, true, true]);
    expect(fs.readdirSync(path.join(engine.root, 'blobs/sha256'))).toHaveLength(before);
  });

  it('a docker-archive whose repeated layers are symlinks to the first copy', async () => {
    const engine = newEngine('docker-links');
    await engine.importImage({ path: writeDockerArchive(work, [a, b], { symlinkRepeats: true }) });
    await expectSameLayers(engine, 'test/b:1', b);
  });

  it('a gzip-compressed docker-archive', async () => {
    const engine = newEngine('docker-gz');
    const archive = writeDockerArchive(work, [b]);
    execFileSync('gzip', ['-k', archive]);
    await engine.importImage({ path: `${archive}.gz` });
    await expectSameLayers(engine, 'test/b:1', b);
  });

  it('a rootfs tar becomes a one-layer image with the --change config', async () => {
    const engine = newEngine('rootfs');
    const [image] = await engine.importImage({
      path: a.layers[0]!.tar,
      tags: ['rootfs/base'],
      changes: ['CMD ["/bin/sh", "-c", "echo hi"]', 'ENV GREETING="hello world" MODE=test', 'WORKDIR /tmp', 'EXPOSE 8080'],
    });
    expect(image!.tags).toEqual(['rootfs/base:latest']);
    const info = await engine.inspectImage('rootfs/base');
    expect(info.layers).toHaveLength(1);
    expect(info.layers[0]!.diffId).toBe(a.layers[0]!.diffId);
    expect(info.layers[0]!.chainId).toBe(a.layers[0]!.diffId);
    expect(info.config.Cmd).toEqual(['/bin/sh', '-c', 'echo hi']);
    expect(info.config.Env).toEqual(expect.arrayContaining(['GREETING=hello world', 'MODE=test']));
    expect(info.config.WorkingDir).toBe('/tmp');
    expect(info.config.ExposedPorts).toEqual({ '8080/tcp': {} });
    expect(info.history[0]!.created_by).toContain('strata import');
  });

  it('refuses an unknown --change instruction before touching the store', async () => {
    const engine = newEngine('rootfs-bad');
    const error = await engine.importImage({ path: a.layers[0]!.tar, changes: ['FROBNICATE x'] }).catch((e: unknown) => e);
    expect(isStrataError(error, 'INVALID_ARGUMENT')).toBe(true);
    expect(await engine.listImages()).toEqual([]);
    expect(fs.readdirSync(path.join(engine.root, 'layers'))).toEqual([]);
  });
});

describe("an OCI layout's ref names that are only tags", () => {
  // skopeo's `oci:DIR:1.0` writes ref.name "1.0": the tag alone, no repository.
  const tagged = (image: TestImage, tag: string): TestImage => ({ ...image, tag });
  const layoutIn = (name: string): string => writeOciLayout(path.join(fs.mkdtempSync(path.join(work, 'refs-')), name), [tagged(a, '1.0'), tagged(b, '2.0')], { compression: 'none' });

  it('go under the directory\'s name by default: layout:1.0', async () => {
    const imported = await newEngine('refs-default').importImage({ path: layoutIn('layout') });
    expect(imported.map((image) => image.tags)).toEqual([['layout:1.0'], ['layout:2.0']]);
  });

  it('go under the repository given, from a directory or an oci-archive', async () => {
    const fromDir = await newEngine('refs-dir').importImage({ path: layoutIn('layout'), repository: 'team/app' });
    expect(fromDir.map((image) => image.tags)).toEqual([['team/app:1.0'], ['team/app:2.0']]);
    const archive = tarDirectory(layoutIn('app'), path.join(work, 'refs-app.tar'));
    const fromArchive = await newEngine('refs-archive').importImage({ path: archive, repository: 'localhost:5000/app' });
    expect(fromArchive.map((image) => image.tags)).toEqual([['localhost:5000/app:1.0'], ['localhost:5000/app:2.0']]);
  });

  it('leave full ref names as they are', async () => {
    const imported = await newEngine('refs-full').importImage({ path: writeOciLayout(path.join(work, 'layout-full'), [a], { compression: 'none' }), repository: 'team/app' });
    expect(imported[0]!.tags).toEqual(['test/a:1']);
  });

  it.each([
    ['a repository with a tag', { repository: 'team/app:1' }, /a repository has no tag/],
    ['a bad repository', { repository: 'Team/App' }, /invalid image name/],
    ['a repository and tags', { repository: 'team/app', tags: ['team/app:1'] }, /tags or a repository, not both/],
  ])('refuses %s before touching the store', async (_what, options, message) => {
    const engine = newEngine('refs-bad');
    const error = await engine.importImage({ path: layoutIn('layout'), ...options }).catch((e: unknown) => e);
    expect(isStrataError(error, 'INVALID_ARGUMENT')).toBe(true);
    expect((error as Error).message).toMatch(message);
    expect(await engine.listImages()).toEqual([]);
  });

  it('refuses a repository for a docker-archive or a rootfs tar: they are not layouts', async () => {
    const engine = newEngine('refs-docker');
    for (const source of [writeDockerArchive(work, [a]), a.layers[0]!.tar]) {
      const error = await engine.importImage({ path: source, repository: 'team/app' }).catch((e: unknown) => e);
      expect(isStrataError(error, 'INVALID_ARGUMENT')).toBe(true);
      expect((error as Error).message).toMatch(/is not an OCI layout/);
    }
    expect(await engine.listImages()).toEqual([]);
    expect(fs.readdirSync(path.join(engine.root, 'layers'))).toEqual([]);
  });
});
