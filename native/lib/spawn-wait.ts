// A program run to its end, its output collected, started with posix_spawn instead of Node's
// fork (native/src/spawnwait.h says why: a fork copies the whole engine's page tables on
// the event loop). For short programs whose output is read at the end — the runtime's verbs;
// anything interactive or long-lived keeps child_process.
import os from 'node:os';

import { fromAddon } from './errors';
import { native } from './load';

export interface SpawnWaitOptions {
  /** The whole environment of the program; default: this process's. */
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export interface SpawnWaitResult {
  /** The exit status, or null when a signal ended it. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: Buffer;
}

function signalName(signal: number): NodeJS.Signals {
  const found = Object.entries(os.constants.signals).find(([, number]) => number === signal);
  return (found?.[0] ?? `SIG${signal}`) as NodeJS.Signals;
}

/**
 * Runs `file` with `args` (argv[0] is `file`, as child_process gives it), stdin on /dev/null,
 * until it ends and its stdout and stderr are closed. A program that cannot be started
 * rejects with the spawn's SystemError (`code` ENOENT, EACCES, …; `path` the file).
 */
export async function spawnWait(file: string, args: readonly string[], options: SpawnWaitOptions = {}): Promise<SpawnWaitResult> {
  const env = Object.entries(options.env ?? process.env).flatMap(([name, value]) => (value === undefined ? [] : [`${name}=${value}`]));
  let settled;
  try {
    settled = await native().spawnWait(file, [file, ...args], env, options.cwd ?? null);
  } catch (error) {
    throw fromAddon(error, file);
  }
  return { code: settled.code, signal: settled.signal === null ? null : signalName(settled.signal), stdout: settled.stdout, stderr: settled.stderr };
}
