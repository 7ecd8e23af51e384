// preadBatch: many preads at offset 0 in one piece of pool work, as the stats sampler
// re-reads its kept-open kernel files. Per file: the bytes read, or -errno.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

import { hasPreadBatch, preadBatch } from '../../../native/lib';
import { useTmpDir } from './tmp';

const tmp = useTmpDir();

describe('preadBatch', () => {
  it('is built into the addon', () => {
    expect(hasPreadBatch()).toBe(true);
  });

  it('reads each file from offset 0 into its own buffer, whatever its descriptor position', async () => {
    const a = path.join(tmp.dir, 'a');
    const b = path.join(tmp.dir, 'b');
    fs.writeFileSync(a, 'alpha\n');
    fs.writeFileSync(b, 'bravo charlie\n');
    const fdA = fs.openSync(a, 'r');
    const fdB = fs.openSync(b, 'r');
    try {
      fs.readSync(fdA, Buffer.alloc(3)); // moves the file position: pread ignores it
      const buffers = [Buffer.alloc(64), Buffer.alloc(64)];
      const counts = await preadBatch(Int32Array.of(fdA, fdB), buffers);
      expect([...counts]).toEqual([6, 14]);
      expect(buffers[0]!.toString('latin1', 0, 6)).toBe('alpha\n');
      expect(buffers[1]!.toString('latin1', 0, 14)).toBe('bravo charlie\n');
    } finally {
      fs.closeSync(fdA);
      fs.closeSync(fdB);
    }
  });

  it('fills a buffer too small for the file (the caller grows it and reads again)', async () => {
    const file = path.join(tmp.dir, 'long');
    fs.writeFileSync(file, 'x'.repeat(100));
    const fd = fs.openSync(file, 'r');
    try {
      const counts = await preadBatch(Int32Array.of(fd), [Buffer.alloc(16)]);
      expect([...counts]).toEqual([16]);
    } finally {
      fs.closeSync(fd);
    }
  });

  it('answers -errno for a descriptor that fails, and still reads the others', async () => {
    const file = path.join(tmp.dir, 'ok');
    fs.writeFileSync(file, 'ok');
    const fd = fs.openSync(file, 'r');
    const dir = fs.openSync(tmp.dir, 'r');
    try {
      const counts = await preadBatch(Int32Array.of(dir, fd, 999_999), [Buffer.alloc(8), Buffer.alloc(8), Buffer.alloc(8)]);
      expect([...counts]).toEqual([-os.constants.errno.EISDIR, 2, -os.constants.errno.EBADF]);
    } finally {
      fs.closeSync(fd);
      fs.closeSync(dir);
    }
  });

  it('refuses arguments of the wrong shape', () => {
    expect(() => preadBatch([3] as unknown as Int32Array, [Buffer.alloc(1)])).toThrow(TypeError);
    expect(() => preadBatch(Int32Array.of(3), [])).toThrow(TypeError);
    expect(() => preadBatch(Int32Array.of(3), ['x' as unknown as Buffer])).toThrow(TypeError);
  });
});
