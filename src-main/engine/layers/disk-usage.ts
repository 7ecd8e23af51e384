// Bytes on disk as `du -s --block-size=1` counts them: allocated blocks of every inode
// below (and including) a directory, each hardlinked inode once.
import fs from 'node:fs';
import path from 'node:path';
import { LoopBudget } from '../store/loop-budget';

export interface DiskUsage {
  bytes: number;
  inodes: number;
}

export function diskUsage(dir: string, seen: Set<bigint> = new Set()): DiskUsage {
  const usage = { bytes: 0, inodes: 0 };
  for (const _ of countInodes(dir, seen, usage));
  return usage;
}

/** diskUsage() that gives the event loop back every few milliseconds: for trees of any size on the engine's thread. */
export async function diskUsageAsync(dir: string, seen: Set<bigint> = new Set()): Promise<DiskUsage> {
  const usage = { bytes: 0, inodes: 0 };
  const budget = new LoopBudget();
  for (const _ of countInodes(dir, seen, usage)) await budget.pause();
  return usage;
}

/** Adds every inode below `dir` to `usage`, one step (a directory read, an lstat) per iteration. */
function* countInodes(dir: string, seen: Set<bigint>, usage: DiskUsage): Generator<void> {
  const pending: Array<[string, fs.BigIntStats]> = [[dir, fs.lstatSync(dir, { bigint: true })]];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [abs, stat] = next;
    if (stat.nlink > 1n) {
      if (seen.has(stat.ino)) continue;
      seen.add(stat.ino);
    }
    usage.bytes += Number(stat.blocks) * 512;
    usage.inodes++;
    if (!stat.isDirectory()) continue;
    for (const name of ifThere(() => fs.readdirSync(abs)) ?? []) {
      const child = path.join(abs, name);
      const childStat = ifThere(() => fs.lstatSync(child, { bigint: true }));
      if (childStat) pending.push([child, childStat]);
      yield;
    }
  }
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
