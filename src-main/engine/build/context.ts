// The build context: the directory COPY and ADD read from. It is user data, and a
// Containerfile may come from someone else, so the rule is the layer store's: nothing
// outside the context directory is ever read. Sources are resolved component by component
// with lstat/readlink (never realpath, never a plain open through a symlink):
//  - a path that climbs out (`../x`, `/../x`) is refused;
//  - a symlink in the middle of a source path is followed only while it stays inside;
//    one that leads out is refused (or, met through a wildcard, skipped);
//  - a source that is itself a symlink is followed if it points inside (as Docker does),
//    and otherwise copied as the symlink it is;
//  - symlinks found inside a copied directory are copied as symlinks, never followed.
// A leading `/` means the context root, as in Docker (`COPY /src /app` reads <context>/src).
//
// That resolution is a check; the context may change after it (a build context being
// edited, a stage's files). So every read of content — the digest here, the copy in
// copy-step.ts — opens the entry again through the confined primitives (native/lib/confine.ts)
// against an fd of the root, by its symlink-free path with every symlink refused: a link
// swapped in since the check fails the read (ELOOP) instead of reading the host's files.
import { createHash } from 'node:crypto';
import { closeSync, constants, createReadStream, readFileSync, type Stats } from 'node:fs';
import { lstat, readFile, readdir, readlink, stat } from 'node:fs/promises';
import path from 'node:path';
import { StrataError } from '@shared/errors';
import { openInRootAsync, openRoot } from '../../../native/lib/index';
import { globRegExp, hasWildcards, literalOf } from './glob';
import { IGNORE_FILES, IgnoreMatcher } from './ignore';

export type SymlinkScope =
  /** A build context: absolute link targets are host paths, and leaving the root is refused. */
  | 'contained'
  /** An image root (COPY --from a stage): `/` means the root and `..` stops at it, as in a chroot. */
  | 'chroot';

export interface BuildContext {
  /** Absolute path of the root directory. */
  root: string;
  ignore: IgnoreMatcher;
  /** Which ignore file was read, if any. */
  ignoreFile?: string;
  symlinks: SymlinkScope;
}

export type EntryType = 'file' | 'directory' | 'symlink';

export interface SourceEntry {
  /** Path below the source (`sub/b.txt`); '' is the source itself. */
  rel: string;
  /** Where it is on disk (for messages; content is read through `root` and `real`). */
  absPath: string;
  /** The directory it was found in (the context or stage root), and its symlink-free path below it. */
  root: string;
  real: string;
  type: EntryType;
  /** Permission bits including setuid/setgid/sticky (mode & 0o7777). */
  mode: number;
  /** Bytes, for files; 0 otherwise. */
  size: number;
  /** For symlinks: the target, as stored. */
  linkTarget?: string;
}

export interface CopySource {
  /** The COPY argument this came from. */
  pattern: string;
  /** Path in the context as the pattern named it (`src/a.txt`); '' for the root. */
  path: string;
  /** What the copy creates at the destination: a file, a symlink, or a directory's contents. */
  type: EntryType;
  /**
   * Everything to copy: for a file or symlink one entry with rel ''; for a directory the
   * entry for itself (rel '') then its visible contents, parents before children, sorted.
   */
  entries: SourceEntry[];
}

export interface ResolvedSources {
  sources: CopySource[];
  /** sha256 over a canonical walk of all sources: the content part of a COPY cache key. */
  digest: string;
}

/** Opens a context directory and reads its ignore file (.containerignore before .dockerignore). */
export async function openBuildContext(dir: string): Promise<BuildContext> {
  const root = path.resolve(dir);
  let info: Stats;
  try {
    info = await stat(root);
  } catch {
    throw new StrataError('NOT_FOUND', `build context ${dir}: no such directory`);
  }
  if (!info.isDirectory()) throw new StrataError('INVALID_ARGUMENT', `build context ${dir}: not a directory`);
  for (const name of IGNORE_FILES) {
    let text: string;
    try {
      // lstat first: an ignore file that is a symlink could point anywhere on the host.
      if (!(await lstat(path.join(root, name))).isFile()) continue;
      text = await readFile(path.join(root, name), 'utf8');
    } catch {
      continue;
    }
    return { root, ignore: IgnoreMatcher.parse(text, name), ignoreFile: name, symlinks: 'contained' };
  }
  return { root, ignore: new IgnoreMatcher(), symlinks: 'contained' };
}

/** An image's root filesystem as a COPY --from source: no ignore file, chroot-style links. */
export function stageRoot(dir: string): BuildContext {
  return { root: path.resolve(dir), ignore: new IgnoreMatcher(), symlinks: 'chroot' };
}

/**
 * Expands COPY/ADD source arguments (`*`, `?`, `[...]` per path component) in the context,
 * refusing anything outside it, and digests what they select. Sources come back in
 * argument order, each pattern's matches sorted by path.
 */
export async function resolveCopySources(context: BuildContext | string, patterns: readonly string[]): Promise<ResolvedSources> {
  const ctx = typeof context === 'string' ? await openBuildContext(context) : context;
  const sources: CopySource[] = [];
  for (const pattern of patterns) sources.push(...(await resolvePattern(ctx, pattern)));
  return { sources, digest: await digestSources(sources) };
}

// ---------------------------------------------------------------------------------------

interface Located {
  /** Components as the pattern named them (for ignore rules and destination names). */
  logical: string[];
  /** Real components below the root, symlink-free. */
  real: string[];
}

const MAX_LINKS = 40; // as the kernel's ELOOP limit

async function resolvePattern(ctx: BuildContext, pattern: string): Promise<CopySource[]> {
  const components = cleanSource(pattern);
  const fail = (why: string, code: 'INVALID_ARGUMENT' | 'NOT_FOUND' = 'INVALID_ARGUMENT') =>
    new StrataError(code, `COPY source ${JSON.stringify(pattern)}: ${why}`);
  if (components === undefined) throw fail('is outside the build context');
  if (components.length === 0) return [await sourceAt(ctx, pattern, { logical: [], real: [] })];

  let candidates: Located[] = [{ logical: [], real: [] }];
  for (let i = 0; i < components.length; i++) {
    const component = components[i]!;
    const last = i === components.length - 1;
    const wild = hasWildcards(component);
    const next: Located[] = [];
    for (const candidate of candidates) {
      const names = wild ? await matchingNames(ctx, candidate.real, component) : [literalName(component, fail)];
      for (const name of names) {
        const logical = [...candidate.logical, name];
        if (last) {
          next.push({ logical, real: [...candidate.real, name] });
          continue;
        }
        // A middle component must lead to a directory inside the root.
        const real = await resolveComponents(ctx, candidate.real, [name]);
        if (real === 'outside') {
          if (wild) continue; // a wildcard happened to meet a link out: not what was asked for
          throw fail(`${logical.join('/')} is a symlink that leads outside the build context`);
        }
        if (real === 'missing' || !(await isDirectory(ctx, real))) continue;
        next.push({ logical, real });
      }
    }
    candidates = next;
  }

  candidates.sort((a, b) => compare(a.logical.join('/'), b.logical.join('/')));
  const out: CopySource[] = [];
  let hidden = false;
  for (const candidate of candidates) {
    if (!(await exists(ctx, candidate.real))) continue;
    const ignored = isHidden(ctx, candidate.logical, candidate.real);
    if (ignored && !ctx.ignore.mayReinclude(candidate.logical.join('/'))) {
      hidden = true;
      continue;
    }
    const source = await sourceAt(ctx, pattern, candidate);
    // An ignored directory still offers what an exception pattern re-included inside it.
    if (ignored && (source.type !== 'directory' || source.entries.length === 1)) {
      hidden = true;
      continue;
    }
    out.push(source);
  }
  if (out.length === 0) {
    if (hidden) throw fail(`is excluded by ${ctx.ignoreFile ?? 'the ignore file'}`, 'NOT_FOUND');
    throw fail(hasWildcards(pattern) ? 'no file in the build context matches' : 'not found in the build context', 'NOT_FOUND');
  }
  return out;
}

/**
 * `a//./b/` → [a, b]; `/x` → [x] (context root); `a/../b` → [b]; climbing above the root
 * (`..`, `a/../../b`) → undefined.
 */
function cleanSource(pattern: string): string[] | undefined {
  const out: string[] = [];
  for (const part of pattern.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.pop() === undefined) return undefined;
    } else {
      out.push(part);
    }
  }
  return out;
}

/** `a\*b` → `a*b`; an escaped dot-dot is still a climb and refused like one. */
function literalName(component: string, fail: (why: string) => StrataError): string {
  const name = literalOf(component);
  if (name === '.' || name === '..') throw fail('is outside the build context');
  return name;
}

async function matchingNames(ctx: BuildContext, dirReal: string[], component: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(onDisk(ctx, dirReal));
  } catch {
    return [];
  }
  const regex = globRegExp(component);
  return names.filter((name) => regex.test(name)).sort(compare);
}

/**
 * Walks `rest` below `base` (both relative to the root, `base` already symlink-free),
 * following symlinks by hand so the root is never left: the result is symlink-free.
 */
async function resolveComponents(ctx: BuildContext, base: readonly string[], rest: readonly string[]): Promise<string[] | 'outside' | 'missing'> {
  const done = [...base];
  const todo = [...rest];
  let links = 0;
  while (todo.length > 0) {
    const part = todo.shift()!;
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (done.pop() === undefined && ctx.symlinks === 'contained') return 'outside';
      continue;
    }
    let info: Stats;
    try {
      info = await lstat(onDisk(ctx, [...done, part]));
    } catch {
      return 'missing';
    }
    if (!info.isSymbolicLink()) {
      done.push(part);
      continue;
    }
    if (++links > MAX_LINKS) throw new StrataError('INVALID_ARGUMENT', `too many levels of symbolic links at ${[...done, part].join('/')}`);
    const target = await readlink(onDisk(ctx, [...done, part]));
    if (target.startsWith('/')) {
      if (ctx.symlinks === 'chroot') {
        done.length = 0;
        todo.unshift(...target.split('/'));
        continue;
      }
      // A host path: fine only if it names something under the root by that very path.
      const within = path.relative(ctx.root, path.resolve(target));
      if (within === '..' || within.startsWith('../') || path.isAbsolute(within)) return 'outside';
      done.length = 0;
      todo.unshift(...within.split('/'));
    } else {
      todo.unshift(...target.split('/'));
    }
  }
  return done;
}

async function sourceAt(ctx: BuildContext, pattern: string, located: Located): Promise<CopySource> {
  const sourcePath = located.logical.join('/');
  let real = located.real;
  let info = await lstat(onDisk(ctx, real));
  if (info.isSymbolicLink()) {
    // Follow a top-level link only while it stays inside; otherwise it is copied as a link.
    const resolved = await resolveComponents(ctx, real.slice(0, -1), real.slice(-1));
    if (resolved !== 'outside' && resolved !== 'missing') {
      real = resolved;
      info = await lstat(onDisk(ctx, real));
    }
  }
  const type = entryType(info);
  if (type === undefined) {
    throw new StrataError('INVALID_ARGUMENT', `COPY source ${JSON.stringify(pattern)}: ${sourcePath} is a ${kindOf(info)}, which can not be copied`);
  }
  const self = await entryOf(ctx, '', real, info, type);
  const entries = [self];
  if (type === 'directory') await walk(ctx, real, located.logical, [], entries);
  return { pattern, path: sourcePath, type, entries };
}

/** Appends a directory's visible contents (sorted, parents first) to `out`. */
async function walk(ctx: BuildContext, dirReal: string[], dirLogical: string[], rel: string[], out: SourceEntry[]): Promise<void> {
  const names = (await readdir(onDisk(ctx, dirReal))).sort(compare);
  // One directory's lstats at once: one by one, each waits a thread-pool round trip.
  const infos = await Promise.all(names.map((name) => lstat(onDisk(ctx, [...dirReal, name]))));
  for (const [i, name] of names.entries()) {
    const logicalPath = [...dirLogical, name].join('/');
    const realPath = [...dirReal, name];
    const info = infos[i]!;
    const type = entryType(info);
    if (type === undefined) continue; // sockets, fifos, devices: not content a build copies
    const excluded = isHidden(ctx, [...dirLogical, name], realPath);
    if (excluded && !(type === 'directory' && ctx.ignore.mayReinclude(logicalPath))) continue;
    const entry = await entryOf(ctx, [...rel, name].join('/'), realPath, info, type);
    if (type !== 'directory') {
      if (!excluded) out.push(entry);
      continue;
    }
    // An excluded directory appears only to hold what an exception re-included.
    const children: SourceEntry[] = [];
    await walk(ctx, realPath, [...dirLogical, name], [...rel, name], children);
    if (!excluded || children.length > 0) out.push(entry, ...children);
  }
}

async function entryOf(ctx: BuildContext, rel: string, real: readonly string[], info: Stats, type: EntryType): Promise<SourceEntry> {
  const absPath = onDisk(ctx, real);
  const entry: SourceEntry = { rel, absPath, root: ctx.root, real: real.join('/'), type, mode: info.mode & 0o7777, size: type === 'file' ? info.size : 0 };
  if (type === 'symlink') entry.linkTarget = await readlink(absPath);
  return entry;
}

function entryType(info: Stats): EntryType | undefined {
  if (info.isFile()) return 'file';
  if (info.isDirectory()) return 'directory';
  if (info.isSymbolicLink()) return 'symlink';
  return undefined;
}

function kindOf(info: Stats): string {
  if (info.isFIFO()) return 'named pipe';
  if (info.isSocket()) return 'socket';
  return 'device file';
}

function isHidden(ctx: BuildContext, logical: readonly string[], real: readonly string[]): boolean {
  // Checked on the path as named and as found: a symlink must not reach ignored files.
  return ctx.ignore.excludes(logical.join('/')) || ctx.ignore.excludes(real.join('/'));
}

async function exists(ctx: BuildContext, real: string[]): Promise<boolean> {
  try {
    await lstat(onDisk(ctx, real));
    return true;
  } catch {
    return false;
  }
}

async function isDirectory(ctx: BuildContext, real: string[]): Promise<boolean> {
  try {
    return (await lstat(onDisk(ctx, real))).isDirectory();
  } catch {
    return false;
  }
}

function onDisk(ctx: BuildContext, real: readonly string[]): string {
  return real.length === 0 ? ctx.root : path.join(ctx.root, ...real);
}

/** Byte-order comparison, so the walk (and its digest) does not depend on the locale. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

// ---------------------------------------------------------------------------------------

/**
 * The content digest: for each source in order, its path and type, then each entry's
 * relative path, type, mode, size and content (sha256 of a file, target of a symlink).
 * Owner and times are left out, so a checkout or `touch` does not invalidate the cache.
 */
export async function digestSources(sources: readonly CopySource[]): Promise<string> {
  const hash = createHash('sha256');
  hash.update('strata-copy-sources/v1\0');
  const roots = new Map<string, number>();
  try {
    for (const source of sources) {
      hash.update(`source\0${source.path}\0${source.type}\0`);
      for (const entry of source.entries) {
        hash.update(`${entry.type}\0${entry.rel}\0${entry.mode.toString(8)}\0${entry.size}\0`);
        if (entry.type === 'file') {
          let rootFd = roots.get(entry.root);
          if (rootFd === undefined) roots.set(entry.root, (rootFd = openRoot(entry.root)));
          hash.update(`${await fileDigest(rootFd, entry)}\0`);
        } else if (entry.type === 'symlink') {
          hash.update(`${entry.linkTarget ?? ''}\0`);
        }
      }
    }
  } finally {
    for (const fd of roots.values()) closeSync(fd);
  }
  return `sha256:${hash.digest('hex')}`;
}

/** Opens a source file for reading, inside its root, by its link-free path: a link there now is a racer's (ELOOP). */
export async function openSourceAsync(rootFd: number, entry: SourceEntry): Promise<number> {
  try {
    return await openInRootAsync(rootFd, entry.real, constants.O_RDONLY | constants.O_NOFOLLOW, { noSymlinks: true });
  } catch (error) {
    throw changedSource(entry, error);
  }
}

/** A source that is no longer what the resolution found (a link where a file was, gone, …). */
export function changedSource(entry: SourceEntry, error: unknown): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  if (code !== 'ELOOP' && code !== 'ENOENT' && code !== 'ENOTDIR' && code !== 'EXDEV') return error;
  return new StrataError('CONFLICT', `${entry.absPath} changed while the build was reading it (${code}); nothing outside ${entry.root} was read`, { cause: error });
}

/**
 * Files up to this size are read in one synchronous call: a context holds many small
 * sources, and a stream (or an async read) per file costs several times the hashing.
 */
const SMALL_FILE = 256 << 10;

async function fileDigest(rootFd: number, entry: SourceEntry): Promise<string> {
  const hash = createHash('sha256');
  const fd = await openSourceAsync(rootFd, entry);
  if (entry.size <= SMALL_FILE) {
    try {
      return hash.update(readFileSync(fd)).digest('hex');
    } finally {
      closeSync(fd);
    }
  }
  // The stream closes the fd when it ends or fails.
  for await (const chunk of createReadStream('', { fd, highWaterMark: SMALL_FILE })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
