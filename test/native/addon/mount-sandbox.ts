// A temp directory for mount tests that never outlives its test with anything mounted in
// it: afterEach unmounts whatever is still mounted under it (the test's own mounts and
// any that propagated there), checks /proc/self/mountinfo, and only then removes it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach } from 'vitest';

import { MNT_DETACH, umount } from '../../../native/lib';

export interface MountInfo {
  mountPoint: string;
  /** The path inside the mounted filesystem that appears at mountPoint (bind mounts). */
  root: string;
  /** Per-mount options: rw/ro, nosuid, nodev, … */
  options: string[];
  /** Optional fields: shared:N, master:N, … */
  propagation: string[];
  fstype: string;
  source: string;
  superOptions: string;
}

// mountinfo escapes space, tab, newline and backslash in paths as \ooo.
const unescape = (field: string): string =>
  field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));

/** /proc/self/mountinfo, one entry per mount, in mount order (see proc(5)). */
export function mountInfo(): MountInfo[] {
  return fs
    .readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const fields = line.split(' ');
      const separator = fields.indexOf('-', 6);
      return {
        root: unescape(fields[3] ?? ''),
        mountPoint: unescape(fields[4] ?? ''),
        options: (fields[5] ?? '').split(','),
        propagation: fields.slice(6, separator),
        fstype: fields[separator + 1] ?? '',
        source: unescape(fields[separator + 2] ?? ''),
        superOptions: fields[separator + 3] ?? '',
      };
    });
}

/** The mounts at or below `dir`, in mount order. */
export function mountsUnder(dir: string): MountInfo[] {
  return mountInfo().filter((m) => m.mountPoint === dir || m.mountPoint.startsWith(`${dir}/`));
}

/** The topmost mount at exactly `mountPoint`, if any. */
export function mountAt(mountPoint: string): MountInfo | undefined {
  return mountInfo()
    .filter((m) => m.mountPoint === mountPoint)
    .at(-1);
}

/** Detaches every mount under `dir`, newest first; mounts that went with another are skipped. */
function unmountAll(dir: string): void {
  for (let left = mountsUnder(dir); left.length > 0; ) {
    const newest = left.at(-1) as MountInfo;
    try {
      umount(newest.mountPoint, MNT_DETACH);
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code !== 'EINVAL' && code !== 'ENOENT') throw error;
    }
    const now = mountsUnder(dir);
    if (now.length >= left.length) {
      throw new Error(`cannot unmount ${newest.mountPoint}: still mounted under ${dir}`);
    }
    left = now;
  }
}

export function useMountSandbox(): { readonly dir: string } {
  const state = { dir: '' };
  beforeEach(() => {
    // Canonical, because mountinfo shows canonical paths.
    state.dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'strata-mount-')));
  });
  afterEach(() => {
    unmountAll(state.dir);
    const left = mountsUnder(state.dir);
    if (left.length > 0) {
      // Never rm -r through a mount: that would delete what is mounted there.
      throw new Error(`mounts left under ${state.dir}: ${left.map((m) => m.mountPoint).join(', ')}`);
    }
    fs.rmSync(state.dir, { recursive: true, force: true });
  });
  return state;
}
