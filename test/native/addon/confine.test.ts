// The confinement primitives (native/src/confine.c) against the ways out of a root: `..`,
// absolute links, links to the host, magic links, a link where a new file should be, a
// link inside a tree being removed. Each case runs twice: with openat2, and with the
// component walk that stands in for it on kernels before 5.6 (forced).
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

import { CONFINE, O_PATH, atInRoot, atInRootAsync, hasOpenat2, makeEntriesInRoot, mkdirInRoot, openInRoot, openInRootAsync, openRoot, removeInRoot } from '../../../native/lib';
import { native } from '../../../native/lib/load';
import { thrown } from './thrown';
import { useTmpDir } from './tmp';

const tmp = useTmpDir();
const { O_RDONLY, O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW, O_DIRECTORY } = fs.constants;

/** root/ holds secret = "inside"; outside/ (its sibling) holds secret = "outside". */
function layout(): { root: string; outside: string; rootFd: number } {
  const root = path.join(tmp.dir, 'root');
  const outside = path.join(tmp.dir, 'outside');
  fs.mkdirSync(root);
  fs.mkdirSync(outside);
  fs.writeFileSync(path.join(root, 'secret'), 'inside');
  fs.writeFileSync(path.join(outside, 'secret'), 'outside');
  return { root, outside, rootFd: openRoot(root) };
}

function readFd(fd: number): string {
  try {
    return fs.readFileSync(fd, 'utf8');
  } finally {
    fs.closeSync(fd);
  }
}

it('the option bits and O_PATH match the C headers', () => {
  const constants = native().confineConstants;
  expect({ NO_SYMLINKS: constants.NO_SYMLINKS, NO_XDEV: constants.NO_XDEV, FALLBACK: constants.FALLBACK }).toEqual(CONFINE);
  expect(constants.O_PATH).toBe(O_PATH);
});

it('uses openat2 on this kernel (5.6 or later)', () => {
  const { rootFd } = layout();
  fs.closeSync(openInRoot(rootFd, 'secret', O_RDONLY));
  fs.closeSync(rootFd);
  expect(hasOpenat2()).toBe(true);
});

describe.each([
  ['openat2', false],
  ['the fallback walk', true],
])('with %s', (_name, fallback) => {
  const opts = { fallback };

  it('opens a file inside the root', () => {
    const { rootFd } = layout();
    expect(readFd(openInRoot(rootFd, '/secret', O_RDONLY, 0, opts))).toBe('inside');
  });

  it('stops `..` at the root', () => {
    const { rootFd } = layout();
    expect(readFd(openInRoot(rootFd, '../../../../secret', O_RDONLY, 0, opts))).toBe('inside');
    // The host's sibling is not there from inside the root.
    expect(thrown(() => openInRoot(rootFd, '../outside/secret', O_RDONLY, 0, opts)).code).toBe('ENOENT');
  });

  it('resolves absolute and climbing links inside the root, never to the host', () => {
    const { root, outside, rootFd } = layout();
    fs.symlinkSync(path.join(outside, 'secret'), path.join(root, 'abs')); // a host path: not there inside
    fs.symlinkSync('/', path.join(root, 'top'));
    fs.symlinkSync('../../../..', path.join(root, 'up'));
    fs.symlinkSync('/secret', path.join(root, 'rooted'));
    expect(thrown(() => openInRoot(rootFd, 'abs', O_RDONLY, 0, opts)).code).toBe('ENOENT');
    expect(readFd(openInRoot(rootFd, 'top/secret', O_RDONLY, 0, opts))).toBe('inside');
    expect(readFd(openInRoot(rootFd, 'up/secret', O_RDONLY, 0, opts))).toBe('inside');
    expect(readFd(openInRoot(rootFd, 'rooted', O_RDONLY, 0, opts))).toBe('inside');
  });

  it('refuses magic links (/proc/self/root)', () => {
    const procSelf = openRoot('/proc/self');
    try {
      const error = thrown(() => openInRoot(procSelf, 'root/etc/hostname', O_RDONLY, 0, opts));
      expect(error.code).toBe('ELOOP');
      expect(error.syscall).toBe('openat2');
    } finally {
      fs.closeSync(procSelf);
    }
    // And a link to it inside an ordinary root names the root's own /proc (absent here).
    const { root, rootFd } = layout();
    fs.symlinkSync('/proc/self/root/etc', path.join(root, 'magic'));
    expect(thrown(() => openInRoot(rootFd, 'magic/hostname', O_RDONLY, 0, opts)).code).toBe('ENOENT');
  });

  it('creates with O_EXCL but never through a final link', () => {
    const { root, outside, rootFd } = layout();
    fs.symlinkSync(path.join('..', 'outside', 'new'), path.join(root, 'trap'));
    expect(thrown(() => openInRoot(rootFd, 'trap', O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600, opts)).code).toBe('EEXIST');
    expect(fs.existsSync(path.join(outside, 'new'))).toBe(false);
    fs.closeSync(openInRoot(rootFd, 'made', O_WRONLY | O_CREAT | O_EXCL, 0o640, opts));
    expect(fs.statSync(path.join(root, 'made')).mode & 0o777).toBe(0o640 & ~process.umask());
  });

  it('gives the link itself with O_PATH | O_NOFOLLOW, and refuses every link with noSymlinks', () => {
    const { root, rootFd } = layout();
    fs.symlinkSync('secret', path.join(root, 'link'));
    const fd = openInRoot(rootFd, 'link', O_PATH | O_NOFOLLOW, 0, opts);
    expect(fs.fstatSync(fd).isSymbolicLink()).toBe(true);
    fs.closeSync(fd);
    fs.mkdirSync(path.join(root, 'dir'));
    fs.symlinkSync('dir', path.join(root, 'dirlink'));
    expect(thrown(() => openInRoot(rootFd, 'dirlink/x', O_RDONLY, 0, { ...opts, noSymlinks: true })).code).toBe('ELOOP');
    expect(thrown(() => openInRoot(rootFd, 'link', O_RDONLY, 0, { ...opts, noSymlinks: true })).code).toBe('ELOOP');
  });

  it('says ENOTDIR for a file on the way and ELOOP for a loop of links', () => {
    const { root, rootFd } = layout();
    fs.symlinkSync('b', path.join(root, 'a'));
    fs.symlinkSync('a', path.join(root, 'b'));
    expect(thrown(() => openInRoot(rootFd, 'secret/x', O_RDONLY, 0, opts)).code).toBe('ENOTDIR');
    expect(thrown(() => openInRoot(rootFd, 'a', O_RDONLY, 0, opts)).code).toBe('ELOOP');
  });

  it('opens asynchronously on the threadpool', async () => {
    const { rootFd } = layout();
    expect(readFd(await openInRootAsync(rootFd, '../secret', O_RDONLY, opts))).toBe('inside');
    await expect(openInRootAsync(rootFd, 'missing', O_RDONLY, opts)).rejects.toMatchObject({ code: 'ENOENT', path: 'missing' });
  });

  it('creates asynchronously with the mode asked for, and not through a link out of the root', async () => {
    const { root, outside, rootFd } = layout();
    const { O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW } = fs.constants;
    fs.closeSync(await openInRootAsync(rootFd, 'made', O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, opts, 0o640));
    expect(fs.statSync(path.join(root, 'made')).mode & 0o777).toBe(0o640 & ~process.umask());
    fs.symlinkSync(outside, path.join(root, 'out'));
    await expect(openInRootAsync(rootFd, 'out/new', O_WRONLY | O_CREAT | O_EXCL, { ...opts, noSymlinks: true }, 0o600)).rejects.toMatchObject({ code: 'ELOOP', path: 'out/new' });
    expect(fs.readdirSync(outside)).toEqual(['secret']);
  });

  it('creates and fills a file in one call, every buffer in order; a refused open writes nothing', async () => {
    const { root, outside, rootFd } = layout();
    const { O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW } = fs.constants;
    const big = Buffer.alloc(300_000, 7);
    const fd = await openInRootAsync(rootFd, 'filled', O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, opts, 0o600, [Buffer.from('head:'), big, Buffer.alloc(0), Buffer.from(':tail')]);
    expect(fs.fstatSync(fd).size).toBe(5 + 300_000 + 5); // written before the fd is handed back
    fs.closeSync(fd);
    const written = fs.readFileSync(path.join(root, 'filled'));
    expect(written.subarray(0, 5).toString()).toBe('head:');
    expect(written.subarray(-5).toString()).toBe(':tail');
    expect(written.subarray(5, -5).equals(big)).toBe(true);
    fs.closeSync(await openInRootAsync(rootFd, 'empty', O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, opts, 0o600, []));
    expect(fs.statSync(path.join(root, 'empty')).size).toBe(0);
    fs.symlinkSync(outside, path.join(root, 'out'));
    await expect(openInRootAsync(rootFd, 'out/new', O_WRONLY | O_CREAT | O_EXCL, { ...opts, noSymlinks: true }, 0o600, [Buffer.from('x')])).rejects.toMatchObject({ code: 'ELOOP', syscall: 'openat2' });
    await expect(openInRootAsync(rootFd, 'filled', O_WRONLY | O_CREAT | O_EXCL, opts, 0o600, [Buffer.from('again')])).rejects.toMatchObject({ code: 'EEXIST' });
    expect(fs.readdirSync(outside)).toEqual(['secret']);
    expect(fs.readFileSync(path.join(root, 'filled')).length).toBe(300_010);
    expect(() => native().openInRootAsync(rootFd, 'other', O_WRONLY | O_CREAT | O_EXCL, 0o600, 0, ['not a buffer' as unknown as Buffer])).toThrow(/Buffers/);
    expect(fs.existsSync(path.join(root, 'other'))).toBe(false);
  });

  it('makes a batch of directories and whole files in order: content, exact mode, owner, times', async () => {
    const { root, rootFd } = layout();
    const big = Buffer.alloc(200_000, 3);
    await makeEntriesInRoot(
      rootFd,
      [
        { kind: 'dir', path: 'a', mode: 0o700 },
        { kind: 'dir', path: 'a/b', mode: 0o755 },
        { kind: 'file', path: 'a/b/one', mode: 0o4755, mtime: 1_000_000_000.25, data: Buffer.from('one'), owner: { uid: 1234, gid: 5678 } },
        { kind: 'file', path: 'a/two', mode: 0o600, mtime: 5, data: big },
        { kind: 'file', path: 'empty', mode: 0o644, mtime: 7, data: Buffer.alloc(0) },
      ],
      opts,
    );
    expect(fs.statSync(path.join(root, 'a')).mode & 0o7777).toBe(0o700 & ~process.umask());
    const one = fs.statSync(path.join(root, 'a/b/one'));
    expect(fs.readFileSync(path.join(root, 'a/b/one'), 'utf8')).toBe('one');
    // exactly the mode asked for, setuid kept: it is given after the write and the chown
    expect({ mode: one.mode & 0o7777, uid: one.uid, gid: one.gid }).toEqual({ mode: 0o4755, uid: 1234, gid: 5678 });
    expect(one.mtimeMs).toBe(1_000_000_000_250);
    expect(one.atimeMs).toBe(1_000_000_000_250);
    expect(fs.readFileSync(path.join(root, 'a/two')).equals(big)).toBe(true);
    expect(fs.statSync(path.join(root, 'a/two')).uid).toBe(process.getuid!()); // no owner: the process's
    expect(fs.statSync(path.join(root, 'empty')).size).toBe(0);
  });

  it('stops a batch at its first failure, naming that entry; nothing after it is made, nothing outside', async () => {
    const { root, outside, rootFd } = layout();
    fs.symlinkSync(outside, path.join(root, 'out'));
    const file = (p: string) => ({ kind: 'file' as const, path: p, mode: 0o644, mtime: 0, data: Buffer.from('x') });
    // a name that is there already is not replaced or followed
    await expect(makeEntriesInRoot(rootFd, [file('first'), file('secret'), file('after')], opts)).rejects.toMatchObject({ code: 'EEXIST', path: 'secret', syscall: 'openat' });
    expect(fs.readFileSync(path.join(root, 'secret'), 'utf8')).toBe('inside');
    expect(fs.existsSync(path.join(root, 'first'))).toBe(true);
    expect(fs.existsSync(path.join(root, 'after'))).toBe(false);
    // a link on the way: refused with noSymlinks; a final link is never followed
    await expect(makeEntriesInRoot(rootFd, [file('out/new')], { ...opts, noSymlinks: true })).rejects.toMatchObject({ code: 'ELOOP', path: 'out/new', syscall: 'openat2' });
    await expect(makeEntriesInRoot(rootFd, [{ kind: 'dir', path: 'out', mode: 0o755 }], opts)).rejects.toMatchObject({ code: 'EEXIST', path: 'out', syscall: 'mkdirat' });
    await expect(makeEntriesInRoot(rootFd, [file('out')], opts)).rejects.toMatchObject({ code: 'EEXIST', path: 'out' });
    // without noSymlinks a link on the way resolves inside the root: out/ → /outside is not there
    await expect(makeEntriesInRoot(rootFd, [file('out/new')], opts)).rejects.toMatchObject({ code: 'ENOENT', path: 'out/new' });
    for (const name of ['..', 'a/..', '.', '', 'a/']) await expect(makeEntriesInRoot(rootFd, [file(name)], opts)).rejects.toMatchObject({ code: 'EINVAL' });
    expect(fs.readdirSync(outside)).toEqual(['secret']);
    // the packed form the addon takes must agree with itself
    expect(() => native().makeEntriesInRoot(rootFd, 0, 'x', new Float64Array([2, 0o644, -1, -1, 0]), [])).toThrow(/Buffer/);
    expect(() => native().makeEntriesInRoot(rootFd, 0, 'x', new Float64Array([1, 0o755, 0, 0, 0]), [Buffer.from('extra')])).toThrow(/do not match/);
    expect(() => native().makeEntriesInRoot(rootFd, 0, 'x\0y', new Float64Array([1, 0o755, 0, 0, 0]), [])).toThrow(/do not match/);
    expect(() => native().makeEntriesInRoot(rootFd, 0, 'x', new Float64Array([2, 0o644, -1, -1, 0]), ['not a buffer' as unknown as Buffer])).toThrow(/Buffer/);
    await expect(makeEntriesInRoot(rootFd, [file('a\0b')], opts)).rejects.toThrow(/NUL/);
    expect(fs.existsSync(path.join(root, 'a'))).toBe(false);
  });

  it('atInRootAsync keeps the parent open until the act has finished, then closes it', async () => {
    const { root, rootFd } = layout();
    fs.mkdirSync(path.join(root, 'dir'));
    const before = fs.readdirSync('/proc/self/fd').length;
    await atInRootAsync(rootFd, 'dir/link', (entry) => fs.promises.symlink('target', entry), opts);
    expect(fs.readlinkSync(path.join(root, 'dir/link'))).toBe('target');
    expect(fs.readdirSync('/proc/self/fd').length).toBe(before);
    await expect(atInRootAsync(rootFd, 'dir/link', (entry) => fs.promises.symlink('target', entry), opts)).rejects.toMatchObject({ code: 'EEXIST' });
    expect(fs.readdirSync('/proc/self/fd').length).toBe(before);
  });

  it('mkdir -p makes missing directories with the exact mode and owner, through links inside the root', () => {
    const { root, outside, rootFd } = layout();
    fs.symlinkSync(outside, path.join(root, 'out')); // a host path: made inside instead
    fs.symlinkSync('/made/here', path.join(root, 'dangling'));
    const first = mkdirInRoot(rootFd, 'a/b/c', { mode: 0o751, owner: { uid: 12, gid: 34 } }, opts);
    fs.closeSync(first.fd);
    expect(first.created).toBe(true);
    const st = fs.statSync(path.join(root, 'a/b/c'));
    expect([st.mode & 0o777, st.uid, st.gid]).toEqual([0o751, 12, 34]);
    const again = mkdirInRoot(rootFd, 'a/b/c', { mode: 0o755 }, opts);
    fs.closeSync(again.fd);
    expect(again.created).toBe(false);
    fs.closeSync(mkdirInRoot(rootFd, 'out/x', { mode: 0o755 }, opts).fd);
    expect(fs.existsSync(path.join(root, outside, 'x'))).toBe(true);
    expect(fs.readdirSync(outside)).toEqual(['secret']);
    fs.closeSync(mkdirInRoot(rootFd, 'dangling/deeper', { mode: 0o755 }, opts).fd);
    expect(fs.statSync(path.join(root, 'made/here/deeper')).isDirectory()).toBe(true);
    expect(thrown(() => mkdirInRoot(rootFd, 'secret/x', { mode: 0o755 }, opts)).code).toBe('ENOTDIR');
  });

  it('removes a tree without following the links in it', () => {
    const { root, outside, rootFd } = layout();
    fs.mkdirSync(path.join(root, 'tree/sub'), { recursive: true });
    fs.symlinkSync(outside, path.join(root, 'tree/sub/host'));
    fs.symlinkSync('/', path.join(root, 'tree/top'));
    removeInRoot(rootFd, 'tree', opts);
    expect(fs.readdirSync(root)).toEqual(['secret']);
    expect(fs.readdirSync(outside)).toEqual(['secret']);
    fs.symlinkSync(outside, path.join(root, 'hostlink'));
    removeInRoot(rootFd, 'hostlink', opts); // the link, not what it names
    expect(fs.readdirSync(outside)).toEqual(['secret']);
    expect(thrown(() => removeInRoot(rootFd, '/', opts)).code).toBe('EINVAL');
  });

  it('acts on an entry through its parent directory fd', () => {
    const { root, rootFd } = layout();
    fs.mkdirSync(path.join(root, 'dir'));
    atInRoot(rootFd, '/dir/file', (entry) => fs.writeFileSync(entry, 'via fd'), opts);
    expect(fs.readFileSync(path.join(root, 'dir/file'), 'utf8')).toBe('via fd');
    expect(() => atInRoot(rootFd, '/', () => 0, opts)).toThrow(TypeError);
    expect(thrown(() => atInRoot(rootFd, 'secret/x', () => 0, opts)).code).toBe('ENOTDIR');
  });
});

it('refuses a root fd that is not a directory', () => {
  const { root } = layout();
  const fileFd = fs.openSync(path.join(root, 'secret'), O_RDONLY);
  try {
    expect(thrown(() => openInRoot(fileFd, 'x', O_RDONLY | O_DIRECTORY)).code).toBe('ENOTDIR');
    expect(thrown(() => openInRoot(fileFd, 'x', O_RDONLY, 0, { fallback: true })).code).toBe('ENOTDIR');
  } finally {
    fs.closeSync(fileFd);
  }
});
