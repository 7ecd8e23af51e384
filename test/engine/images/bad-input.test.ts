// Bad input is a test case: hostile tars, wrong digests, broken documents, unknown formats.
// Each must fail with a stable code, write nothing outside the store, and leave the store
// exactly as it was.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../../src-main/engine/index';
import { type ErrorCode, isStrataError } from '@shared/errors';
import { fixChecksum, tarArchive, tarEntry } from '../../helpers/tar-writer';
import { type TestImage, makeTempDir, sha256Bytes, tarDirectory, testImages, treeSnapshot, writeOciLayout } from '../../helpers/test-images';

let work: string;
let engine: Engine;
let a: TestImage;
let baseline: string[];
/** Where a hostile tar would write if the unpacker followed it out. */
let outside: string;

beforeAll(async () => {
  work = makeTempDir('bad-input');
  ({ a } = testImages(work));
  engine = Engine.open({ root: path.join(work, 'store') });
  await engine.importImage({ path: writeOciLayout(path.join(work, 'good'), [a]) });
  outside = path.join(work, 'outside');
  fs.mkdirSync(outside);
  baseline = snapshot();
});

afterAll(() => {
  fs.rmSync(work, { recursive: true, force: true });
});

function snapshot(): string[] {
  return treeSnapshot(engine.root).filter((line) => !line.startsWith('lock '));
}

async function expectRefused(promise: Promise<unknown>, code: ErrorCode, message?: RegExp): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, 'the import should have failed').toBeDefined();
  if (!isStrataError(error, code)) throw error;
  if (message) expect(error.message).toMatch(message);
  expect(snapshot()).toEqual(baseline);
  expect(fs.readdirSync(outside)).toEqual([]);
}

function rootfsTar(name: string, entries: Buffer[]): string {
  const file = path.join(work, `${name}.tar`);
  fs.writeFileSync(file, tarArchive(entries));
  return file;
}

describe('hostile layer tars are refused', () => {
  it('an entry climbing out with ..', async () => {
    const tar = rootfsTar('dotdot', [tarEntry({ name: 'etc/', type: 'directory' }), tarEntry({ name: `../../../../../../..${outside}/pwned`, type: 'file', content: 'x' })]);
    await expectRefused(engine.importImage({ path: tar, format: 'rootfs' }), 'INVALID_ARCHIVE', /climbs out/);
  });

  it('an absolute name', async () => {
    const tar = rootfsTar('absolute', [tarEntry({ name: `${outside}/pwned`, type: 'file', content: 'x' })]);
    await expectRefused(engine.importImage({ path: tar, format: 'rootfs' }), 'INVALID_ARCHIVE', /absolute/);
  });

  it('a write through a symlink planted earlier in the same layer', async () => {
    const tar = rootfsTar('symlink-write', [tarEntry({ name: 'escape', type: 'symlink', linkname: outside }), tarEntry({ name: 'escape/pwned', type: 'file', content: 'x' })]);
    await expectRefused(engine.importImage({ path: tar, format: 'rootfs' }), 'INVALID_ARCHIVE', /symlink/);
  });

  it('a hardlink to a file outside the layer', async () => {
    fs.writeFileSync(path.join(work, 'secret'), 'secret');
    const tar = rootfsTar('hardlink-out', [tarEntry({ name: 'stolen', type: 'hardlink', linkname: `../../../../../../..${work}/secret` })]);
    await expectRefused(engine.importImage({ path: tar, format: 'rootfs' }), 'INVALID_ARCHIVE');
  });

  it('a hardlink to a path the layer never wrote', async () => {
    const tar = rootfsTar('hardlink-missing', [tarEntry({ name: 'link', type: 'hardlink', linkname: 'etc/shadow' })]);
    await expectRefused(engine.importImage({ path: tar, format: 'rootfs' }), 'INVALID_ARCHIVE', /not a file earlier in this layer/);
  });

  it('a forged overlay xattr is dropped, not applied', async () => {
    const tar = rootfsTar('forged-xattr', [tarEntry({ name: 'dir/', type: 'directory', pax: { 'SCHILY.xattr.trusted.overlay.opaque': 'y' } }), tarEntry({ name: 'dir/file', type: 'file', content: 'ok' })]);
    const [image] = await engine.importImage({ path: tar, format: 'rootfs', tags: ['forged'] });
    const diff = path.join(engine.root, 'layers', image!.layers[0]!.chainId.slice(7), 'diff');
    expect(() => execFileSync('getfattr', ['-n', 'trusted.overlay.opaque', path.join(diff, 'dir')], { stdio: 'pipe' })).toThrow();
    await engine.removeImage('forged');
    expect(snapshot()).toEqual(baseline);
  });

  it('a truncated tar', async () => {
    const whole = tarArchive([tarEntry({ name: 'big', type: 'file', content: Buffer.alloc(10000, 1) })]);
    const file = path.join(work, 'truncated.tar');
    fs.writeFileSync(file, whole.subarray(0, 4096));
    await expectRefused(engine.importImage({ path: file, format: 'rootfs' }), 'INVALID_ARCHIVE');
  });

  it('a corrupt gzip stream', async () => {
    const gz = execFileSync('gzip', ['-c', a.layers[2]!.tar]);
    const middle = Math.floor(gz.length / 2);
    gz[middle] = gz[middle]! ^ 0xff;
    const file = path.join(work, 'corrupt.tar.gz');
    fs.writeFileSync(file, gz);
    await expectRefused(engine.importImage({ path: file, format: 'rootfs' }), 'INVALID_ARCHIVE');
  });
});

describe('names the file system cannot hold are refused, not mangled', () => {
  /** A ustar entry whose name field holds exactly `bytes` (the test tar writer writes UTF-8). */
  function rawNamed(bytes: number[], content: string): Buffer {
    const entry = tarEntry({ name: 'placeholder', content });
    entry.fill(0, 0, 100);
    Buffer.from(bytes).copy(entry, 0);
    return fixChecksum(entry);
  }
  const latin1 = [0xff, 0xfe]; // not UTF-8
  const twin = [...Buffer.from('\u00ff\u00fe')]; // c3 bf c3 be: the same characters in UTF-8

  it('a name that is not UTF-8', async () => {
    const tar = rootfsTar('not-utf8', [tarEntry({ name: 'etc/', type: 'directory' }), rawNamed([0x63, 0x61, 0x66, 0xe9], 'x')]);
    await expectRefused(engine.importImage({ path: tar, format: 'rootfs' }), 'INVALID_ARCHIVE', /refusing entry "caf\\xe9": its name is not UTF-8/);
  });

  it('a name that is not UTF-8 next to its UTF-8 twin, in either order (never one silently replacing the other)', async () => {
    const first = rootfsTar('twin-after', [rawNamed(twin, 'utf-8 twin'), rawNamed(latin1, 'latin-1')]);
    await expectRefused(engine.importImage({ path: first, format: 'rootfs' }), 'INVALID_ARCHIVE', /"\\xff\\xfe"/);
    const second = rootfsTar('twin-before', [rawNamed(latin1, 'latin-1'), rawNamed(twin, 'utf-8 twin')]);
    await expectRefused(engine.importImage({ path: second, format: 'rootfs' }), 'INVALID_ARCHIVE', /"\\xff\\xfe"/);
  });

  it('a pax path, or a symlink target, that is not UTF-8', async () => {
    const pax = rootfsTar('pax-not-utf8', [tarEntry({ name: 'x', pax: { path: Buffer.from([0x64, 0x2f, 0xff]) }, content: 'x' })]);
    await expectRefused(engine.importImage({ path: pax, format: 'rootfs' }), 'INVALID_ARCHIVE', /"d\/\\xff"/);
    const link = rootfsTar('link-not-utf8', [tarEntry({ name: 'link', type: 'symlink', linkname: 'x', pax: { linkpath: Buffer.from([0xfe]) } })]);
    await expectRefused(engine.importImage({ path: link, format: 'rootfs' }), 'INVALID_ARCHIVE', /symlink "link" pointing to "\\xfe"/);
  });

  it('a name component longer than 255 bytes', async () => {
    const tar = rootfsTar('long-component', [tarEntry({ name: 'etc/', type: 'directory' }), tarEntry({ name: `etc/${'n'.repeat(300)}`, content: 'x' })]);
    await expectRefused(engine.importImage({ path: tar, format: 'rootfs' }), 'INVALID_ARCHIVE', /refusing entry "etc\/n+…n+": a component of its path is 300 bytes, more than the 255/);
  });

  it('a path longer than PATH_MAX, and a symlink target as long', async () => {
    const deep = Array.from({ length: 21 }, (_, i) => `${i}`.padEnd(200, 'd')).join('/'); // 21 × 201 bytes
    const tar = rootfsTar('long-path', [tarEntry({ name: deep, content: 'x' })]);
    await expectRefused(engine.importImage({ path: tar, format: 'rootfs' }), 'INVALID_ARCHIVE', /its path is 4220 bytes; at most \d+ fit below the layer directory \(PATH_MAX 4096\)/);
    const link = rootfsTar('long-link', [tarEntry({ name: 'link', type: 'symlink', linkname: deep })]);
    await expectRefused(engine.importImage({ path: link, format: 'rootfs' }), 'INVALID_ARCHIVE', /refusing symlink "link": its target is 4220 bytes/);
  });
});

describe('wrong digests are refused', () => {
  it('a layer blob whose bytes do not match its digest', async () => {
    const layout = writeOciLayout(path.join(work, 'tampered'), [a], { compression: 'none' });
    const manifest = JSON.parse(fs.readFileSync(path.join(layout, 'index.json'), 'utf8')).manifests[0].digest as string;
    const layers = JSON.parse(fs.readFileSync(path.join(layout, 'blobs/sha256', manifest.slice(7)), 'utf8')).layers as { digest: string }[];
    const blob = path.join(layout, 'blobs/sha256', layers[1]!.digest.slice(7));
    const bytes = fs.readFileSync(blob);
    bytes[600] = bytes[600]! ^ 0x01; // same size, different content
    fs.writeFileSync(blob, bytes);
    await expectRefused(engine.importImage({ path: layout, tags: ['tampered'] }), 'DIGEST_MISMATCH');
  });

  it("a config whose diff_ids do not match the layers' content", async () => {
    const layout = writeOciLayout(path.join(work, 'wrong-diffid'), [a], {
      mutateConfig: (config) => {
        (config.rootfs as { diff_ids: string[] }).diff_ids[2] = sha256Bytes('something else');
      },
    });
    await expectRefused(engine.importImage({ path: layout, tags: ['wrong'] }), 'DIGEST_MISMATCH', /diff_id/);
  });

  it('an oci-archive whose blob is named for another digest', async () => {
    const layout = writeOciLayout(path.join(work, 'renamed'), [a], { compression: 'none' });
    const blobs = path.join(layout, 'blobs/sha256');
    const config = JSON.parse(fs.readFileSync(path.join(blobs, JSON.parse(fs.readFileSync(path.join(layout, 'index.json'), 'utf8')).manifests[0].digest.slice(7)), 'utf8')).config.digest as string;
    fs.appendFileSync(path.join(blobs, config.slice(7)), ' ');
    await expectRefused(engine.importImage({ path: tarDirectory(layout, path.join(work, 'renamed.tar')) }), 'DIGEST_MISMATCH');
  });
});

describe('broken documents and bad requests', () => {
  it('an index.json that is not JSON', async () => {
    const layout = writeOciLayout(path.join(work, 'bad-index'), [a]);
    fs.writeFileSync(path.join(layout, 'index.json'), '{ nope');
    await expectRefused(engine.importImage({ path: layout }), 'INVALID_ARCHIVE', /index.json/);
  });

  it('a manifest missing a field names the field', async () => {
    const layout = writeOciLayout(path.join(work, 'bad-manifest'), [a]);
    const index = JSON.parse(fs.readFileSync(path.join(layout, 'index.json'), 'utf8'));
    const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, layers: [] }));
    const digest = sha256Bytes(manifest);
    fs.writeFileSync(path.join(layout, 'blobs/sha256', digest.slice(7)), manifest);
    index.manifests[0] = { ...index.manifests[0], digest, size: manifest.length };
    fs.writeFileSync(path.join(layout, 'index.json'), JSON.stringify(index));
    await expectRefused(engine.importImage({ path: layout }), 'INVALID_ARCHIVE', /config/);
  });

  it('a missing file, an unknown format, a directory that is not a layout', async () => {
    await expectRefused(engine.importImage({ path: path.join(work, 'no-such-file.tar') }), 'NOT_FOUND');
    await expectRefused(engine.importImage({ path: outside }), 'INVALID_ARGUMENT', /oci-layout/);
    await expectRefused(engine.importImage({ path: a.layers[0]!.tar, tags: ['Bad Name'] }), 'INVALID_ARGUMENT');
  });

  it('a docker-archive missing a layer it lists', async () => {
    const dir = path.join(work, 'docker-missing');
    fs.mkdirSync(dir);
    const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [a.layers[0]!.diffId] } }));
    fs.writeFileSync(path.join(dir, 'config.json'), config);
    fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify([{ Config: 'config.json', RepoTags: ['x:1'], Layers: ['gone/layer.tar'] }]));
    await expectRefused(engine.importImage({ path: tarDirectory(dir, path.join(work, 'docker-missing.tar')) }), 'INVALID_ARCHIVE', /missing/);
  });
});
