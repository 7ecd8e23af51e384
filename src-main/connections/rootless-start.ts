// The rootless engine, started on demand: a front end (the CLI, `strata serve`, the window)
// on the `rootless` connection that finds nothing answering on the user's socket starts
// `strata system service --rootless` through `strata-runtime rootless-exec` — which
// joins (or makes) the user's user and mount namespaces and execs the service there —
// detached, in a session of its own, its output appended to service.log in the runtime
// directory (kept small: service-log.ts). Then it waits, bounded, for the socket to answer. If the launcher or the
// service ends first, that is the error: the runtime's own (its JSON line: no subuid range,
// no newuidmap, user namespaces disabled — each says what to do), or the end of the log.
// Two front ends starting at once is harmless: the second service finds the first's socket
// live and exits, and both front ends see the socket answer.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../api/package-info';
import { RUNTIME_DIR_ENV, type RootlessPaths, rootlessPaths } from '../engine/rootless/rootless-paths';
import { runtimeBinaryPath, runtimeFailure } from '../engine/runtime/runtime-binary';
import { socketAnswers } from '../server/socket-file';
import { StrataError } from '@shared/errors';
import { rotateServiceLog } from './service-log';

/** How long a front end waits for a new engine's socket (its first start reads the store). */
const START_TIMEOUT_MS = 30_000;
const POLL_MS = 100;

export interface StartOptions {
  paths?: RootlessPaths;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

/** The service's environment: the paths it must use (inside, it is uid 0), no connection of the caller's. */
function serviceEnv(env: NodeJS.ProcessEnv, paths: RootlessPaths): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...env, STRATA_ROOT: paths.store, [RUNTIME_DIR_ENV]: paths.runtimeDir };
  delete out.STRATA_HOST;
  delete out.STRATA_CONNECTION;
  // The window's main process is Electron: run its binary as plain Node for the service.
  if (process.versions.electron) out.ELECTRON_RUN_AS_NODE = '1';
  return out;
}

/** Why the engine did not come up, from what it wrote to the log since `offset`. */
function startFailure(paths: RootlessPaths, offset: number, exit: string): StrataError {
  let text = '';
  try {
    const fd = fs.openSync(paths.log, 'r');
    try {
      const size = fs.fstatSync(fd).size;
      const buffer = Buffer.alloc(Math.min(64 * 1024, Math.max(0, size - offset)));
      fs.readSync(fd, buffer, 0, buffer.length, Math.max(offset, size - buffer.length));
      text = buffer.toString('utf8').trim();
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    // no log: the message names where it should have been
  }
  const lines = text.split('\n');
  // The launcher's refusal is one JSON line with a stable code (strata-runtime --log-format json).
  const launcher = lines.find((line) => line.startsWith('{"level":"error"'));
  if (launcher) {
    const failure = runtimeFailure(launcher, 125);
    return new StrataError(failure.code, `the rootless engine cannot start: ${failure.message.replace(/^rootless-exec: /, '')}`);
  }
  const tail = lines.slice(-5).join('\n');
  return new StrataError('UNAVAILABLE', `the rootless engine ${exit} before it listened on ${paths.socket}; its log is ${paths.log}${tail ? `:\n${tail}` : ''}`);
}

/** Starts the user's rootless engine unless its socket answers already; resolves once it does. */
export async function startRootlessEngine(options: StartOptions = {}): Promise<void> {
  const env = options.env ?? process.env;
  const paths = options.paths ?? rootlessPaths(env);
  if (await socketAnswers(paths.socket)) return;
  // Root has the system engine; refused here before anything is made in a runtime dir.
  if (process.getuid?.() === 0) throw new StrataError('INVALID_ARGUMENT', 'the rootless engine is for normal users: root uses the local or the system engine');
  const root = packageRoot();
  if (!root) throw new StrataError('INTERNAL', 'cannot find where Strata is installed (its package.json)');
  fs.mkdirSync(paths.runtimeDir, { recursive: true, mode: 0o700 });
  rotateServiceLog(paths.log);
  const log = fs.openSync(paths.log, 'a', 0o600);
  const offset = fs.fstatSync(log).size;
  fs.writeSync(log, `--- ${new Date().toISOString()} started by pid ${process.pid}\n`);
  const args = ['--log-format', 'json', 'rootless-exec', '--state-dir', paths.runtimeDir, '--', process.execPath, path.join(root, 'bin', 'strata.js'), 'system', 'service', '--rootless'];
  const child = spawn(runtimeBinaryPath(), args, { detached: true, stdio: ['ignore', log, log], env: serviceEnv(env, paths), cwd: '/' });
  fs.closeSync(log);
  let exit: string | undefined;
  child.once('exit', (code, signal) => (exit = signal ? `was killed (${signal})` : `exited with status ${code}`));
  child.once('error', (error) => (exit = `could not be run (${error.message})`));
  try {
    const deadline = Date.now() + (options.timeoutMs ?? START_TIMEOUT_MS);
    for (;;) {
      if (await socketAnswers(paths.socket)) return;
      // Gone without a socket: its error, unless another front end's engine answers meanwhile.
      if (exit !== undefined) {
        if (await socketAnswers(paths.socket)) return;
        throw startFailure(paths, offset, exit);
      }
      if (Date.now() > deadline) {
        throw new StrataError('UNAVAILABLE', `the rootless engine did not listen on ${paths.socket} within ${Math.round((options.timeoutMs ?? START_TIMEOUT_MS) / 1000)} s; its log is ${paths.log}`);
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  } finally {
    child.unref();
  }
}
