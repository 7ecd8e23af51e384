// Runs the strata-runtime executable (native/src/runtime): the OCI runtime that turns a
// bundle into a container. Node never forks itself; every namespace and mount happens
// in that separate, single-threaded process.
import type { LogLine } from '@shared/api/types/containers';
import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { findPackageRoot } from '../../../native/lib/load';
import { ERROR_CODES, type ErrorCode } from '@shared/errors';

const BINARY_PATH = 'native/build/Release/strata-runtime';

/** Found once: the package does not move while the engine runs (and the search reads package.json files). */
let found: string | undefined;

/** Where the runtime is built, from the package root above this module. */
export function runtimeBinaryPath(): string {
  if (found !== undefined) return found;
  // Packaged, the code runs from app.asar but executables live beside it, unpacked.
  const root = findPackageRoot(path.dirname(fileURLToPath(import.meta.url))).replace(/([/\\])app\.asar$/, '$1app.asar.unpacked');
  const file = path.join(root, BINARY_PATH);
  if (!fs.existsSync(file)) {
    throw new Error(`strata-runtime is not built (${file} is missing): run \`npm run build:native\``);
  }
  found = file;
  return file;
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
export function runRuntime(args: readonly string[], options: RunRuntimeOptions = {}): Promise<RuntimeResult> {
  return new Promise((resolve, reject) => {
    const child = spawnRuntime(args, { jsonErrors: true, ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on('data', (b: Buffer) => out.push(b));
    child.stderr!.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      resolve({
        code: code ?? 128 + (signal ? os.constants.signals[signal] : 0),
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      });
    });
  });
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
  readonly finishedAt: string;
}

/** Wire types, declared once in src-shared. */
export type { LogLine };
