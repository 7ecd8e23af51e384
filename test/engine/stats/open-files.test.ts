// Kept-open files read again at offset 0: fresh contents, bounded descriptors, absent files as null.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { OpenFiles, readOnce } from '../../../src-main/engine/stats/open-files';
import { removeDir, tempDir } from './stats-fixtures';

let dir: string;
const files: OpenFiles[] = [];

function open(options?: ConstructorParameters<typeof OpenFiles>[0]): OpenFiles {
  dir ??= tempDir('open-files');
  const each = new OpenFiles(options);
  files.push(each);
  return each;
}

afterEach(() => {
  for (const each of files.splice(0)) each.close();
  if (dir) removeDir(dir);
  dir = undefined as unknown as string;
});

/** Descriptors of this process open on the test's own files: other work in the process opens and closes its own. */
function fdCount(): number {
  let count = 0;
  for (const fd of fs.readdirSync('/proc/self/fd')) {
    try {
      if (fs.readlinkSync(`/proc/self/fd/${fd}`).startsWith(`${dir}/`)) count++;
    } catch {
      // closed meanwhile
    }
  }
  return count;
}

describe('OpenFiles', () => {
  it('keeps one descriptor per file and sees the file rewritten in place', async () => {
    const reader = open();
    const file = path.join(dir, 'cpuacct.usage');
    fs.writeFileSync(file, '100\n');
    expect(await reader.read(file)).toBe('100\n');
    fs.writeFileSync(file, '250\n');
    expect(await reader.read(file)).toBe('250\n');
    expect(reader.openCount).toBe(1);
  });

  it('grows its buffer for a file longer than it, and reads it whole', async () => {
    const reader = open({ initialBufferBytes: 16 });
    const file = path.join(dir, 'memory.stat');
    const text = Array.from({ length: 200 }, (_, i) => `key_${i} ${i * 4096}`).join('\n') + '\n';
    fs.writeFileSync(file, text);
    expect(await reader.read(file)).toBe(text);
    expect(await reader.read(file)).toBe(text);
  });

  it('answers null for a file that does not exist, and keeps nothing open for it', async () => {
    const reader = open();
    expect(await reader.read(path.join(dir, 'nope'))).toBeNull();
    expect(await readOnce(path.join(dir, 'nope'))).toBeNull();
    expect(reader.openCount).toBe(0);
  });

  it('reads past its bound the slow way, without keeping more descriptors', async () => {
    const reader = open({ maxOpen: 2 });
    for (let i = 0; i < 5; i++) fs.writeFileSync(path.join(dir, `f${i}`), `${i}\n`);
    const before = fdCount();
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 5; i++) expect(await reader.read(path.join(dir, `f${i}`))).toBe(`${i}\n`);
    }
    expect(reader.openCount).toBe(2);
    expect(fdCount()).toBe(before + 2);
  });

  it('serves two reads of one file at once (the second the slow way) with the right text each', async () => {
    const reader = open();
    const file = path.join(dir, 'net-dev');
    fs.writeFileSync(file, 'x'.repeat(5000));
    await reader.read(file);
    const both = await Promise.all([reader.read(file), reader.read(file), reader.read(file)]);
    expect(both.every((text) => text === 'x'.repeat(5000))).toBe(true);
  });

  it('reads batches asked for in the same turn together (one pool trip), each getting its own results', async () => {
    const reader = open();
    for (const name of ['a', 'b', 'c']) fs.writeFileSync(path.join(dir, name), name);
    await reader.readBatch(['a', 'b', 'c'].map((name) => path.join(dir, name))); // kept from now on
    const [first, second] = await Promise.all([reader.readBatch([path.join(dir, 'a'), path.join(dir, 'b')]), reader.readBatch([path.join(dir, 'c'), path.join(dir, 'nope')])]);
    expect(first.map((result) => result.text)).toEqual(['a', 'b']);
    expect(second.map((result) => result.text)).toEqual(['c', null]);
  });

  it('closes descriptors on release, releaseDir and close', async () => {
    const reader = open();
    fs.mkdirSync(path.join(dir, 'c1'));
    fs.mkdirSync(path.join(dir, 'c10'));
    for (const name of ['c1/a', 'c1/b', 'c10/a', 'top']) fs.writeFileSync(path.join(dir, name), name);
    const before = fdCount();
    for (const name of ['c1/a', 'c1/b', 'c10/a', 'top']) await reader.read(path.join(dir, name));
    expect(fdCount()).toBe(before + 4);
    reader.releaseDir(path.join(dir, 'c1')); // not c10
    expect(reader.openCount).toBe(2);
    reader.release(path.join(dir, 'top'));
    expect(reader.openCount).toBe(1);
    reader.close();
    expect(reader.openCount).toBe(0);
    await expect.poll(fdCount).toBe(before); // close(2) runs on the thread pool: until it has
  });
});
