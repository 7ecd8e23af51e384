// Rootless layers, on the real kernel, as strata-test in its own user namespace (userns.ts):
// an image with whiteouts, an opaque directory, a setuid file owned by 1000 and a user
// xattr is imported into a rootless store; a container's overlay is mounted as start mounts
// it (userxattr) and shows what the layers mean; changes made through it are read back by
// diff and commit, and the committed image mounts as it should: opaque directories and
// whiteouts round-trip in their user.overlay.* form. The same again on fuse-overlayfs
// (STRATA_OVERLAY=fuse-overlayfs: the fallback, forced, where it is installed), whose own
// notation in the upper dir is read as the same changes, and whose daemons end with the mounts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { type NamespaceRun, describeRun, removeUserDir, rootlessSkipReason, runInUserNamespace, userDir } from './userns';

const skip = rootlessSkipReason();
if (skip) console.warn(`rootless layers: skipped — ${skip}`);

interface Entry {
  kind: string;
  uid: number;
  gid: number;
  mode: number;
  rdev: number;
}

interface LayersResult {
  privilege: string;
  storeMode: string;
  imported: { runSh: Entry; dataXattr: string; motdWhiteout: Entry; bigWhiteout: Entry; docUserOpaque: string; docTrustedOpaque: string | null };
  merged: { fstype: string; userxattr: boolean; motd: boolean; bigBin: boolean; doc: string[]; runSh: Entry; passwd: string };
  upper: { docUserOpaque: string | null; docFuseOpaque: string | null; appConf: Entry };
  changes: { path: string; kind: string }[];
  committedLayer: { docUserOpaque: string; appConfWhiteout: Entry; overlayXattrs: string[] };
  remounted: { doc: string[]; appConf: boolean; motd: boolean; newTxt: boolean };
  mountsLeft: string[];
  daemonsLeft: number[];
  error?: unknown;
}

const WHITEOUT = { kind: 'char', rdev: 0 };

const noFuse = fs.existsSync('/usr/bin/fuse-overlayfs') ? (fs.existsSync('/dev/fuse') ? null : '/dev/fuse is missing') : 'fuse-overlayfs is not installed (Debian package fuse-overlayfs)';
if (!skip && noFuse) console.warn(`rootless layers on fuse-overlayfs: skipped — ${noFuse}`);

/** How each overlay shows in mountinfo and marks the replaced directory in the upper dir. */
const DRIVERS = [
  { driver: 'native', fstype: 'overlay', opaque: { docUserOpaque: 'y', docFuseOpaque: null } },
  ...(noFuse ? [] : [{ driver: 'fuse-overlayfs', fstype: 'fuse.fuse-overlayfs', opaque: { docUserOpaque: null, docFuseOpaque: 'y' } }]),
];

describe.skipIf(skip !== null).each(DRIVERS)('rootless layers in a user namespace, on the $driver overlay', ({ driver, fstype, opaque }) => {
  let work: string;
  let run: NamespaceRun<LayersResult>;
  let result: LayersResult;

  beforeAll(() => {
    work = userDir(`layers-${driver}`);
    run = runInUserNamespace<LayersResult>(path.join(import.meta.dirname, 'inner', 'layers.ts'), [work], { env: { STRATA_OVERLAY: driver } });
    if (run.result === undefined || run.result.error !== undefined) throw new Error(`the namespace script failed:\n${describeRun(run)}`);
    result = run.result;
  }, 180_000);

  afterAll(() => {
    if (work) removeUserDir(work);
  });

  it('runs as the rootless engine, and records the store as rootless', () => {
    expect(result.privilege).toBe('rootless');
    expect(result.storeMode).toBe('rootless');
  });

  it('keeps owners inside the mapping, setuid bits and user xattrs', () => {
    expect(result.imported.runSh).toMatchObject({ kind: 'file', uid: 1000, gid: 1000, mode: 0o4755 });
    expect(result.imported.dataXattr).toBe('kept');
  });

  it('writes whiteouts as 0/0 character devices and opaque directories as user.overlay.opaque', () => {
    expect(result.imported.motdWhiteout).toMatchObject(WHITEOUT);
    expect(result.imported.bigWhiteout).toMatchObject(WHITEOUT);
    expect(result.imported.docUserOpaque).toBe('y');
    expect(result.imported.docTrustedOpaque).toBeNull();
  });

  it('mounts the rootfs (the kernel’s with userxattr): a whited-out file is hidden, an opaque directory hides the lower content', () => {
    expect(result.merged.fstype).toBe(fstype);
    expect(result.merged.userxattr).toBe(driver === 'native');
    expect(result.merged.motd).toBe(false);
    expect(result.merged.bigBin).toBe(false);
    expect(result.merged.doc).toEqual(['new.txt']);
    expect(result.merged.runSh).toMatchObject({ uid: 1000, gid: 1000, mode: 0o4755 });
    expect(result.merged.passwd).toContain('app:x:1000');
  });

  it("reads the container's upper back in the overlay's own form: diff names what changed", () => {
    expect(result.upper).toMatchObject(opaque);
    expect(result.upper.appConf).toMatchObject(WHITEOUT);
    expect(result.changes).toEqual(
      expect.arrayContaining([
        { path: '/etc/app.conf', kind: 'D' },
        { path: '/app/new.txt', kind: 'A' },
        { path: '/usr/share/doc/fresh.txt', kind: 'A' },
        { path: '/usr/share/doc/new.txt', kind: 'D' },
      ]),
    );
  });

  it('commits an opaque directory and a deletion that round-trip into a new image', () => {
    expect(result.committedLayer.docUserOpaque).toBe('y');
    expect(result.committedLayer.appConfWhiteout).toMatchObject(WHITEOUT);
    expect(result.committedLayer.overlayXattrs, 'overlay bookkeeping of the upper (origin, impure…) must not reach the layer').toEqual([]);
    expect(result.remounted).toEqual({ doc: ['fresh.txt'], appConf: false, motd: false, newTxt: true });
  });

  it('leaves no mount and no fuse-overlayfs behind', () => {
    expect(result.mountsLeft).toEqual([]);
    expect(result.daemonsLeft).toEqual([]);
  });
});
