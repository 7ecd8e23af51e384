// exec: a new process in a running container — its namespaces, its cgroup, its root — via
// `strata-runtime exec`. The process starts from the container's own (config.json's
// `process`: capabilities, no_new_privs, rlimits, env) with the caller's command, and
// `-e`, `-w`, `-u` on top, as `docker exec` does. The store lock is not held while it runs:
// an exec may last as long as the container.
import type { ExecResult } from '@shared/api/types/containers';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { StrataError } from '@shared/errors';
import { resolveUser } from '../runtime/image-user';
import type { OciConfig } from '../runtime/oci-config';
import { runtimeFailure, spawnRuntime } from '../runtime/runtime-binary';
import { checkTransition } from './transition';
import { readJsonFileAsync } from '../store/atomic';
import type { Store } from '../store/store';
import type { ContainerRecord } from './container';
import { containerDir, containerFile, findRecord } from './container-store';
import { observeState } from './observe-state';
import { parseEnv } from './options';
import { imageUserFiles } from './rootfs';
import { runtimeRoot } from './runtime-root';

export interface ExecOptions {
  command: string[];
  /** KEY=VALUE, on top of the container's environment. */
  env?: string[];
  workdir?: string;
  user?: string;
  /** Start it and return; its output is dropped (docker exec -d). */
  detach?: boolean;
}

/** Output kept per stream when collecting (the API's exec): a command, not a log. */
const MAX_OUTPUT_BYTES = 1 << 20;

/**
 * Starts the process with the runtime on `stdio`: 'inherit' for a terminal (the CLI), or
 * 'pipe' to collect the output. Resolves once it has exited (or, detached, started).
 */
export async function execContainer(store: Store, ref: string, options: ExecOptions, stdio: 'inherit' | 'pipe' = 'pipe'): Promise<ExecResult> {
  const { record, processFile } = await prepareExec(store, ref, options);
  try {
    const args = ['exec', '--process', processFile, ...(options.detach ? ['--detach'] : []), record.id];
    if (options.detach) return await execDetached(store, record, args, `${processFile}.err`);
    // attached, the runtime's stderr is the process's: its own errors stay plain text there
    return await collect(spawnRuntime(args, { root: runtimeRoot(store), stdio: ['ignore', stdio, stdio] }), stdio === 'pipe');
  } finally {
    await fs.promises.rm(processFile, { force: true });
  }
}

/**
 * A detached process keeps the runtime's stdio for its whole life, so it gets /dev/null
 * for output (docker exec -d drops it) and a file for stderr: the runtime's own error
 * goes there, and nothing waits on a pipe the process holds.
 */
async function execDetached(store: Store, record: ContainerRecord, args: string[], errFile: string): Promise<ExecResult> {
  const errHandle = await fs.promises.open(errFile, 'w+', 0o600);
  try {
    const child = spawnRuntime(args, { root: runtimeRoot(store), jsonErrors: true, stdio: ['ignore', 'ignore', errHandle.fd] });
    const exitCode = await new Promise<number>((resolve, reject) => {
      child.on('error', reject);
      child.on('exit', (code, signal) => resolve(code ?? 128 + (signal ? os.constants.signals[signal] : 0)));
    });
    if (exitCode !== 0) {
      // 127/126: the program is missing or not executable, the caller's mistake
      const failure = runtimeFailure(await fs.promises.readFile(errFile, 'utf8'), exitCode);
      const code = exitCode === 127 || exitCode === 126 ? 'INVALID_ARGUMENT' : failure.code;
      throw new StrataError(code, `exec in ${record.name}: ${failure.message}`);
    }
    return { exitCode: 0 };
  } finally {
    await errHandle.close();
    await fs.promises.rm(errFile, { force: true });
  }
}

/**
 * Checks the container runs and writes the process description next to its bundle; with
 * `terminal`, the process gets a terminal of that size (an exec session, exec-session.ts).
 */
export async function prepareExec(store: Store, ref: string, options: ExecOptions, terminal?: { rows: number; cols: number }): Promise<{ record: ContainerRecord; processFile: string }> {
  if (options.command.length === 0 || options.command[0] === '') throw new StrataError('INVALID_ARGUMENT', 'exec needs a command');
  if (options.workdir !== undefined && !path.posix.isAbsolute(options.workdir)) throw new StrataError('INVALID_ARGUMENT', `-w ${options.workdir}: the working directory must be an absolute path`);
  const record = await findRecord(store, ref);
  const state = await observeState(store, record);
  checkTransition('exec', { ...record, state });
  const spec = await readJsonFileAsync<OciConfig>(containerFile(store, record.id, 'config'));
  const execProcess = { ...spec.process, args: options.command, terminal: terminal !== undefined, consoleSize: terminal && { height: terminal.rows, width: terminal.cols } };
  if (options.env?.length) execProcess.env = mergeEnv(execProcess.env ?? [], parseEnv(options.env));
  if (options.workdir !== undefined) execProcess.cwd = options.workdir;
  if (options.user !== undefined) {
    const user = resolveUser(options.user, await imageUserFiles(store, record.layers));
    execProcess.user = { uid: user.uid, gid: user.gid, ...(user.additionalGids.length ? { additionalGids: user.additionalGids } : {}) };
  }
  const processFile = path.join(containerDir(store, record.id), `exec-${randomBytes(6).toString('hex')}.json`);
  await fs.promises.writeFile(processFile, JSON.stringify(execProcess), { mode: 0o600 });
  return { record, processFile };
}

function mergeEnv(base: string[], extra: string[]): string[] {
  const env = new Map(base.map((entry) => [entry.slice(0, entry.indexOf('=')), entry] as const));
  for (const entry of extra) env.set(entry.slice(0, entry.indexOf('=')), entry);
  return [...env.values()];
}

function collect(child: ChildProcess, capture: boolean): Promise<ExecResult> {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const keep = (into: Buffer[]) => (chunk: Buffer) => {
    if (into.reduce((sum, b) => sum + b.length, 0) < MAX_OUTPUT_BYTES) into.push(chunk);
  };
  child.stdout?.on('data', keep(out));
  child.stderr?.on('data', keep(err));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const exitCode = code ?? 128 + (signal ? os.constants.signals[signal] : 0);
      resolve(capture ? { exitCode, stdout: text(out), stderr: text(err) } : { exitCode });
    });
  });
}

function text(chunks: Buffer[]): string {
  return Buffer.concat(chunks).subarray(0, MAX_OUTPUT_BYTES).toString('utf8');
}

/** Wire types, declared once in src-shared. */
export type { ExecResult };
