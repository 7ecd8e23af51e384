// A container's upper directory read back as what it is: the changes the container made
// to the image's layers, in overlayfs's own notation — a 0/0 character device deletes a
// lower path, a directory with trusted.overlay.opaque=y (user.overlay.opaque=y in a rootless
// store, whiteouts.ts) hides everything below it — and, in the rootless engine, in
// fuse-overlayfs's too (whiteouts.ts upperNotation: `.wh.<name>` files, `.wh..wh..opq`
// markers, user.fuseoverlayfs.opaque), read as the same changes. `diff`,
// `commit` and the builder read an upper dir only through this walker, whose calls all run
// off the event loop (diff is the API's; a commit's tar streams from it).
import fs from 'node:fs';
import path from 'node:path';
import { lgetxattrAsync, llistxattrAsync } from '../../../native/lib/index';
import { pathExists } from '../store/exists';
import { OPAQUE_MARKER, type UpperNotation, classifyUpperName, isOverlayXattr, upperNotation } from './whiteouts';

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
 * it is reproducible). Sockets are skipped: they cannot be stored in a layer. A deletion in
 * fuse-overlayfs's file notation is reported as a whiteout of the name it deletes (`abs`
 * and `stat` are the `.wh.` file's); its other `.wh.` names are not entries.
 */
export function walkUpper(upperDir: string, notation: UpperNotation = upperNotation()): AsyncGenerator<UpperEntry> {
  return walkDir(upperDir, '', notation);
}

async function* walkDir(upperDir: string, relDir: string, notation: UpperNotation): AsyncGenerator<UpperEntry> {
  const absDir = relDir === '' ? upperDir : path.join(upperDir, relDir);
  const names = await fs.promises.readdir(absDir);
  // A directory's entries are stat'ed together: one round trip to the threadpool per directory, not per entry.
  const stats = await Promise.all(names.map((name) => fs.promises.lstat(path.join(absDir, name), { bigint: true })));
  const entries: { name: string; abs: string; kind: UpperKind; stat: fs.BigIntStats }[] = [];
  const present = new Set(names);
  for (const [index, name] of names.entries()) {
    const stat = stats[index]!;
    const meaning = classifyUpperName(name, stat.isFile(), notation);
    if (meaning.kind === 'whiteout') {
      // the name itself, when it is there too, is what the directory holds
      if (!present.has(meaning.target)) entries.push({ name: meaning.target, abs: path.join(absDir, name), kind: 'whiteout', stat });
      continue;
    }
    if (meaning.kind !== 'content') continue; // the opaque marker is read with its directory (isOpaque)
    const kind = kindOf(stat);
    if (kind !== undefined) entries.push({ name, abs: path.join(absDir, name), kind, stat });
  }
  entries.sort((a, b) => Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)));
  for (const { name, abs, kind, stat } of entries) {
    const rel = relDir === '' ? name : `${relDir}/${name}`;
    const opaque = kind === 'dir' && (await isOpaque(abs, notation));
    yield { path: rel, abs, kind, stat, opaque };
    if (kind === 'dir') yield* walkDir(upperDir, rel, notation);
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

async function isOpaque(abs: string, notation: UpperNotation): Promise<boolean> {
  const marks = await Promise.all([
    ...notation.opaqueXattrs.map(async (name) => (await lgetxattrAsync(abs, name))?.toString() === 'y'),
    ...(notation.whiteoutFiles ? [pathExists(path.join(abs, OPAQUE_MARKER))] : []),
  ]);
  return marks.includes(true);
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
