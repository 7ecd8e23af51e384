import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

import { MNT_DETACH, MNT_EXPIRE, MNT_FORCE, MS, UMOUNT_NOFOLLOW, mount, umount, umountAsync } from '../../../native/lib';
import { native } from '../../../native/lib/load';
import { mountAt, mountsUnder, useMountSandbox } from './mount-sandbox';
import { thrown } from './thrown';

const sandbox = useMountSandbox();

function dir(...parts: string[]): string {
  const p = path.join(sandbox.dir, ...parts);
  fs.mkdirSync(p, { recursive: true });
  return p;
}

function tmpfs(target: string, flags = 0, data = 'size=1m'): void {
  mount('tmpfs', target, 'tmpfs', flags, data);
}

describe('tmpfs', () => {
  it('mounts with flags and data, remounts read-only, and unmounts', () => {
    const mnt = dir('mnt');
    tmpfs(mnt, MS.NOSUID | MS.NODEV | MS.NOEXEC, 'size=1m,mode=0750');

    const info = mountAt(mnt);
    expect(info).toMatchObject({ fstype: 'tmpfs', source: 'tmpfs' });
    expect(info?.options).toEqual(expect.arrayContaining(['rw', 'nosuid', 'nodev', 'noexec']));
    expect(info?.superOptions).toContain('size=1024k');
    expect(fs.statSync(mnt).mode & 0o777).toBe(0o750);
    fs.writeFileSync(path.join(mnt, 'file'), 'in tmpfs');

    mount('', mnt, null, MS.REMOUNT | MS.RDONLY | MS.NOSUID | MS.NODEV | MS.NOEXEC);
    expect(mountAt(mnt)?.options).toContain('ro');
    expect(() => fs.writeFileSync(path.join(mnt, 'other'), 'x')).toThrow(expect.objectContaining({ code: 'EROFS' }));
    expect(fs.readFileSync(path.join(mnt, 'file'), 'utf8')).toBe('in tmpfs');

    umount(mnt);
    expect(mountsUnder(sandbox.dir)).toEqual([]);
    expect(fs.readdirSync(mnt)).toEqual([]);
  });

  it('a busy mount is EBUSY; MNT_DETACH takes it out of the tree while an open file still works', () => {
    const mnt = dir('busy');
    tmpfs(mnt);
    const file = path.join(mnt, 'open');
    fs.writeFileSync(file, 'still here');
    const fd = fs.openSync(file, 'r');
    try {
      expect(thrown(() => umount(mnt))).toMatchObject({ code: 'EBUSY', syscall: 'umount2', path: mnt });
      expect(mountAt(mnt)).toBeDefined();

      umount(mnt, MNT_DETACH);
      expect(mountAt(mnt)).toBeUndefined();
      expect(fs.existsSync(file)).toBe(false);
      expect(fs.readFileSync(fd, 'utf8')).toBe('still here');
    } finally {
      fs.closeSync(fd);
    }
  });

  it('UMOUNT_NOFOLLOW refuses to unmount through a symlink; without it the link is followed', () => {
    const mnt = dir('target');
    tmpfs(mnt);
    const link = path.join(sandbox.dir, 'link');
    fs.symlinkSync(mnt, link);

    expect(thrown(() => umount(link, UMOUNT_NOFOLLOW))).toMatchObject({ code: 'EINVAL', path: link });
    expect(mountAt(mnt)).toBeDefined();
    umount(link);
    expect(mountAt(mnt)).toBeUndefined();
  });

  it('MNT_FORCE unmounts a tmpfs like a plain umount (tmpfs has nothing to abort)', () => {
    const mnt = dir('forced');
    tmpfs(mnt);
    umount(mnt, MNT_FORCE);
    expect(mountAt(mnt)).toBeUndefined();
  });
});

describe('bind mounts', () => {
  it('shows a directory at a second place; a read-only remount covers only that place', () => {
    const src = dir('src');
    const dst = dir('dst');
    fs.writeFileSync(path.join(src, 'from-src'), 'hello');

    mount(src, dst, null, MS.BIND);
    const info = mountAt(dst);
    expect(src.endsWith(info?.root ?? '<none>')).toBe(true);
    expect(fs.readFileSync(path.join(dst, 'from-src'), 'utf8')).toBe('hello');
    fs.writeFileSync(path.join(dst, 'from-dst'), 'back');
    expect(fs.readFileSync(path.join(src, 'from-dst'), 'utf8')).toBe('back');

    mount('', dst, null, MS.REMOUNT | MS.BIND | MS.RDONLY);
    expect(mountAt(dst)?.options).toContain('ro');
    expect(() => fs.writeFileSync(path.join(dst, 'nope'), 'x')).toThrow(expect.objectContaining({ code: 'EROFS' }));
    fs.writeFileSync(path.join(src, 'still-writable'), 'yes');
    expect(fs.readFileSync(path.join(dst, 'still-writable'), 'utf8')).toBe('yes');

    umount(dst);
    expect(fs.readdirSync(dst)).toEqual([]);
  });

  it('MS.REC brings the submounts along; a plain bind does not', () => {
    const src = dir('tree');
    const sub = dir('tree', 'sub');
    tmpfs(sub);
    fs.writeFileSync(path.join(sub, 'in-submount'), 'deep');

    const plain = dir('plain');
    mount(src, plain, null, MS.BIND);
    expect(fs.readdirSync(path.join(plain, 'sub'))).toEqual([]);

    const recursive = dir('recursive');
    mount(src, recursive, null, MS.BIND | MS.REC);
    expect(fs.readFileSync(path.join(recursive, 'sub', 'in-submount'), 'utf8')).toBe('deep');
    expect(mountAt(path.join(recursive, 'sub'))?.fstype).toBe('tmpfs');

    // One lazy unmount takes the whole recursive copy.
    umount(recursive, MNT_DETACH);
    expect(mountsUnder(recursive)).toEqual([]);
    umount(plain);
    umount(sub);
  });
});

describe('propagation', () => {
  it('SHARED peers receive new mounts, a SLAVE only one way, a PRIVATE mount none', () => {
    const a = dir('a');
    tmpfs(a);
    mount('', a, null, MS.SHARED);
    const group = mountAt(a)?.propagation.find((tag) => tag.startsWith('shared:'));
    expect(group).toMatch(/^shared:\d+$/);

    // A bind of a shared mount joins its peer group; SLAVE turns that into receive-only.
    const b = dir('b');
    mount(a, b, null, MS.BIND);
    expect(mountAt(b)?.propagation).toContain(group);
    mount('', b, null, MS.SLAVE);
    expect(mountAt(b)?.propagation).toEqual([group?.replace('shared', 'master')]);

    fs.mkdirSync(path.join(a, 'to-slave'));
    fs.mkdirSync(path.join(a, 'from-slave'));
    tmpfs(path.join(a, 'to-slave'));
    fs.writeFileSync(path.join(a, 'to-slave', 'file'), 'propagated');
    expect(fs.readFileSync(path.join(b, 'to-slave', 'file'), 'utf8')).toBe('propagated');

    tmpfs(path.join(b, 'from-slave'));
    expect(mountAt(path.join(a, 'from-slave'))).toBeUndefined();

    mount('', b, null, MS.PRIVATE);
    expect(mountAt(b)?.propagation).toEqual([]);
    fs.mkdirSync(path.join(a, 'after-private'));
    tmpfs(path.join(a, 'after-private'));
    expect(mountAt(path.join(b, 'after-private'))).toBeUndefined();
    // The rest is unmounted by the sandbox, which also checks nothing is left.
  });
});

describe('mount errors', () => {
  it('a missing target is ENOENT naming the target, shaped like node:fs errors', () => {
    const target = path.join(sandbox.dir, 'absent', 'mnt');
    expect(thrown(() => tmpfs(target))).toMatchObject({
      code: 'ENOENT',
      errno: -os.constants.errno.ENOENT,
      syscall: 'mount',
      path: target,
      message: `ENOENT: no such file or directory, mount '${target}'`,
    });
  });

  it('options the filesystem refuses are EINVAL; an unknown filesystem type is ENODEV', () => {
    const mnt = dir('mnt');
    expect(thrown(() => tmpfs(mnt, 0, 'size=lots'))).toMatchObject({
      code: 'EINVAL',
      errno: -os.constants.errno.EINVAL,
      syscall: 'mount',
      path: mnt,
      message: `EINVAL: invalid argument, mount '${mnt}'`,
    });
    expect(thrown(() => mount('none', mnt, 'strata-no-such-fs', 0))).toMatchObject({
      code: 'ENODEV',
      errno: -os.constants.errno.ENODEV,
      syscall: 'mount',
      path: mnt,
    });
    expect(mountsUnder(sandbox.dir)).toEqual([]);
  });

  it('umount of a directory that is not a mount point is EINVAL, of a missing path ENOENT', () => {
    const plain = dir('plain');
    expect(thrown(() => umount(plain))).toMatchObject({
      code: 'EINVAL',
      errno: -os.constants.errno.EINVAL,
      syscall: 'umount2',
      path: plain,
      message: `EINVAL: invalid argument, umount2 '${plain}'`,
    });
    const missing = path.join(sandbox.dir, 'missing');
    expect(thrown(() => umount(missing))).toMatchObject({ code: 'ENOENT', syscall: 'umount2', path: missing });
  });

  it('umountAsync unmounts on the threadpool and rejects as umount throws', async () => {
    const mnt = dir('mnt');
    tmpfs(mnt);
    await umountAsync(mnt, MNT_DETACH);
    expect(mountAt(mnt)).toBeUndefined();
    await expect(umountAsync(mnt)).rejects.toMatchObject({ code: 'EINVAL', syscall: 'umount2', path: mnt });
    await expect(umountAsync(mnt, -1)).rejects.toThrow(TypeError);
  });

  it('the kernel refuses MNT_EXPIRE with MNT_DETACH: EINVAL, still mounted', () => {
    const mnt = dir('mnt');
    tmpfs(mnt);
    expect(thrown(() => umount(mnt, MNT_EXPIRE | MNT_DETACH))).toMatchObject({ code: 'EINVAL', syscall: 'umount2' });
    expect(mountAt(mnt)).toBeDefined();
    umount(mnt);
  });

  it('rejects bad arguments with a TypeError before reaching the kernel', () => {
    const mnt = dir('mnt');
    const bad: [string, () => unknown][] = [
      ['source not a string', () => mount(1 as unknown as string, mnt, 'tmpfs', 0)],
      ['target with NUL', () => mount('tmpfs', `${mnt}\0/x`, 'tmpfs', 0)],
      ['fstype not a string', () => mount('tmpfs', mnt, 5 as unknown as string, 0)],
      ['fstype with NUL', () => mount('tmpfs', mnt, 'tmp\0fs', 0)],
      ['data with NUL', () => mount('tmpfs', mnt, 'tmpfs', 0, 'size=1m\0,mode=777')],
      ['data not a string', () => mount('tmpfs', mnt, 'tmpfs', 0, {} as unknown as string)],
      ['negative flags', () => mount('tmpfs', mnt, 'tmpfs', -1)],
      ['flags over 32 bits', () => mount('tmpfs', mnt, 'tmpfs', 2 ** 32)],
      ['fractional flags', () => mount('tmpfs', mnt, 'tmpfs', 0.5)],
      ['umount target not a string', () => umount(null as unknown as string)],
      ['umount flags fractional', () => umount(mnt, 1.5)],
    ];
    for (const [what, run] of bad) {
      expect(thrown(run), what).toBeInstanceOf(TypeError);
    }
    expect(mountsUnder(sandbox.dir)).toEqual([]);
  });
});

describe('flag values', () => {
  it('MS and MNT_* match the C library headers the addon was built with', () => {
    const { constants } = native();
    for (const [name, value] of Object.entries(MS)) {
      expect(constants[`MS_${name}`], `MS_${name}`).toBe(value);
    }
    expect({ MNT_FORCE, MNT_DETACH, MNT_EXPIRE, UMOUNT_NOFOLLOW }).toEqual({
      MNT_FORCE: constants.MNT_FORCE,
      MNT_DETACH: constants.MNT_DETACH,
      MNT_EXPIRE: constants.MNT_EXPIRE,
      UMOUNT_NOFOLLOW: constants.UMOUNT_NOFOLLOW,
    });
    expect(Object.isFrozen(MS)).toBe(true);
  });
});
