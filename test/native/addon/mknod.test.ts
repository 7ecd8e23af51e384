import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

import { S_IFBLK, S_IFCHR, S_IFIFO, mknod } from '../../../native/lib';
import { useTmpDir } from './tmp';

const tmp = useTmpDir();

// Linux's dev_t layout (glibc makedev), to read rdev back.
const major = (rdev: number): number => ((rdev >> 8) & 0xfff) | (Math.floor(rdev / 2 ** 32) & ~0xfff);
const minor = (rdev: number): number => (rdev & 0xff) | ((rdev >> 12) & 0xfff00);

describe('mknod', () => {
  it('creates a 0/0 character device: the overlay whiteout', () => {
    const file = path.join(tmp.dir, 'whiteout');
    mknod(file, S_IFCHR | 0o600, 0, 0);
    const st = fs.lstatSync(file);
    expect(st.isCharacterDevice()).toBe(true);
    expect(st.rdev).toBe(0);
    expect(st.mode & 0o777).toBe(0o600);
  });

  it('encodes major and minor with makedev, including minors above 255', () => {
    const file = path.join(tmp.dir, 'blk');
    mknod(file, S_IFBLK | 0o600, 259, 300);
    const st = fs.lstatSync(file);
    expect(st.isBlockDevice()).toBe(true);
    expect([major(st.rdev), minor(st.rdev)]).toEqual([259, 300]);
  });

  it('creates a FIFO that works as a pipe', () => {
    const file = path.join(tmp.dir, 'fifo');
    mknod(file, S_IFIFO | 0o644, 0, 0);
    expect(fs.lstatSync(file).isFIFO()).toBe(true);
    // O_RDWR on a FIFO does not block on Linux, so one fd can write and read it.
    const fd = fs.openSync(file, 'r+');
    try {
      fs.writeSync(fd, 'through');
      const buf = Buffer.alloc(16);
      expect(buf.subarray(0, fs.readSync(fd, buf)).toString()).toBe('through');
    } finally {
      fs.closeSync(fd);
    }
  });

  it('refuses to replace an existing entry with EEXIST naming the path', () => {
    const file = path.join(tmp.dir, 'taken');
    fs.writeFileSync(file, 'keep');
    expect(() => mknod(file, S_IFCHR | 0o600, 0, 0)).toThrow(
      expect.objectContaining({
        code: 'EEXIST',
        errno: -17,
        syscall: 'mknod',
        path: file,
        message: `EEXIST: file already exists, mknod '${file}'`,
      }),
    );
    expect(fs.readFileSync(file, 'utf8')).toBe('keep');
  });

  it('rejects modes and device numbers outside 32 bits before reaching the kernel', () => {
    const file = path.join(tmp.dir, 'never');
    expect(() => mknod(file, S_IFCHR, -1, 0)).toThrow(TypeError);
    expect(() => mknod(file, S_IFCHR, 0, 2 ** 32)).toThrow(TypeError);
    expect(() => mknod(file, 0.5, 0, 0)).toThrow(TypeError);
    expect(fs.existsSync(file)).toBe(false);
  });
});
