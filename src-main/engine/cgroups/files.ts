// Reading and writing cgroup interface files. Everything is asynchronous (the stats
// sampler runs on the Electron main thread), and every kernel refusal becomes a
// StrataError that names the file, the value and the errno — the errno is the only
// explanation the kernel gives, so it travels up as the cause.
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

const REFUSALS: Record<string, string> = {
  EINVAL: 'the value is out of range or malformed for this file',
  EBUSY: 'the cgroup is busy: a limit below current usage, or a change its children or processes prevent',
  ERANGE: 'the value is out of range',
  ENOSPC: 'no CPUs or memory nodes to run on (cpuset empty?)',
  EOPNOTSUPP: 'the kernel does not support this operation here',
};

/**
 * Writes `value` to an existing interface file in one write(2), the way the kernel parses
 * it. Opened O_WRONLY|O_TRUNC without O_CREAT: a file the kernel does not provide is
 * UNSUPPORTED instead of silently created (and O_RDWR would fail on write-only files such
 * as cgroup.kill).
 */
export async function writeValue(file: string, value: string | number): Promise<void> {
  const text = String(value);
  let handle: fs.promises.FileHandle | undefined;
  try {
    handle = await fs.promises.open(file, fs.constants.O_WRONLY | fs.constants.O_TRUNC);
    await handle.write(text);
  } catch (error) {
    throw writeError(file, text, error);
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

export function writeError(file: string, value: string, error: unknown): StrataError {
  const code = errnoOf(error) ?? 'unknown error';
  const name = path.basename(file);
  const where = path.dirname(file);
  const shown = JSON.stringify(value.trim());
  if (code === 'ENOENT') {
    return new StrataError('UNSUPPORTED', `cannot set ${name} to ${shown}: ${name} does not exist in ${where} (controller not enabled, or this kernel lacks it)`, { cause: error });
  }
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
    return new StrataError('UNSUPPORTED', `cannot set ${name} to ${shown} in ${where}: not permitted (${code}; cgroup limits need root or a delegated cgroup)`, { cause: error });
  }
  if (code === 'ESRCH' && name === 'cgroup.procs') {
    return new StrataError('NOT_FOUND', `cannot move process ${shown} into ${where}: no such process`, { cause: error });
  }
  const why = name.startsWith('memory.') && code === 'EBUSY' ? 'the limit is below what the cgroup already uses and the kernel could not reclaim enough' : REFUSALS[code];
  if (why !== undefined) {
    return new StrataError('INVALID_ARGUMENT', `the kernel refused ${shown} for ${name} in ${where} (${code}: ${why})`, { cause: error });
  }
  return new StrataError('INTERNAL', `writing ${shown} to ${file}: ${code} ${(error as Error).message}`, { cause: error });
}

export async function isDirectory(dir: string): Promise<boolean> {
  try {
    return (await fs.promises.stat(dir)).isDirectory();
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return false;
    throw error;
  }
}

/** Whether a file exists, without opening it (cgroup.kill is write-only). */
export async function fileExists(file: string): Promise<boolean> {
  try {
    await fs.promises.stat(file);
    return true;
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return false;
    throw error;
  }
}

/** mkdir that accepts an existing directory. */
export async function mkdirOnce(dir: string): Promise<void> {
  try {
    await fs.promises.mkdir(dir);
  } catch (error) {
    if (errnoOf(error) === 'EEXIST') return;
    const code = errnoOf(error);
    const kind = code === 'EACCES' || code === 'EPERM' || code === 'EROFS' ? 'UNSUPPORTED' : 'INTERNAL';
    throw new StrataError(kind, `creating cgroup ${dir}: ${code ?? ''} ${(error as Error).message}`, { cause: error });
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

/** `dir` and every directory below it, deepest first (the order rmdir needs). */
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

/**
 * rmdir each directory (deepest first). EBUSY means processes are still exiting: retry
 * until `timeoutMs`, then CONFLICT. A directory already gone is fine.
 */
export async function removeTree(dirs: string[], timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let delay = 2;
  for (const dir of dirs) {
    for (;;) {
      try {
        await fs.promises.rmdir(dir);
        break;
      } catch (error) {
        const code = errnoOf(error);
        if (code === 'ENOENT') break;
        if (code !== 'EBUSY' && code !== 'ENOTEMPTY') {
          throw new StrataError('INTERNAL', `removing cgroup ${dir}: ${code ?? ''} ${(error as Error).message}`, { cause: error });
        }
        if (Date.now() >= deadline) {
          const left = await procsRecursive(dir).catch(() => []);
          throw new StrataError('CONFLICT', `cannot remove cgroup ${what}: ${dir} is still in use${left.length > 0 ? ` by pids ${left.join(' ')}` : ''}`, { cause: error });
        }
        await sleep(delay);
        delay = Math.min(delay * 2, 50);
      }
    }
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` (1 ms, then backing off to 20 ms) until true or `timeoutMs`; resolves to the last result. */
export async function pollUntil(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let delay = 1;
  for (;;) {
    if (await check()) return true;
    if (Date.now() >= deadline) return false;
    await sleep(delay);
    delay = Math.min(delay * 2, 20);
  }
}

/** process.kill that treats an already-gone process as done. */
export function signalProcess(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch (error) {
    if (errnoOf(error) === 'ESRCH') return false;
    throw new StrataError('INTERNAL', `sending ${signal} to ${pid}: ${errnoOf(error) ?? ''} ${(error as Error).message}`, { cause: error });
  }
}
