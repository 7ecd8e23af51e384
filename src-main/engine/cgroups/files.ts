// Reading cgroup interface files (the engine writes none: the runtime does). Everything is
// asynchronous (the stats sampler runs on the Electron main thread), and an unexpected
// errno becomes a StrataError that names the file, with the errno as its cause.
import fs from 'node:fs';
import path from 'node:path';
import { StrataError } from '@shared/errors';

type Errno = NodeJS.ErrnoException;

function errnoOf(error: unknown): string | undefined {
  return (error as Errno | undefined)?.code;
}

/** The file's text, or null when it does not exist (controller absent, cgroup gone). */
export async function readOptional(file: string): Promise<string | null> {
  try {
    return await fs.promises.readFile(file, 'utf8');
  } catch (error) {
    const code = errnoOf(error);
    // ENODEV: the cgroup was removed between open and read.
    if (code === 'ENOENT' || code === 'ENODEV') return null;
    throw new StrataError('INTERNAL', `reading ${file}: ${code ?? ''} ${(error as Error).message}`, { cause: error });
  }
}

export async function readRequired(file: string): Promise<string> {
  const text = await readOptional(file);
  if (text === null) throw new StrataError('NOT_FOUND', `${file} does not exist`);
  return text;
}

export async function isDirectory(dir: string): Promise<boolean> {
  try {
    return (await fs.promises.stat(dir)).isDirectory();
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return false;
    throw error;
  }
}

/** The names of the sub-cgroups (directories) of `dir`; [] if it does not exist. */
export async function childCgroups(dir: string): Promise<string[]> {
  try {
    const entries = await fs.promises.readdir(dir, { withFileTypes: true });
    return entries.filter((e) => e.isDirectory()).map((e) => e.name);
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return [];
    throw error;
  }
}

/** `dir` and every directory below it, deepest first. */
export async function treeDeepestFirst(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const child of await childCgroups(dir)) out.push(...(await treeDeepestFirst(path.join(dir, child))));
  if (await isDirectory(dir)) out.push(dir);
  return out;
}

/** The pids in `cgroup.procs` of `dir` and of every cgroup below it. */
export async function procsRecursive(dir: string): Promise<number[]> {
  const out: number[] = [];
  for (const each of await treeDeepestFirst(dir)) {
    const text = await readOptional(path.join(each, 'cgroup.procs'));
    if (text !== null) out.push(...parsePidList(text));
  }
  return out;
}

export function parsePidList(text: string): number[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .map(Number)
    .filter((pid) => Number.isInteger(pid) && pid > 0);
}
