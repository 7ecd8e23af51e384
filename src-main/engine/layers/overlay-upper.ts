// A container's upper directory read back as what it is: the changes the container made
// to the image's layers, in overlayfs's own notation — a 0/0 character device deletes a
// lower path, a directory with trusted.overlay.opaque=y (user.overlay.opaque=y in a rootless
// store, whiteouts.ts) hides everything below it. `diff`,
// `commit` and the builder read an upper dir only through this walker, whose calls all run
// off the event loop (diff is the API's; a commit's tar streams from it).
import fs from 'node:fs';
import path from 'node:path';
import { lgetxattrAsync, llistxattrAsync } from '../../../native/lib/index';
import { isOverlayXattr, opaqueXattr } from './whiteouts';

export type UpperKind = 'file' | 'dir' | 'symlink' | 'char' | 'block' | 'fifo' | 'whiteout';

export interface UpperEntry {
  /** Relative to the upper dir, '/'-separated, no leading slash. */
  path: string;
  abs: string;
  kind: UpperKind;
  stat: fs.BigIntStats;
  /** A directory that hides the lower directory of the same path. */
  opaque: boolean;
}

/**
 * Every entry below `upperDir`, parents before children, names in byte order (so a tar of
 * it is reproducible). Sockets are skipped: they cannot be stored in a layer.
 */
export async function* walkUpper(upperDir: string, relDir = ''): AsyncGenerator<UpperEntry> {
  const absDir = relDir === '' ? upperDir : path.join(upperDir, relDir);
  const names = (await fs.promises.readdir(absDir)).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  // A directory's entries are stat'ed together: one round trip to the threadpool per directory, not per entry.
  const stats = await Promise.all(names.map((name) => fs.promises.lstat(path.join(absDir, name), { bigint: true })));
  for (const [index, name] of names.entries()) {
    const rel = relDir === '' ? name : `${relDir}/${name}`;
    const abs = path.join(absDir, name);
    const stat = stats[index]!;
    const kind = kindOf(stat);
    if (kind === undefined) continue;
    const opaque = kind === 'dir' && (await isOpaque(abs));
    yield { path: rel, abs, kind, stat, opaque };
    if (kind === 'dir') yield* walkUpper(upperDir, rel);
  }
}

function kindOf(stat: fs.BigIntStats): UpperKind | undefined {
  if (stat.isFile()) return 'file';
  if (stat.isDirectory()) return 'dir';
  if (stat.isSymbolicLink()) return 'symlink';
  if (stat.isCharacterDevice()) return stat.rdev === 0n ? 'whiteout' : 'char';
  if (stat.isBlockDevice()) return 'block';
  if (stat.isFIFO()) return 'fifo';
  return undefined;
}

async function isOpaque(abs: string): Promise<boolean> {
  return (await lgetxattrAsync(abs, opaqueXattr()))?.toString() === 'y';
}

/** The entry's extended attributes that belong in a layer: overlayfs's own are left out. */
export async function contentXattrs(abs: string): Promise<Record<string, Buffer>> {
  const xattrs: Record<string, Buffer> = {};
  for (const name of await llistxattrAsync(abs)) {
    if (isOverlayXattr(name)) continue;
    const value = await lgetxattrAsync(abs, name);
    if (value !== null) xattrs[name] = value;
  }
  return xattrs;
}
