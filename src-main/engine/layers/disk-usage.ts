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
    for (const name of fs.readdirSync(abs)) {
      const child = path.join(abs, name);
      visit(child, fs.lstatSync(child, { bigint: true }));
    }
  };
  visit(dir, fs.lstatSync(dir, { bigint: true }));
  return { bytes, inodes };
}
