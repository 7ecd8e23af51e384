// Runs the strata-runtime executable (native/src/runtime): the OCI runtime that turns a
// bundle into a container. Node never forks itself; every namespace and mount happens
// in that separate, single-threaded process.
import type { LogLine } from '@shared/api/types/containers';
import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { findPackageRoot } from '../../../native/lib/load';
import { spawnWait } from '../../../native/lib/spawn-wait';
import { ERROR_CODES, type ErrorCode } from '@shared/errors';
import { tmpPath } from '../store/atomic';
import { defaultStoreRoot } from '../store/paths';

const BINARY_PATH = 'native/build/Release/strata-runtime';

/**
 * What the runtime keeps in its --root besides each container's state directory: the
 * seccomp programs it compiled (a name no container id can have).
 */
export const RUNTIME_SECCOMP_CACHE = '+seccomp';

/** The containers whose state a runtime root holds: its entries but the seccomp cache. */
export function runtimeStateIds(entries: readonly string[]): string[] {
  return entries.filter((name) => name !== RUNTIME_SECCOMP_CACHE);
}

/** Found once per process (the package does not move while the engine runs, and the search reads package.json files). */
let found: string | undefined;

/**
 * The runtime to run: where it is built, from the package root above this module — or,
 * inside an AppImage, a stable copy of it (see stableRuntimeCopy).
 */
export function runtimeBinaryPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env === process.env && found !== undefined) return found;
  // Packaged, the code runs from app.asar but executables live beside it, unpacked.
  const root = findPackageRoot(path.dirname(fileURLToPath(import.meta.url))).replace(/([/\\])app\.asar$/, '$1app.asar.unpacked');
  const file = path.join(root, BINARY_PATH);
  if (!fs.existsSync(file)) {
    throw new Error(`strata-runtime is not built (${file} is missing): run \`npm run build:native\``);
  }
  const chosen = insideAppImage(file, env) ? stableRuntimeCopy(file, path.join(defaultStoreRoot(env), 'bin')) : file;
  if (env === process.env) found = chosen;
  return chosen;
}

/**
 * Whether `file` lies in a mounted AppImage: the AppImage runtime sets APPIMAGE (the image
 * file) and APPDIR (its mount, /tmp/.mount_*) for the app it starts.
 */
function insideAppImage(file: string, env: NodeJS.ProcessEnv): boolean {
  const mount = env.APPDIR;
  if (!env.APPIMAGE || !mount) return false;
  const relative = path.relative(path.resolve(mount), file);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
}

/** Copies already checked in this process: source path → the copy's path. */
const stableCopies = new Map<string, string>();

/**
 * A copy of the runtime outside the AppImage, in `dir`, named by its content hash. Shims
 * are the runtime itself and must outlive the app (containers outlive the app), but an
 * AppImage's mount is unmounted when the app quits, which would pull the executable from
 * under every shim. The copy is made once per version (its name carries the hash, so two
 * versions never overwrite each other's running executable) and checked by hash before use.
 */
export function stableRuntimeCopy(source: string, dir: string): string {
  const known = stableCopies.get(source);
  if (known) return known;
  const bytes = fs.readFileSync(source);
  const hash = createHash('sha256').update(bytes).digest('hex');
  const target = path.join(dir, `strata-runtime-${hash.slice(0, 16)}`);
  const intact = (() => {
    try {
      return createHash('sha256').update(fs.readFileSync(target)).digest('hex') === hash && (fs.statSync(target).mode & 0o111) !== 0;
    } catch {
      return false;
    }
  })();
  if (!intact) {
    fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
    // Staged beside the target and renamed over it: a running shim keeps its old inode, and
    // no reader ever sees half a binary.
    const staged = tmpPath(dir, '.strata-runtime');
    try {
      fs.writeFileSync(staged, bytes, { flag: 'wx', mode: 0o755 });
      fs.renameSync(staged, target);
    } catch (error) {
      fs.rmSync(staged, { force: true });
      throw error;
    }
  }
  stableCopies.set(source, target);
  return target;
}

export interface RuntimeResult {
  /** Exit status; 128 + n when a signal n ended the runtime itself. */
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunRuntimeOptions {
  /** State directory (`--root`); the runtime's default is /run/strata. */
  readonly root?: string;
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Another binary, e.g. a sanitizer build. */
  readonly binary?: string;
  /** Failures as one JSON line with a code (`runtimeFailure`); runRuntime's default. */
  readonly jsonErrors?: boolean;
}

/**
 * Starts `strata-runtime [--root R] [--log-format json] ...args` with the caller's stdio:
 * the one place the engine spawns the runtime. `jsonErrors` makes the runtime report a
 * failure as one JSON line with a stable code (read it with `runtimeFailure`); leave it
 * off where the runtime's stderr is the user's terminal or a container's output.
 */
export function spawnRuntime(args: readonly string[], options: RunRuntimeOptions & { stdio: SpawnOptions['stdio'] }): ChildProcess {
  const argv = [...(options.root ? ['--root', options.root] : []), ...(options.jsonErrors ? ['--log-format', 'json'] : []), ...args];
  return spawn(options.binary ?? runtimeBinaryPath(), argv, { cwd: options.cwd, env: options.env ?? process.env, stdio: options.stdio });
}

/**
 * Runs a runtime verb to completion with JSON errors. stdin is closed; stdout and
 * stderr are collected. Use only for verbs that do not leave a process holding the
 * pipes (`create` leaves the container on the runtime's stdio: give it `shim`, or
 * call `create` with your own stdio).
 */
export async function runRuntime(args: readonly string[], options: RunRuntimeOptions = {}): Promise<RuntimeResult> {
  // posix_spawn, not child_process: a verb runs at every start, stop and removal, and Node's
  // fork of the engine would block the event loop for longer than the verb itself runs.
  const argv = [...(options.root ? ['--root', options.root] : []), ...(options.jsonErrors !== false ? ['--log-format', 'json'] : []), ...args];
  const result = await spawnWait(options.binary ?? runtimeBinaryPath(), argv, { env: options.env, cwd: options.cwd });
  return {
    code: result.code ?? 128 + (result.signal ? os.constants.signals[result.signal] : 0),
    stdout: result.stdout.toString('utf8'),
    stderr: result.stderr.toString('utf8'),
  };
}

export interface RuntimeFailure {
  /** The kind of failure, as the runtime classed it: CONFLICT (wrong state), NOT_FOUND, … */
  readonly code: ErrorCode;
  readonly message: string;
}

/**
 * What a failed runtime said: its JSON error line (`--log-format json`) carries the
 * code; anything else (a crash, a text line) is INTERNAL with the last line as message.
 */
export function runtimeFailure(stderr: string, exitCode: number): RuntimeFailure {
  const last = stderr.trim().split('\n').pop() ?? '';
  try {
    const line = JSON.parse(last) as { code?: unknown; msg?: unknown };
    if (typeof line.msg === 'string') {
      const code = ERROR_CODES.find((known) => known === line.code) ?? 'INTERNAL';
      return { code, message: line.msg };
    }
  } catch {
    // not a JSON line: the runtime died before it could report, or wrote text
  }
  return { code: 'INTERNAL', message: last || `exit status ${exitCode}` };
}

/** The OCI state `strata-runtime state` prints. */
export interface RuntimeState {
  readonly ociVersion: string;
  readonly id: string;
  readonly status: 'creating' | 'created' | 'running' | 'stopped';
  readonly pid?: number;
  readonly bundle: string;
  readonly annotations: Record<string, string>;
  readonly created?: string;
}

/** What the shim records when the container's init exits. */
export interface ShimExit {
  readonly exitCode: number;
  readonly signal: number | null;
  readonly oomKilled: boolean;
  /** The cgroup's memory high-water mark in bytes (absent when the kernel keeps none). */
  readonly memoryPeak?: number;
  readonly finishedAt: string;
}

/** Wire types, declared once in src-shared. */
export type { LogLine };
