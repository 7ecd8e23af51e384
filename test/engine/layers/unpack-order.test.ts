// The unpacker checks each entry as it arrives but makes files, directories and links on the
// threadpool, in tar order, a step behind. What a caller sees must not depend on that: the
// first failure of the tar is the one reported (a write that failed before a later entry was
// refused), nothing runs after it, and every fd is closed before ingestLayer settles. New
// directories and small files go to the threadpool in batches, one in flight while the next
// is gathered: the same holds across batches.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ingestLayer } from '../../../src-main/engine/layers/ingest';
import { enginePrivilege } from '../../../src-main/engine/rootless/privilege';
import { type TarEntryOptions, tarArchive } from '../../helpers/tar-writer';

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

  it('hundreds of small files and directories, in many batches, land whole with their modes, owners and times', async () => {
    const dest = path.join(work, 'dest');
    fs.mkdirSync(dest);
    const entries: TarEntryOptions[] = [];
    for (let d = 0; d < 12; d++) {
      entries.push({ name: `d${d}/`, type: 'directory', mode: 0o750, mtime: 1_000_000 + d });
      for (let f = 0; f < 40; f++) {
        // every tenth file is larger than a batch takes whole: written as it streams in, between batches
        const content = f % 10 === 9 ? Buffer.alloc(200_000, f) : `file ${d}/${f}`;
        entries.push({ name: `d${d}/s${f % 3}/f${f}`, content, mode: f % 2 ? 0o4755 : 0o640, uid: 1000 + f, gid: 2000 + d, mtime: 5_000_000 + f });
      }
    }
    const result = await ingestLayer({ file: layer(entries), unpackTo: { dest, privilege: enginePrivilege() } });
    expect(result.unpacked?.entries.length).toBe(12 * (1 + 3 + 40));
    for (const entry of entries) {
      const stat = fs.lstatSync(path.join(dest, entry.name));
      if (entry.type === 'directory') {
        expect([stat.mode & 0o7777, stat.mtimeMs / 1000], entry.name).toEqual([0o750, entry.mtime]);
        continue;
      }
      expect(fs.readFileSync(path.join(dest, entry.name)).equals(Buffer.from(entry.content!)), entry.name).toBe(true);
      expect([stat.mode & 0o7777, stat.uid, stat.gid, stat.mtimeMs / 1000], entry.name).toEqual([entry.mode, entry.uid, entry.gid, entry.mtime]);
    }
  });

  it('a batch that fails stops the unpack there: nothing of the batches after it is made', async () => {
    const dest = path.join(work, 'dest');
    fs.mkdirSync(dest);
    fs.writeFileSync(path.join(dest, 'taken'), 'there before'); // not the writer's: its create fails
    const entries: Parameters<typeof tarArchive>[0] = [];
    for (let i = 0; i < 300; i++) entries.push({ name: `a/f${i}`, content: String(i) });
    entries.push({ name: 'taken', content: 'mine' });
    for (let i = 0; i < 300; i++) entries.push({ name: `c/f${i}`, content: String(i) });
    const before = openFds();
    await expect(ingestLayer({ file: layer(entries), unpackTo: { dest, privilege: enginePrivilege() } })).rejects.toMatchObject({ code: 'EEXIST', path: 'taken' });
    expect(fs.readdirSync(path.join(dest, 'a')).length).toBe(300);
    expect(fs.readFileSync(path.join(dest, 'taken'), 'utf8')).toBe('there before');
    expect(fs.existsSync(path.join(dest, 'c'))).toBe(false);
    expect(openFds()).toBe(before);
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
