// An upper dir in fuse-overlayfs's notation (layers/whiteouts.ts upperNotation), made by hand
// as fuse-overlayfs 1.10 writes one in a user namespace: a 0/0 device where it may mknod, a
// `.wh.<name>` file where it may not, an opaque directory with user.fuseoverlayfs.opaque and
// a `.wh..wh..opq` file (plus its `.wh..opq` device), one with the marker file alone (where
// xattrs are not supported), user.fuseoverlayfs.origin on a copied-up file. Read by the
// rootless engine's notation, the walker (diff's, commit's), the tar (commit's) and the root
// view (a container's files) see the same changes as in overlayfs's own notation, and none of
// the bookkeeping; read by root's, `.wh.` names are files as before. The real fuse-overlayfs
// writing them: test/rootless/fuse-overlay.test.ts. Needs root (mknod, user xattrs).
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lsetxattr, mknod } from '../../../native/lib/index';
import { walkUpper } from '../../../src-main/engine/layers/overlay-upper';
import { layerStackRoot } from '../../../src-main/engine/layers/root-path';
import { type TarEntry, readTar } from '../../../src-main/engine/layers/tar-reader';
import { upperTarStream } from '../../../src-main/engine/layers/upper-tar';
import { opaqueXattr, upperNotation } from '../../../src-main/engine/layers/whiteouts';
import { makeTempDir } from '../../helpers/test-images';

const root = process.getuid?.() === 0;
if (!root) console.log('upper notation: skipped — it makes 0/0 character devices (mknod): run as root');

const ROOTLESS = upperNotation('rootless');
const ROOT = upperNotation('root');

let work: string;
let upper: string;
let lower: string;

function put(dir: string, rel: string, content = ''): string {
  const file = path.join(dir, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
  return file;
}

function whiteoutDevice(dir: string, rel: string): void {
  fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
  mknod(path.join(dir, rel), fs.constants.S_IFCHR | 0o700, 0, 0);
}

async function walked(notation: typeof ROOTLESS): Promise<string[]> {
  const seen: string[] = [];
  for await (const entry of walkUpper(upper, notation)) seen.push(`${entry.path} ${entry.kind}${entry.opaque ? ' opaque' : ''}`);
  return seen;
}

async function tarred(notation: typeof ROOTLESS, lowerPaths?: Set<string>): Promise<{ names: string[]; xattrs: Record<string, string[]> }> {
  const names: string[] = [];
  const xattrs: Record<string, string[]> = {};
  await readTar(upperTarStream(upper, { notation, ...(lowerPaths ? { lower: lowerPaths } : {}) }), {
    entry: (entry: TarEntry) => {
      names.push(entry.name);
      if (entry.xattrs.size > 0) xattrs[entry.name] = [...entry.xattrs.keys()];
    },
    data: () => undefined,
    entryEnd: () => undefined,
  });
  return { names, xattrs };
}

describe.skipIf(!root)('an upper dir in fuse-overlayfs’s notation', () => {
  beforeAll(() => {
    work = makeTempDir('upper-notation');
    lower = path.join(work, 'lower');
    upper = path.join(work, 'upper');
    for (const rel of ['etc/doomed', 'etc/gone', 'etc/kept', 'srv/data/old.txt', 'srv/bare/old.txt', 'both']) put(lower, rel, 'lower\n');
    // deletions: a device where fuse-overlayfs may mknod, a `.wh.` file where it may not
    whiteoutDevice(upper, 'etc/doomed');
    put(upper, 'etc/.wh.gone');
    // a directory replaced: the xattr, the marker file and fuse-overlayfs's device for its own marker
    put(upper, 'srv/data/new.txt', 'new\n');
    lsetxattr(path.join(upper, 'srv/data'), 'user.fuseoverlayfs.opaque', Buffer.from('y'));
    put(upper, 'srv/data/.wh..wh..opq');
    whiteoutDevice(upper, 'srv/data/.wh..opq');
    // where xattrs are not supported: the marker file alone
    put(upper, 'srv/bare/.wh..wh..opq');
    // a copied-up file: its origin is fuse-overlayfs's, the user's xattr is content
    const copied = put(upper, 'etc/kept', 'changed\n');
    lsetxattr(copied, 'user.fuseoverlayfs.origin', Buffer.from('etc/kept'));
    lsetxattr(copied, 'user.note', Buffer.from('kept'));
    // deleted, then made again: the name wins over a `.wh.` file left beside it
    put(upper, 'both', 'again\n');
    put(upper, '.wh.both');
    // what only the container had: a directory it made and removed (whited out), one it made (opaque)
    whiteoutDevice(upper, 'scratch');
    put(upper, 'fresh/f', 'fresh\n');
    lsetxattr(path.join(upper, 'fresh'), 'user.fuseoverlayfs.opaque', Buffer.from('y'));
    put(upper, 'fresh/.wh..wh..opq');
  });

  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  it('is walked as the changes it stands for: deletions, opaque directories, no bookkeeping', async () => {
    expect(await walked(ROOTLESS)).toEqual([
      'both file',
      'etc dir',
      'etc/doomed whiteout',
      'etc/gone whiteout',
      'etc/kept file',
      'fresh dir opaque',
      'fresh/f file',
      'scratch whiteout',
      'srv dir',
      'srv/bare dir opaque',
      'srv/data dir opaque',
      'srv/data/new.txt file',
    ]);
  });

  it('is tarred in OCI’s notation, with fuse-overlayfs’s xattrs left behind', async () => {
    const { names, xattrs } = await tarred(ROOTLESS);
    expect(names).toEqual([
      'both',
      'etc/',
      'etc/.wh.doomed',
      'etc/.wh.gone',
      'etc/kept',
      'fresh/',
      'fresh/.wh..wh..opq',
      'fresh/f',
      '.wh.scratch',
      'srv/',
      'srv/bare/',
      'srv/bare/.wh..wh..opq',
      'srv/data/',
      'srv/data/.wh..wh..opq',
      'srv/data/new.txt',
    ]);
    expect(xattrs).toEqual({ 'etc/kept': ['user.note'] });
  });

  it('leaves out, given the paths below, the whiteouts and opaque markers that change nothing', async () => {
    const below = new Set(fs.readdirSync(lower, { recursive: true, encoding: 'utf8' }));
    const { names } = await tarred(ROOTLESS, below);
    expect(names).not.toContain('.wh.scratch');
    expect(names).not.toContain('fresh/.wh..wh..opq');
    expect(names).toEqual(expect.arrayContaining(['etc/.wh.doomed', 'etc/.wh.gone', 'fresh/f', 'srv/data/.wh..wh..opq', 'srv/bare/.wh..wh..opq']));
  });

  it('is read as a container’s root: what it deletes or hides is gone, what it adds is there', () => {
    const view = layerStackRoot([upper, lower], ROOTLESS);
    const at = (rel: string) => view.lookup(rel.split('/'))?.host;
    expect(at('etc/doomed')).toBeUndefined();
    expect(at('etc/gone')).toBeUndefined();
    expect(at('etc/kept')).toBe(path.join(upper, 'etc/kept'));
    expect(at('srv/data/old.txt')).toBeUndefined();
    expect(at('srv/bare/old.txt')).toBeUndefined();
    expect(at('srv/data/new.txt')).toBe(path.join(upper, 'srv/data/new.txt'));
    expect(at('both')).toBe(path.join(upper, 'both'));
  });

  it('is left as it was by root’s notation, which only the kernel’s overlay writes', async () => {
    expect(ROOT).toEqual({ opaqueXattrs: [opaqueXattr('root')], whiteoutFiles: false });
    const seen = await walked(ROOT);
    expect(seen).toContain('.wh.both file');
    expect(seen).toContain('etc/.wh.gone file');
    expect(seen).toContain('srv/data dir'); // user.fuseoverlayfs.opaque is not root's
    expect(layerStackRoot([upper, lower], ROOT).lookup(['etc', 'gone'])?.host).toBe(path.join(lower, 'etc/gone'));
  });
});
