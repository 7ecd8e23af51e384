// Test images built from Debian's busybox-static, nothing downloaded: four layers, two
// images sharing the first two, exported in every import format Strata reads.
//
//   L0 base     busybox + applet links, /etc files, /usr/share/doc/readme, /tmp (1777)
//   L1 app      /app files: a hardlink, a symlink, a setuid script owned by 1000:1000, 1 MB
//   L2 change   deletes /etc/motd and /app/big.bin, rewrites /etc/passwd, makes
//               /usr/share/doc opaque with a new file                    → image A = L0 L1 L2
//   L3 other    adds /opt/b.txt                                           → image B = L0 L1 L3
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const BUSYBOX = '/bin/busybox';
export const APPLETS = ['sh', 'ls', 'cat', 'echo', 'id', 'true', 'false', 'sleep', 'env', 'mkdir', 'rm'];

export type Compression = 'none' | 'gzip' | 'zstd';

export interface BuiltLayer {
  name: string;
  dir: string; // the layer's files in tar form (whiteouts as .wh. files)
  tar: string; // uncompressed tar
  diffId: string;
}

export interface TestImage {
  tag: string;
  layers: BuiltLayer[];
  cmd: string[];
  /** Each layer's history `created_by`; default `test layer <name>`. */
  createdBy?: string[];
}

export function sha256File(file: string): string {
  return 'sha256:' + createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

export function sha256Bytes(data: Buffer | string): string {
  return 'sha256:' + createHash('sha256').update(data).digest('hex');
}

export function makeTempDir(label: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `strata-test-${label}-`));
}

const MTIME = new Date('2026-01-02T03:04:05Z');

export function write(root: string, rel: string, content: string | Buffer, mode = 0o644, owner?: [number, number]): void {
  const file = path.join(root, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
  if (owner) fs.chownSync(file, owner[0], owner[1]); // before chmod: chown clears setuid
  fs.chmodSync(file, mode);
}

/** Tars `dir` as a layer: pax format, numeric owners, sorted, fixed mtimes, xattrs kept. */
function tarLayer(dir: string, tarFile: string): void {
  execFileSync('find', [dir, '-exec', 'touch', '-h', '-d', MTIME.toISOString(), '{}', '+']);
  execFileSync('tar', ['--format=pax', '--numeric-owner', '--sort=name', '--xattrs', "--xattrs-include=user.*", '-C', dir, '-cf', tarFile, '.']);
}

/** A layer made by `fill` writing into an empty directory, tarred as real tools do. */
export function makeLayer(workDir: string, name: string, fill: (root: string) => void): BuiltLayer {
  const dir = path.join(workDir, 'layer-' + name);
  fs.mkdirSync(dir, { recursive: true });
  fill(dir);
  const tar = path.join(workDir, `${name}.tar`);
  tarLayer(dir, tar);
  return { name, dir, tar, diffId: sha256File(tar) };
}

export function buildLayers(workDir: string): Record<'base' | 'app' | 'change' | 'other', BuiltLayer> {
  const make = (name: string, fill: (root: string) => void): BuiltLayer => makeLayer(workDir, name, fill);
  const base = make('base', (root) => {
    write(root, 'bin/busybox', fs.readFileSync(BUSYBOX), 0o755);
    for (const applet of APPLETS) fs.symlinkSync('busybox', path.join(root, 'bin', applet));
    write(root, 'etc/passwd', 'root:x:0:0:root:/root:/bin/sh\n');
    write(root, 'etc/group', 'root:x:0:\n');
    write(root, 'etc/motd', 'welcome to the base layer\n');
    write(root, 'usr/share/doc/readme', 'old documentation\n');
    write(root, 'usr/share/doc/old/notes.txt', 'old notes\n');
    fs.mkdirSync(path.join(root, 'tmp'));
    fs.chmodSync(path.join(root, 'tmp'), 0o1777);
    fs.mkdirSync(path.join(root, 'root'), { mode: 0o700 });
  });
  const app = make('app', (root) => {
    write(root, 'app/data.txt', 'application data\n');
    fs.linkSync(path.join(root, 'app/data.txt'), path.join(root, 'app/data-hardlink.txt'));
    fs.symlinkSync('data.txt', path.join(root, 'app/data-symlink'));
    write(root, 'app/run.sh', '#!/bin/sh\necho running\n', 0o4755, [1000, 1000]);
    write(root, 'app/big.bin', randomBytes(1 << 20));
    execFileSync('setfattr', ['-n', 'user.strata.test', '-v', 'kept', path.join(root, 'app/data.txt')]);
    write(root, 'etc/app.conf', 'mode=test\n');
  });
  const change = make('change', (root) => {
    write(root, 'etc/.wh.motd', '');
    write(root, 'etc/passwd', 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/app:/bin/sh\n');
    write(root, 'app/.wh.big.bin', '');
    write(root, 'usr/share/doc/.wh..wh..opq', '');
    write(root, 'usr/share/doc/new.txt', 'new documentation\n');
  });
  const other = make('other', (root) => {
    write(root, 'opt/b.txt', 'only in image B\n');
  });
  return { base, app, change, other };
}

export function testImages(workDir: string): { a: TestImage; b: TestImage; layers: ReturnType<typeof buildLayers> } {
  const layers = buildLayers(workDir);
  return {
    layers,
    a: { tag: 'test/a:1', layers: [layers.base, layers.app, layers.change], cmd: ['/bin/sh'] },
    b: { tag: 'test/b:1', layers: [layers.base, layers.app, layers.other], cmd: ['/bin/cat', '/opt/b.txt'] },
  };
}

/**
 * An image of `count` layers on `base` (the window's big-image case): layer n adds
 * /data/c<n>.txt; every tenth rewrites /data/log.txt (n/10 KiB), so each earlier version is
 * wasted; the top layer deletes /data/c3.txt.
 */
export function manyLayerImage(workDir: string, base: BuiltLayer, count = 101): TestImage {
  const layers = [base];
  const createdBy = ['test layer base'];
  for (let n = 1; n < count; n++) {
    const rewrite = n % 10 === 0;
    layers.push(
      makeLayer(workDir, `many-${n}`, (root) => {
        write(root, `data/c${n}.txt`, `step ${n}\n`);
        if (rewrite) write(root, 'data/log.txt', Buffer.alloc((n / 10) * 1024, 'l'));
        if (n === count - 1) write(root, 'data/.wh.c3.txt', '');
      }),
    );
    const steps = [`echo step ${n} > /data/c${n}.txt`, ...(rewrite ? [`head -c ${n / 10}k /dev/zero > /data/log.txt`] : []), ...(n === count - 1 ? ['rm /data/c3.txt'] : [])];
    createdBy.push(`/bin/sh -c ${steps.join(' && ')}`);
  }
  return { tag: `test/many:${count}`, layers, cmd: ['/bin/sh'], createdBy };
}

function compress(tar: string, compression: Compression, outDir: string): string {
  if (compression === 'none') return tar;
  const out = path.join(outDir, `${path.basename(tar)}.${compression === 'gzip' ? 'gz' : 'zst'}`);
  if (!fs.existsSync(out)) {
    const data = execFileSync(compression === 'gzip' ? 'gzip' : 'zstd', compression === 'gzip' ? ['-n', '-c', tar] : ['-q', '-c', tar], { maxBuffer: 1 << 30 });
    fs.writeFileSync(out, data);
  }
  return out;
}

const LAYER_MEDIA = { none: 'application/vnd.oci.image.layer.v1.tar', gzip: 'application/vnd.oci.image.layer.v1.tar+gzip', zstd: 'application/vnd.oci.image.layer.v1.tar+zstd' };

export function imageConfig(image: TestImage): Buffer {
  return Buffer.from(
    JSON.stringify({
      created: '2026-01-02T03:04:05Z',
      architecture: 'amd64',
      os: 'linux',
      config: { Env: ['PATH=/bin'], Cmd: image.cmd, WorkingDir: '/' },
      rootfs: { type: 'layers', diff_ids: image.layers.map((layer) => layer.diffId) },
      history: image.layers.map((layer, i) => ({ created: '2026-01-02T03:04:05Z', created_by: image.createdBy?.[i] ?? `test layer ${layer.name}` })),
    }),
  );
}

export interface LayoutOptions {
  compression?: Compression;
  /** Change the config before it is written (e.g. a wrong diff_id). */
  mutateConfig?: (config: Record<string, unknown>) => void;
}

/** Writes an OCI image layout directory holding `images`; returns its path. */
export function writeOciLayout(outDir: string, images: TestImage[], options: LayoutOptions = {}): string {
  const compression = options.compression ?? 'gzip';
  const blobs = path.join(outDir, 'blobs', 'sha256');
  fs.mkdirSync(blobs, { recursive: true });
  const putBlob = (data: Buffer): { digest: string; size: number } => {
    const digest = sha256Bytes(data);
    fs.writeFileSync(path.join(blobs, digest.slice(7)), data);
    return { digest, size: data.length };
  };
  const scratch = path.join(outDir, '..', `${path.basename(outDir)}-scratch`);
  fs.mkdirSync(scratch, { recursive: true });
  const manifests = images.map((image) => {
    let configBytes = imageConfig(image);
    if (options.mutateConfig) {
      const parsed = JSON.parse(configBytes.toString()) as Record<string, unknown>;
      options.mutateConfig(parsed);
      configBytes = Buffer.from(JSON.stringify(parsed));
    }
    const config = putBlob(configBytes);
    const layers = image.layers.map((layer) => {
      const blob = putBlob(fs.readFileSync(compress(layer.tar, compression, scratch)));
      return { mediaType: LAYER_MEDIA[compression], ...blob };
    });
    const manifest = putBlob(
      Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config }, layers })),
    );
    return { mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifest, annotations: { 'org.opencontainers.image.ref.name': image.tag } };
  });
  fs.rmSync(scratch, { recursive: true, force: true });
  fs.writeFileSync(path.join(outDir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  fs.writeFileSync(path.join(outDir, 'index.json'), JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests }));
  return outDir;
}

export function tarDirectory(dir: string, tarFile: string): string {
  execFileSync('tar', ['--format=pax', '-C', dir, '-cf', tarFile, '.']);
  return tarFile;
}

export function writeOciArchive(workDir: string, images: TestImage[], options: LayoutOptions = {}): string {
  const layout = writeOciLayout(path.join(workDir, `layout-${randomBytes(4).toString('hex')}`), images, options);
  return tarDirectory(layout, `${layout}.tar`);
}

/**
 * `docker save` layout: <hex>/layer.tar, <config hex>.json, manifest.json. With
 * `symlinkRepeats`, a layer an earlier image already wrote is a symlink into its directory,
 * as older Docker writes them.
 */
export function writeDockerArchive(workDir: string, images: TestImage[], options: { symlinkRepeats?: boolean } = {}): string {
  const dir = path.join(workDir, `docker-${randomBytes(4).toString('hex')}`);
  fs.mkdirSync(dir);
  const manifest = images.map((image) => {
    const config = imageConfig(image);
    const configName = `${sha256Bytes(config).slice(7)}.json`;
    fs.writeFileSync(path.join(dir, configName), config);
    const layers = image.layers.map((layer, position) => {
      const first = `${layer.diffId.slice(7)}/layer.tar`;
      if (!fs.existsSync(path.join(dir, first))) {
        fs.mkdirSync(path.join(dir, path.dirname(first)), { recursive: true });
        fs.copyFileSync(layer.tar, path.join(dir, first));
        return first;
      }
      if (!options.symlinkRepeats) return first;
      const repeat = `${sha256Bytes(`${image.tag}/${position}`).slice(7)}/layer.tar`;
      fs.mkdirSync(path.join(dir, path.dirname(repeat)), { recursive: true });
      fs.symlinkSync(`../${first}`, path.join(dir, repeat));
      return repeat;
    });
    return { Config: configName, RepoTags: [image.tag], Layers: layers };
  });
  fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifest));
  return tarDirectory(dir, `${dir}.tar`);
}

/** The sorted list of every path under `root` with its size: a store snapshot to compare. */
export function treeSnapshot(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of fs.readdirSync(dir).sort()) {
      const abs = path.join(dir, name);
      const stat = fs.lstatSync(abs);
      out.push(`${path.relative(root, abs)} ${stat.isDirectory() ? 'dir' : stat.size}`);
      if (stat.isDirectory()) walk(abs);
    }
  };
  walk(root);
  return out;
}

/** `du -s --block-size=1` of the given paths together (hardlinks counted once, as du does). */
export function du(paths: string[]): number {
  const output = execFileSync('du', ['-s', '-c', '--block-size=1', ...paths], { encoding: 'utf8' });
  const total = output.trim().split('\n').pop()!;
  return Number(total.split('\t')[0]);
}
