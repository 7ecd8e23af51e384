// Decompression bombs against the free-space reserve: a store on a 64 MiB tmpfs of its own,
// 16 MiB kept free, and a few MB of gzip that expand to 1 GiB of zeros — as a rootfs layer,
// and as a gzipped image archive. Each import must stop with NO_SPACE, saying what was free
// and what is kept, and leave the store and its tmp/ exactly as they were. With no reserve,
// the kernel's ENOSPC must end the same way. Bombs are made here, streamed through gzip.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../../src-main/engine/index';
import { isStrataError } from '@shared/errors';
import { tarArchive, tarEntry } from '../../helpers/tar-writer';
import { makeTempDir, treeSnapshot } from '../../helpers/test-images';

const MiB = 1 << 20;
const BOMB_BYTES = 1 << 30; // 16 times the filesystem
const asRoot = process.getuid?.() === 0;
if (!asRoot) console.warn('decompression-bomb.test: skipped, mounting a tmpfs for the store needs root');

let work: string;
let mnt: string;
let mounted = false;
let root: string;
let baseline: string[];

/** A gzip file of `head`, then `zeros` zero bytes, then `tail`: a bomb, built as a stream. */
async function gzipBomb(file: string, head: Buffer, zeros: number, tail: Buffer): Promise<string> {
  const chunk = Buffer.alloc(MiB);
  async function* bytes(): AsyncIterable<Buffer> {
    yield head;
    for (let left = zeros; left > 0; left -= chunk.length) yield left >= chunk.length ? chunk : chunk.subarray(0, left);
    yield tail;
  }
  await pipeline(Readable.from(bytes()), zlib.createGzip({ level: 1 }), fs.createWriteStream(file));
  return file;
}

function snapshot(): string[] {
  return treeSnapshot(root).filter((line) => !line.startsWith('lock '));
}

async function expectNoSpace(engine: Engine, file: string, message: RegExp): Promise<void> {
  const error = await engine.importImage({ path: file }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, 'the import should have failed').toBeDefined();
  if (!isStrataError(error, 'NO_SPACE')) throw error;
  expect(error.message).toMatch(message);
  expect(snapshot()).toEqual(baseline);
  expect(fs.readdirSync(path.join(root, 'tmp'))).toEqual([]);
  expect((await engine.diskUsage()).stagingBytes).toBe(0);
}

describe.skipIf(!asRoot)('imports stop at the free-space reserve', () => {
  beforeAll(async () => {
    work = makeTempDir('decompression-bomb');
    mnt = path.join(work, 'tmpfs');
    fs.mkdirSync(mnt);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64m,mode=0700', 'strata-test-free-space', mnt]);
    mounted = true;
    root = path.join(mnt, 'store');
    // Something in the store already, to show it is left as it was.
    const small = path.join(work, 'small.tar');
    fs.writeFileSync(small, tarArchive([{ name: 'etc/', type: 'directory' }, { name: 'etc/hostname', content: 'small\n' }]));
    await Engine.open({ root, minFree: 16 * MiB }).importImage({ path: small, format: 'rootfs', tags: ['small:1'] });
    baseline = snapshot();
  });

  afterAll(() => {
    if (mounted) execFileSync('umount', [mnt]);
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it('a gzip layer expanding to 1 GiB stops under the 16 MiB reserve', async () => {
    const bomb = await gzipBomb(path.join(work, 'bomb.tar.gz'), tarEntry({ name: 'zeros', size: BOMB_BYTES }), BOMB_BYTES, Buffer.alloc(1024));
    expect(fs.statSync(bomb).size).toBeLessThan(8 * MiB);
    const engine = Engine.open({ root, minFree: 16 * MiB });
    await expectNoSpace(engine, bomb, /has \d+\.\d MiB free, less than the 16\.0 MiB kept free \(STRATA_MIN_FREE\)/);
  });

  it('a gzipped image archive expanding to 1 GiB stops while it is staged', async () => {
    const blob = `blobs/sha256/${'0'.repeat(64)}`;
    const head = Buffer.concat([tarEntry({ name: 'oci-layout', content: '{"imageLayoutVersion":"1.0.0"}' }), tarEntry({ name: blob, size: BOMB_BYTES })]);
    const bomb = await gzipBomb(path.join(work, 'bomb-archive.tar.gz'), head, BOMB_BYTES, Buffer.alloc(1024));
    await expectNoSpace(Engine.open({ root, minFree: '16m' }), bomb, /less than the 16\.0 MiB kept free/);
  });

  it('with no reserve, the full filesystem (ENOSPC) ends it the same way', async () => {
    const bomb = path.join(work, 'bomb.tar.gz'); // from the first case
    await expectNoSpace(Engine.open({ root, minFree: 0 }), bomb, /the store's filesystem \(.*\) is full/);
  });

  it('staging space shows in the disk usage', async () => {
    const engine = Engine.open({ root }); // before the file: opening clears tmp/ of a crashed writer's leftovers
    const staged = path.join(root, 'tmp', 'import-in-progress');
    fs.writeFileSync(staged, Buffer.alloc(3 * MiB, 1));
    try {
      expect((await engine.diskUsage()).stagingBytes).toBeGreaterThanOrEqual(3 * MiB);
    } finally {
      fs.rmSync(staged);
    }
  });
});
