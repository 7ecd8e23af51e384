// Bytes on disk as `du -s --block-size=1` counts them: allocated blocks of every inode
// below (and including) a directory, each hardlinked inode once. Every call runs off the
// event loop (disk.usage is the API's; an import measures each layer it unpacks): the
// addon's walk on one pool thread, or, with hardlinks counted across calls or an addon
// built before it, this file's own walk (a pool round trip per directory).
import fs from 'node:fs';
import path from 'node:path';
import { diskUsageNative } from '../../../native/lib/index';

export interface DiskUsage {
  bytes: number;
  inodes: number;
}

/** du of `dir`; `seen` carries hardlinked inodes across calls (count each once). A missing `dir` is ENOENT. */
export async function diskUsageAsync(dir: string, seen?: Set<bigint>): Promise<DiskUsage> {
  if (seen === undefined) {
    const usage = await diskUsageNative(dir);
    if (usage) return usage;
  }
  return walkDiskUsage(dir, seen ?? new Set());
}

/** The walk from here: a directory's entries stat'ed together, one pool round trip each. */
export async function walkDiskUsage(dir: string, seen: Set<bigint>): Promise<DiskUsage> {
  const usage = { bytes: 0, inodes: 0 };
  const pending: Array<[string, fs.BigIntStats]> = [[dir, await fs.promises.lstat(dir, { bigint: true })]];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [abs, stat] = next;
    if (stat.nlink > 1n) {
      if (seen.has(stat.ino)) continue;
      seen.add(stat.ino);
    }
    usage.bytes += Number(stat.blocks) * 512;
    usage.inodes++;
    if (!stat.isDirectory()) continue;
    const names = (await ifThere(fs.promises.readdir(abs))) ?? [];
    // A directory's entries are stat'ed together: one round trip to the threadpool per directory.
    const stats = await Promise.all(names.map((name) => ifThere(fs.promises.lstat(path.join(abs, name), { bigint: true }))));
    for (const [index, name] of names.entries()) {
      const childStat = stats[index];
      if (childStat) pending.push([path.join(abs, name), childStat]);
    }
  }
  return usage;
}

/** `read`'s value, or undefined for what a writer removed meanwhile (tmp/ changes under running jobs). */
async function ifThere<T>(read: Promise<T>): Promise<T | undefined> {
  try {
    return await read;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
