// du of a tree (src-main/engine/layers/disk-usage.ts): the addon's one-call walk and the
// file's own walk count what `du -s --block-size=1` and `du -s --inodes` count — files of
// several sizes, a sparse one, nested directories, a symlink, a hardlinked pair counted
// once — and a missing directory is ENOENT from both.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diskUsageNative } from '../../../native/lib/index';
import { diskUsageAsync, walkDiskUsage } from '../../../src-main/engine/layers/disk-usage';
import { makeTempDir } from '../../helpers/test-images';

let work: string;
let tree: string;

beforeAll(() => {
  work = makeTempDir('disk-usage');
  tree = path.join(work, 'tree');
  fs.mkdirSync(path.join(tree, 'a', 'b', 'c'), { recursive: true });
  fs.mkdirSync(path.join(tree, 'empty'));
  for (let i = 0; i < 50; i++) fs.writeFileSync(path.join(tree, 'a', `f${i}`), 'x'.repeat(i * 300));
  fs.writeFileSync(path.join(tree, 'a', 'b', 'c', 'big'), Buffer.alloc(3 * 1024 * 1024, 7));
  fs.writeFileSync(path.join(tree, 'a', 'b', 'linked'), 'one inode, two names\n'.repeat(500));
  fs.linkSync(path.join(tree, 'a', 'b', 'linked'), path.join(tree, 'a', 'also-linked'));
  fs.symlinkSync('b/c/big', path.join(tree, 'a', 'to-big'));
  fs.mkdirSync(path.join(work, 'left'));
  fs.mkdirSync(path.join(work, 'right'));
  fs.writeFileSync(path.join(work, 'left', 'shared'), 'in two layers\n'.repeat(1000));
  fs.linkSync(path.join(work, 'left', 'shared'), path.join(work, 'right', 'shared'));
  fs.writeFileSync(path.join(work, 'right', 'own'), 'only here\n'.repeat(1000));
  const sparse = fs.openSync(path.join(tree, 'sparse'), 'w');
  fs.writeSync(sparse, 'end', 64 * 1024 * 1024);
  fs.closeSync(sparse);
});

afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

const du = (flag: string, dir: string): number => Number(execFileSync('du', ['-s', flag, dir], { encoding: 'utf8' }).split('\t')[0]);

describe('disk usage', () => {
  it('counts what du counts: allocated bytes, every inode once', async () => {
    const expected = { bytes: du('--block-size=1', tree), inodes: du('--inodes', tree) };
    expect(expected.bytes).toBeLessThan(8 * 1024 * 1024); // the sparse file's hole is not counted
    expect(await diskUsageNative(tree)).toEqual(expected);
    expect(await walkDiskUsage(tree, new Set())).toEqual(expected);
    expect(await diskUsageAsync(tree)).toEqual(expected);
  });

  it('counts a hardlinked inode once across calls that share what they saw (the store total), as du does across its arguments', async () => {
    const seen = new Set<bigint>();
    const left = await diskUsageAsync(path.join(work, 'left'), seen);
    const right = await diskUsageAsync(path.join(work, 'right'), seen);
    const lines = execFileSync('du', ['-s', '--block-size=1', path.join(work, 'left'), path.join(work, 'right')], { encoding: 'utf8' }).trim().split('\n');
    expect([left.bytes, right.bytes]).toEqual(lines.map((line) => Number(line.split('\t')[0])));
    expect(right.inodes).toBe(2); // the directory and its own file: the shared one was counted on the left
  });

  it('says ENOENT for a directory that is not there', async () => {
    const missing = path.join(work, 'no-such-dir');
    await expect(diskUsageNative(missing)).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(walkDiskUsage(missing, new Set())).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(diskUsageAsync(missing)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
