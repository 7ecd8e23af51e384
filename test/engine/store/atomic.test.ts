// Every file appears in the store by rename from tmp/. A writer in another process rewrites
// index.json over and over while this process reads it: every read is one whole version,
// never a torn one. A writer killed with SIGKILL in the middle of its writes leaves a whole
// index.json and garbage only in tmp/, which the next open clears.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readImageIndex } from '../../../src-main/engine/store/image-index';
import { storePaths } from '../../../src-main/engine/store/paths';
import { Store } from '../../../src-main/engine/store/store';
import { makeTempDir } from '../../helpers/test-images';
import { type Child, requireBuild, spawnWriter, until } from './store-fixture';

const TAGS = 2000; // ~550 KB of index.json a version: many write() calls, a wide window for a torn read

let work: string;
const children: Child[] = [];

beforeAll(() => {
  requireBuild();
  work = makeTempDir('store-atomic');
});

afterAll(async () => {
  for (const child of children) {
    child.process.kill('SIGKILL');
    await child.exited;
  }
  fs.rmSync(work, { recursive: true, force: true });
});

/** The version of a whole index.json as store-writer.mjs writes it; throws on anything else. */
function versionOf(root: string): number {
  const images = readImageIndex(storePaths(root));
  if (images.length === 0) return 0; // none written yet
  expect(images).toHaveLength(1);
  const [image] = images;
  const version = image!.manifestSize;
  expect(image!.tags).toHaveLength(TAGS);
  expect(image!.tags.every((tag) => tag.startsWith(`test/v${version}:`))).toBe(true);
  return version;
}

describe('atomic writes', () => {
  it('a reader never sees a half-written index.json while another process rewrites it', async () => {
    const root = path.join(work, 'reader');
    Store.open(root);
    const writer = spawnWriter(root, 'rewrite-index', String(TAGS), '15');
    children.push(writer);
    const seen = new Set<number>();
    let reads = 0;
    let last = 0;
    for (;;) {
      const version = versionOf(root); // a torn file fails to parse, or parses short
      expect(version).toBeGreaterThanOrEqual(last); // renames replace, in order
      last = version;
      seen.add(version);
      reads++;
      if (version === 15) break;
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(await writer.exited).toBe(0);
    expect(reads).toBeGreaterThan(1);
    expect(fs.readdirSync(path.join(root, 'tmp'))).toEqual([]);
  });

  it('a writer killed mid-write leaves a whole index.json and garbage only in tmp/, which the next open clears', async () => {
    const root = path.join(work, 'killed');
    const paths = Store.open(root).paths;
    for (let attempt = 0; attempt < 3; attempt++) {
      const writer = spawnWriter(root, 'rewrite-index', String(TAGS));
      children.push(writer);
      await writer.line(/^wrote 2$/);
      // Kill it the moment its next staged file exists: most likely mid-write, else just after.
      await until(() => fs.readdirSync(paths.tmp).length > 0, 'the writer to stage its next version');
      writer.process.kill('SIGKILL');
      expect(await writer.exited).toBe('SIGKILL');
      expect(versionOf(root)).toBeGreaterThanOrEqual(2);
      expect(fs.readdirSync(root).sort()).toEqual(['blobs', 'containers', 'engine-mode', 'index.json', 'layers', 'lock', 'oci-layout', 'tmp']);
      for (const name of fs.readdirSync(paths.tmp)) expect(name).toMatch(new RegExp(`^write-${writer.process.pid}-[0-9a-f]{12}$`));
      Store.open(root);
      expect(fs.readdirSync(paths.tmp)).toEqual([]);
    }
  });
});
