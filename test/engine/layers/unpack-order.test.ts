// The unpacker checks each entry as it arrives but makes files, directories and links on the
// threadpool, in tar order, a step behind. What a caller sees must not depend on that: the
// first failure of the tar is the one reported (a write that failed before a later entry was
// refused), nothing runs after it, and every fd is closed before ingestLayer settles.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ingestLayer } from '../../../src-main/engine/layers/ingest';
import { enginePrivilege } from '../../../src-main/engine/rootless/privilege';
import { tarArchive } from '../../helpers/tar-writer';

let work = '';

beforeEach(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-unpack-order-'));
});

afterEach(() => {
  fs.rmSync(work, { recursive: true, force: true });
});

function layer(entries: Parameters<typeof tarArchive>[0]): string {
  const file = path.join(work, 'layer.tar');
  fs.writeFileSync(file, tarArchive(entries));
  return file;
}

function openFds(): number {
  return fs.readdirSync('/proc/self/fd').length;
}

describe('unpacking in tar order', () => {
  it('reports a write that failed before a later entry was refused, and writes nothing after it', async () => {
    const dest = path.join(work, 'dest');
    fs.mkdirSync(dest);
    // Not the writer's: its create (O_EXCL) fails, one entry before a hardlink to nothing.
    fs.writeFileSync(path.join(dest, 'taken'), 'there before');
    const file = layer([
      { name: 'first', content: 'one' },
      { name: 'taken', content: 'two' },
      { name: 'after', content: 'three' },
      { name: 'bad', type: 'hardlink', linkname: 'missing' },
    ]);
    const before = openFds();
    await expect(ingestLayer({ file, unpackTo: { dest, privilege: enginePrivilege() } })).rejects.toMatchObject({ code: 'EEXIST' });
    expect(fs.readdirSync(dest).sort()).toEqual(['first', 'taken']);
    expect(fs.readFileSync(path.join(dest, 'taken'), 'utf8')).toBe('there before');
    expect(openFds()).toBe(before);
  });

  it('a refused entry with no failed write before it is the error', async () => {
    const dest = path.join(work, 'dest');
    fs.mkdirSync(dest);
    const file = layer([
      { name: 'first', content: 'one' },
      { name: 'bad', type: 'hardlink', linkname: 'missing' },
    ]);
    await expect(ingestLayer({ file, unpackTo: { dest, privilege: enginePrivilege() } })).rejects.toMatchObject({ code: 'INVALID_ARCHIVE' });
  });

  it('content in several pieces lands whole, with the times and modes of the tar', async () => {
    const dest = path.join(work, 'dest');
    fs.mkdirSync(dest);
    const big = Buffer.alloc(600_000, 'abcdefgh'); // more than one write batch, many reader slices
    const file = layer([
      { name: 'dir/', type: 'directory', mode: 0o750, mtime: 1_000_000 },
      { name: 'dir/big', content: big, mode: 0o640, mtime: 2_000_000 },
      { name: 'dir/link', type: 'symlink', linkname: 'big', mtime: 3_000_000 },
      { name: 'dir/hard', type: 'hardlink', linkname: 'dir/big' },
    ]);
    const result = await ingestLayer({ file, unpackTo: { dest, privilege: enginePrivilege() } });
    expect(result.unpacked?.entries.map((entry) => entry.path).sort()).toEqual(['dir', 'dir/big', 'dir/hard', 'dir/link']);
    expect(fs.readFileSync(path.join(dest, 'dir/big')).equals(big)).toBe(true);
    const stat = fs.statSync(path.join(dest, 'dir/big'));
    expect([stat.mode & 0o777, stat.mtimeMs / 1000, stat.nlink]).toEqual([0o640, 2_000_000, 2]);
    expect(fs.lstatSync(path.join(dest, 'dir/link')).mtimeMs / 1000).toBe(3_000_000);
    const dir = fs.statSync(path.join(dest, 'dir'));
    expect([dir.mode & 0o777, dir.mtimeMs / 1000]).toEqual([0o750, 1_000_000]);
  });
});
