// One file-system algorithm, run two ways. Code that the engine needs both at opening or in
// a job (synchronous, under the loop budget) and on the API's paths (never blocking the
// event loop) is written once, as a generator that yields the file calls it wants made
// (`yield* fsCall('lstat', file)`) and gets each result back; `runSync` answers with the
// *Sync calls, `runAsync` with fs.promises and the addon's threadpool calls. The decisions
// in between — how a path resolves in an image, what a sweep keeps — then cannot drift
// apart between the two forms. A failed call is thrown into the generator at the `yield`,
// so its try/catch sees the same errors (same `code`) either way.
import fs from 'node:fs';
import { promisify } from 'node:util';
import { lgetxattr, lgetxattrAsync } from '../../../native/lib/index';
import { pathExists } from './exists';

/** The calls a step may ask for, in their synchronous form. */
interface FsCalls {
  lstat(file: string): fs.Stats;
  lstatBig(file: string): fs.BigIntStats;
  stat(file: string): fs.Stats;
  readdir(dir: string): string[];
  readFile(file: string): Buffer;
  readText(file: string): string;
  readlink(file: string): string;
  lgetxattr(file: string, name: string): Buffer | null;
  exists(file: string): boolean;
  /** access(2): throws (EACCES, ENOENT…) unless `mode` is allowed. */
  access(file: string, mode: number): void;
  rename(from: string, to: string): void;
  rm(file: string, options?: fs.RmOptions): void;
  writeFile(file: string, data: string | Buffer, options?: fs.WriteFileOptions): void;
  mkdir(dir: string, options?: fs.MakeDirectoryOptions): void;
  /** A plain fd (not a FileHandle): for a child's stdio, or a mount's option. */
  open(file: string, flags: string, mode?: number): number;
  close(fd: number): void;
}

type CallName = keyof FsCalls;
type Args<K extends CallName> = Parameters<FsCalls[K]>;
type Result<K extends CallName> = ReturnType<FsCalls[K]>;

/** One requested call. */
export interface FsCall {
  name: CallName;
  args: unknown[];
}

/** An algorithm over the file system: yields calls, returns T. */
export type FsSteps<T> = Generator<FsCall, T, unknown>;

/** Asks the runner for one call: `const stat = yield* fsCall('lstat', file)`. */
export function* fsCall<K extends CallName>(name: K, ...args: Args<K>): Generator<FsCall, Result<K>, unknown> {
  return (yield { name, args }) as Result<K>;
}

const SYNC: FsCalls = {
  lstat: (file) => fs.lstatSync(file),
  lstatBig: (file) => fs.lstatSync(file, { bigint: true }),
  stat: (file) => fs.statSync(file),
  readdir: (dir) => fs.readdirSync(dir),
  readFile: (file) => fs.readFileSync(file),
  readText: (file) => fs.readFileSync(file, 'utf8'),
  readlink: (file) => fs.readlinkSync(file),
  lgetxattr: (file, name) => lgetxattr(file, name),
  exists: (file) => fs.existsSync(file),
  access: (file, mode) => fs.accessSync(file, mode),
  rename: (from, to) => fs.renameSync(from, to),
  rm: (file, options) => fs.rmSync(file, options),
  writeFile: (file, data, options) => fs.writeFileSync(file, data, options),
  mkdir: (dir, options) => void fs.mkdirSync(dir, options),
  open: (file, flags, mode) => fs.openSync(file, flags, mode),
  close: (fd) => fs.closeSync(fd),
};

const ASYNC: { [K in CallName]: (...args: Args<K>) => Promise<Result<K>> } = {
  lstat: (file) => fs.promises.lstat(file),
  lstatBig: (file) => fs.promises.lstat(file, { bigint: true }),
  stat: (file) => fs.promises.stat(file),
  readdir: (dir) => fs.promises.readdir(dir),
  readFile: (file) => fs.promises.readFile(file),
  readText: (file) => fs.promises.readFile(file, 'utf8'),
  readlink: (file) => fs.promises.readlink(file),
  lgetxattr: (file, name) => lgetxattrAsync(file, name),
  exists: (file) => pathExists(file),
  access: (file, mode) => fs.promises.access(file, mode),
  rename: (from, to) => fs.promises.rename(from, to),
  rm: (file, options) => fs.promises.rm(file, options),
  writeFile: (file, data, options) => fs.promises.writeFile(file, data, options),
  mkdir: async (dir, options) => void (await fs.promises.mkdir(dir, options)),
  open: (file, flags, mode) => promisify(fs.open)(file, flags, mode),
  close: (fd) => promisify(fs.close)(fd),
};

function invoke(table: FsCalls | typeof ASYNC, call: FsCall): unknown {
  return (table[call.name] as (...args: unknown[]) => unknown)(...call.args);
}

/** Runs `steps` with synchronous calls: for opening and jobs. */
export function runSync<T>(steps: FsSteps<T>): T {
  let next = steps.next();
  while (!next.done) {
    let result: unknown;
    try {
      result = invoke(SYNC, next.value);
    } catch (error) {
      next = steps.throw(error);
      continue;
    }
    next = steps.next(result);
  }
  return next.value;
}

/** Runs `steps` with every call off the event loop: for the API's methods and timers. */
export async function runAsync<T>(steps: FsSteps<T>): Promise<T> {
  let next = steps.next();
  while (!next.done) {
    let result: unknown;
    try {
      result = await invoke(ASYNC, next.value);
    } catch (error) {
      next = steps.throw(error);
      continue;
    }
    next = steps.next(result);
  }
  return next.value;
}
