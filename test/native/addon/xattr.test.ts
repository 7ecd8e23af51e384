import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

import { lgetxattr, lgetxattrAsync, llistxattr, llistxattrAsync, lremovexattr, lsetxattr, lsetxattrAsync } from '../../../native/lib';
import { useTmpDir } from './tmp';

const tmp = useTmpDir();

function file(name: string, content = ''): string {
  const p = path.join(tmp.dir, name);
  fs.writeFileSync(p, content);
  return p;
}

describe('xattrs', () => {
  it('marks a directory opaque for overlayfs: trusted.overlay.opaque = y', () => {
    const dir = path.join(tmp.dir, 'opaque');
    fs.mkdirSync(dir);

    lsetxattr(dir, 'trusted.overlay.opaque', Buffer.from('y'));
    expect(lgetxattr(dir, 'trusted.overlay.opaque')?.toString()).toBe('y');
    expect(llistxattr(dir)).toContain('trusted.overlay.opaque');

    lremovexattr(dir, 'trusted.overlay.opaque');
    expect(lgetxattr(dir, 'trusted.overlay.opaque')).toBeNull();
    expect(llistxattr(dir)).not.toContain('trusted.overlay.opaque');
  });

  it('round-trips binary, empty and large values and lists every name', () => {
    const f = file('data');
    const binary = Buffer.from([0, 1, 2, 0xff, 0, 0x80]);
    const large = Buffer.alloc(3000, 'x');
    lsetxattr(f, 'user.binary', binary);
    lsetxattr(f, 'user.empty', Buffer.alloc(0));
    lsetxattr(f, 'user.large', large);

    expect(lgetxattr(f, 'user.binary')).toEqual(binary);
    expect(lgetxattr(f, 'user.empty')).toEqual(Buffer.alloc(0));
    expect(lgetxattr(f, 'user.large')).toEqual(large);
    expect(llistxattr(f).sort()).toEqual(['user.binary', 'user.empty', 'user.large']);
  });

  it('replaces an existing value', () => {
    const f = file('replace');
    lsetxattr(f, 'user.v', Buffer.from('a much longer first value'));
    lsetxattr(f, 'user.v', Buffer.from('short'));
    expect(lgetxattr(f, 'user.v')?.toString()).toBe('short');
  });

  it('lists nothing on a fresh file and returns null for a missing name', () => {
    const f = file('plain');
    expect(llistxattr(f)).toEqual([]);
    expect(lgetxattr(f, 'user.absent')).toBeNull();
  });

  it('acts on the symlink itself, never its target', () => {
    const target = file('target');
    const link = path.join(tmp.dir, 'link');
    fs.symlinkSync(target, link);

    lsetxattr(link, 'trusted.strata.on-link', Buffer.from('1'));
    expect(lgetxattr(link, 'trusted.strata.on-link')?.toString()).toBe('1');
    expect(llistxattr(link)).toEqual(['trusted.strata.on-link']);
    expect(llistxattr(target)).toEqual([]);
  });

  it('the kernel refuses user. xattrs on a symlink: EPERM in SystemError shape', () => {
    const target = file('target');
    const link = path.join(tmp.dir, 'link');
    fs.symlinkSync(target, link);

    let caught: unknown;
    try {
      lsetxattr(link, 'user.nope', Buffer.from('x'));
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(Error);
    expect(caught).toMatchObject({
      code: 'EPERM',
      errno: -1,
      syscall: 'lsetxattr',
      path: link,
      message: `EPERM: operation not permitted, lsetxattr '${link}'`,
    });
    expect(llistxattr(target)).toEqual([]);
  });

  it('removing a missing name is ENODATA', () => {
    const f = file('nodata');
    expect(() => lremovexattr(f, 'user.absent')).toThrow(
      expect.objectContaining({ code: 'ENODATA', errno: -61, syscall: 'lremovexattr', path: f }),
    );
  });

  it('the threadpool forms answer as the synchronous ones: values, null, names, errors', async () => {
    const f = file('async');
    const binary = Buffer.from([0, 1, 2, 0xff, 0, 0x80]);
    await lsetxattrAsync(f, 'user.binary', binary);
    binary.fill(0); // copied before the call returned
    await lsetxattrAsync(f, 'user.empty', Buffer.alloc(0));
    expect(await lgetxattrAsync(f, 'user.binary')).toEqual(Buffer.from([0, 1, 2, 0xff, 0, 0x80]));
    expect(await lgetxattrAsync(f, 'user.empty')).toEqual(Buffer.alloc(0));
    expect(await lgetxattrAsync(f, 'user.absent')).toBeNull();
    expect((await llistxattrAsync(f)).sort()).toEqual(['user.binary', 'user.empty']);
    expect(await llistxattrAsync(file('plain-async'))).toEqual([]);

    const missing = path.join(tmp.dir, 'missing');
    await expect(lgetxattrAsync(missing, 'user.x')).rejects.toMatchObject({ code: 'ENOENT', syscall: 'lgetxattr', path: missing });
    await expect(llistxattrAsync(missing)).rejects.toMatchObject({ code: 'ENOENT', syscall: 'llistxattr', path: missing });
    const link = path.join(tmp.dir, 'async-link');
    fs.symlinkSync(f, link);
    await expect(lsetxattrAsync(link, 'user.nope', Buffer.from('x'))).rejects.toMatchObject({ code: 'EPERM', syscall: 'lsetxattr', path: link });
  });
});
