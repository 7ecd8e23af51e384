// Bytes on disk as `du -s --block-size=1` counts them: allocated blocks of every inode
// below (and including) a directory, each hardlinked inode once.
import fs from 'node:fs';
import path from 'node:path';

export interface DiskUsage {
  bytes: number;
  inodes: number;
}

export function diskUsage(dir: string, seen: Set<bigint> = new Set()): DiskUsage {
  let bytes = 0;
  let inodes = 0;
  const visit = (abs: string, stat: fs.BigIntStats): void => {
    if (stat.nlink > 1n) {
      if (seen.has(stat.ino)) return;
      seen.add(stat.ino);
    }
    bytes += Number(stat.blocks) * 512;
    inodes++;
    if (!stat.isDirectory()) return;
    for (const name of ifThere(() => fs.readdirSync(abs)) ?? []) {
      const child = path.join(abs, name);
      const childStat = ifThere(() => fs.lstatSync(child, { bigint: true }));
      if (childStat) visit(child, childStat);
    }
  };
  visit(dir, fs.lstatSync(dir, { bigint: true }));
  return { bytes, inodes };
}

/** `read()`, or undefined for what a writer removed meanwhile (tmp/ changes under running jobs). */
export function ifThere<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
