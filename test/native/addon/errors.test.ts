import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

import { S_IFCHR, lgetxattr, llistxattr, lremovexattr, lsetxattr, mknod } from '../../../native/lib';
import { fromAddon, systemError } from '../../../native/lib/errors';
import { addonFile, findPackageRoot, requireAddon } from '../../../native/lib/load';
import { useTmpDir } from './tmp';
import { thrown } from './thrown';

const tmp = useTmpDir();

describe('errors look like the ones node:fs throws', () => {
  it('a missing path is ENOENT with code, errno, syscall, path — shaped like fs.lstatSync', () => {
    const missing = path.join(tmp.dir, 'missing', 'entry');
    const fsError = thrown(() => fs.lstatSync(missing));
    const ours = thrown(() => lgetxattr(missing, 'user.x'));

    expect(ours).toBeInstanceOf(Error);
    expect(ours).toMatchObject({ code: fsError.code, errno: fsError.errno, path: missing, syscall: 'lgetxattr' });
    expect(ours.message).toBe(String(fsError.message).replace("lstat '", "lgetxattr '"));
    expect(ours.stack).toContain(ours.message);
  });

  it.each([
    ['lsetxattr', (p: string) => lsetxattr(p, 'user.x', Buffer.from('v'))],
    ['lgetxattr', (p: string) => lgetxattr(p, 'user.x')],
    ['llistxattr', (p: string) => llistxattr(p)],
    ['lremovexattr', (p: string) => lremovexattr(p, 'user.x')],
    ['mknod', (p: string) => mknod(p, S_IFCHR | 0o600, 0, 0)],
  ])('%s on a missing parent is ENOENT', (syscall, run) => {
    const missing = path.join(tmp.dir, 'absent', 'x');
    expect(thrown(() => run(missing))).toMatchObject({
      code: 'ENOENT',
      errno: -os.constants.errno.ENOENT,
      syscall,
      path: missing,
      message: `ENOENT: no such file or directory, ${syscall} '${missing}'`,
    });
  });

  it('names errnos that libuv does not know from os.constants, described by the addon', () => {
    // libuv has no name for EDQUOT (122), which a full quota gives lsetxattr.
    const addonError = Object.assign(new Error('Disk quota exceeded'), { errno: -122, syscall: 'lsetxattr' });
    expect(fromAddon(addonError, '/x')).toMatchObject({
      code: 'EDQUOT',
      errno: -122,
      syscall: 'lsetxattr',
      path: '/x',
      message: "EDQUOT: disk quota exceeded, lsetxattr '/x'",
    });
    const bare = systemError(-os.constants.errno.ENOLCK, 'flock');
    expect(bare).toMatchObject({ code: 'ENOLCK', errno: -37, message: 'ENOLCK: unknown error, flock' });
    expect(bare.path).toBeUndefined();
  });

  it('passes errors that are not syscall failures through unchanged', () => {
    const typeError = new TypeError('path must be a string');
    expect(fromAddon(typeError, '/x')).toBe(typeError);
    const odd = Object.assign(new Error('odd'), { errno: 5, syscall: 'x' });
    expect(fromAddon(odd)).toBe(odd);
  });

  it('refuses paths and names with NUL bytes instead of truncating them', () => {
    expect(() => lgetxattr(`${tmp.dir}\0/x`, 'user.x')).toThrow(TypeError);
    expect(() => lsetxattr(tmp.dir, 'user.\0x', Buffer.from('v'))).toThrow(TypeError);
    expect(() => lsetxattr(tmp.dir, 'user.x', 'v' as unknown as Buffer)).toThrow(TypeError);
  });
});

describe('loading the addon', () => {
  it('finds the package root named "strata" above native/lib', () => {
    const root = findPackageRoot(path.join(import.meta.dirname, '..', '..', '..', 'native', 'lib'));
    expect(JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'))).toMatchObject({ name: 'strata' });
    expect(addonFile()).toBe(path.join(root, 'native/build/Release/strata_native.node'));
  });

  it('stops at / when no strata package is above', () => {
    expect(() => findPackageRoot(tmp.dir)).toThrow(/cannot find the "strata" package\.json/);
  });

  it('says to run npm run build:native when the addon is missing', () => {
    expect(() => requireAddon(path.join(tmp.dir, 'strata_native.node'))).toThrow(/npm run build:native/);
  });
});
