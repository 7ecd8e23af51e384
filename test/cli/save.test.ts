// `strata save` as a user runs it (the built CLI): to a file with -o, to a pipe, in each
// format, read back by `strata import` into another store.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestImage, makeTempDir, sha256Bytes, sha256File, testImages, writeOciLayout } from '../helpers/test-images';

let work: string;
let root: string;
let a: TestImage;
let b: TestImage;
const bin = path.resolve('bin/strata.js');

function strata(args: string[], storeRoot = root): { code: number; stdout: Buffer; stderr: string } {
  const result = spawnSync(process.execPath, [bin, '--root', storeRoot, ...args], { maxBuffer: 1 << 30 });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr.toString() };
}

function ok(args: string[], storeRoot = root): string {
  const result = strata(args, storeRoot);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return result.stdout.toString();
}

/** Image IDs and tags as `images --json` lists them. */
function images(storeRoot: string): [string, string[]][] {
  return (JSON.parse(ok(['images', '--json'], storeRoot)) as { id: string; tags: string[] }[]).map((image) => [image.id, image.tags]);
}

let counter = 0;
function fresh(label: string): string {
  return path.join(work, `${label}-${counter++}`);
}

beforeAll(() => {
  if (!fs.existsSync(path.resolve('out/main/cli.js'))) throw new Error('the CLI is not built: run `npx electron-vite build` (npm test builds)');
  work = makeTempDir('cli-save');
  root = path.join(work, 'store');
  ({ a, b } = testImages(work));
  ok(['import', writeOciLayout(path.join(work, 'layout'), [a, b], { compression: 'gzip' })]);
});

afterAll(() => {
  fs.rmSync(work, { recursive: true, force: true });
});

describe('strata save', () => {
  it('writes a docker-archive with -o by default; import gives back the same images', () => {
    const file = fresh('ab.tar');
    expect(ok(['save', '-o', file, 'test/a:1', 'test/b:1'])).toMatch(new RegExp(`^Saved 2 images \\(test/a:1; test/b:1\\) to ${file} as docker-archive: 6 blobs, [\\d.]+ (B|KiB|MiB)\\n$`));
    expect(execFileSync('tar', ['-tf', file], { encoding: 'utf8' }).split('\n').slice(0, 2)).toEqual(['manifest.json', 'repositories']);
    const other = fresh('store');
    ok(['import', file], other);
    expect(images(other)).toEqual(images(root));
  });

  it.each([
    ['oci-archive', 'oci-layout'],
    ['oci-dir', 'oci-layout'],
  ])('--format %s', (format, first) => {
    const out = fresh(format);
    ok(['save', '-q', '--format', format, '-o', out, 'test/a:1']);
    if (format === 'oci-dir') expect(fs.readdirSync(out).sort()).toEqual(['blobs', 'index.json', 'oci-layout']);
    else expect(execFileSync('tar', ['-tf', out], { encoding: 'utf8' }).split('\n')[0]).toBe(first);
    const other = fresh('store');
    ok(['import', out], other);
    expect(images(other)).toEqual(images(root).filter(([, tags]) => tags.includes('test/a:1')));
    const [manifest] = JSON.parse(ok(['inspect', 'test/a:1'], other)) as { manifestDigest: string }[];
    expect(manifest!.manifestDigest).toBe((JSON.parse(ok(['inspect', 'test/a:1'])) as { manifestDigest: string }[])[0]!.manifestDigest);
  });

  it('writes the archive to standard output when it is a pipe, and --json describes a saved file', () => {
    const file = fresh('a.tar');
    const result = JSON.parse(ok(['save', '--json', '-o', file, 'test/a:1'])) as { format: string; output: string; images: { tags: string[] }[]; blobs: number; bytes: number };
    expect(result).toMatchObject({ format: 'docker-archive', output: file, images: [{ tags: ['test/a:1'] }], blobs: 4, bytes: fs.statSync(file).size });
    const piped = strata(['save', 'test/a:1']);
    expect(piped.stderr).toBe('');
    expect(piped.code).toBe(0);
    expect(sha256Bytes(piped.stdout)).toBe(sha256File(file));
    expect(strata(['save', '--format', 'oci-dir', 'test/a:1']).stderr).toMatch(/an oci-dir is a directory: give it with -o PATH/);
  });

  it('refuses: an existing file without --force, an unknown image, an unknown format, no image', () => {
    const file = fresh('exists.tar');
    fs.writeFileSync(file, 'keep');
    const conflict = strata(['save', '-o', file, 'test/a:1']);
    expect(conflict.code).toBe(1);
    expect(conflict.stderr).toMatch(/^strata save: .* already exists: remove it or overwrite it \(--force\) \[CONFLICT\]\n$/);
    expect(fs.readFileSync(file, 'utf8')).toBe('keep');
    ok(['save', '--force', '-o', file, 'test/a:1']);
    expect(fs.statSync(file).size).toBeGreaterThan(1 << 20);

    const missing = fresh('missing.tar');
    const notFound = strata(['save', '-o', missing, 'test/a:1', 'nope:1']);
    expect(notFound).toMatchObject({ code: 1, stderr: 'strata save: no such image: nope:1 [NOT_FOUND]\n' });
    expect(fs.existsSync(missing)).toBe(false);

    const badFormat = strata(['save', '--format', 'zip', '-o', missing, 'test/a:1']);
    expect(badFormat.code).toBe(1);
    expect(badFormat.stderr).toMatch(/unknown format "zip": use docker-archive, oci-archive or oci-dir \[INVALID_ARGUMENT\]/);
    expect(strata(['save', '-o', missing]).code).toBe(2);
    expect(fs.readdirSync(work).filter((name) => name.includes('strata-tmp'))).toEqual([]);
  });
});
