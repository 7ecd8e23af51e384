// Runs the strata-runtime executable (native/src/runtime): the OCI runtime that turns a
// bundle into a container. Node never forks itself; every namespace and mount happens
// in that separate, single-threaded process.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { findPackageRoot } from '../../../native/lib/load';

const BINARY_PATH = 'native/build/Release/strata-runtime';

/** Where the runtime is built, from the package root above this module. */
export function runtimeBinaryPath(): string {
  // Packaged, the code runs from app.asar but executables live beside it, unpacked.
  const root = findPackageRoot(path.dirname(fileURLToPath(import.meta.url))).replace(/([/\\])app\.asar$/, '$1app.asar.unpacked');
  const file = path.join(root, BINARY_PATH);
  if (!fs.existsSync(file)) {
    throw new Error(`strata-runtime is not built (${file} is missing): run \`npm run build:native\``);
  }
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
}

/**
 * Runs `strata-runtime [--root R] ...args` to completion. stdin is closed; stdout and
 * stderr are collected. Use only for verbs that do not leave a process holding the
 * pipes (`create` leaves the container on the runtime's stdio: give it `shim`, or
 * call `create` with your own stdio).
 */
export function runRuntime(args: readonly string[], options: RunRuntimeOptions = {}): Promise<RuntimeResult> {
  const argv = options.root ? ['--root', options.root, ...args] : [...args];
  return new Promise((resolve, reject) => {
    const child = spawn(options.binary ?? runtimeBinaryPath(), argv, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
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

/** One line of a container log written by the shim. */
export interface LogLine {
  readonly time: string;
  readonly stream: 'stdout' | 'stderr';
  readonly log: string;
}
