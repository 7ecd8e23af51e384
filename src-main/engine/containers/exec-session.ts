// An exec session: a new process in a running container (any container, with a terminal of
// its own or not) on a terminal of its own, kept by a session helper of the runtime
// (`strata-runtime exec --tty --detach`, double-forked like the shim) that serves it on an
// attach socket. The process outlives every client, as `docker exec -it`'s does when its
// client goes: closing a session detaches. Its exit code reaches the clients attached at the
// end (`X`) and is written to an exit file, read here when the connection missed it.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { StrataError } from '@shared/errors';
import { runRuntime, runtimeFailure } from '../runtime/runtime-binary';
import type { Store } from '../store/store';
import { containerDir } from './container-store';
import { type ExecOptions, prepareExec } from './exec-container';
import { runtimeRoot } from './runtime-root';
import { TerminalSession, checkSize } from './terminal-session';

export type ExecSessionOptions = Pick<ExecOptions, 'command' | 'env' | 'workdir' | 'user'>;

/** Starts `options.command` in container `ref` on a new terminal of rows × cols, and attaches to it. */
export async function startExecSession(store: Store, ref: string, options: ExecSessionOptions, size: { rows: number; cols: number }): Promise<TerminalSession> {
  checkSize(size.rows, size.cols);
  const { record, processFile } = await prepareExec(store, ref, options, size);
  const name = `exec-${randomBytes(4).toString('hex')}`;
  // The socket beside the container's runtime state (the runtime's delete removes exec-*.sock);
  // the exit file in the container's directory, which rm removes.
  const socketPath = path.join(runtimeRoot(store), record.id, `${name}.sock`);
  const exitFile = path.join(containerDir(store, record.id), `${name}.exit.json`);
  let reply;
  try {
    reply = await runRuntime(['exec', '--process', processFile, '--tty', '--detach', '--attach-socket', socketPath, '--exit-file', exitFile, record.id], { root: runtimeRoot(store) });
  } finally {
    await fs.promises.rm(processFile, { force: true });
  }
  if (reply.code !== 0) {
    // 127/126: the program is missing or not executable, the caller's mistake
    const failure = runtimeFailure(reply.stderr, reply.code);
    const code = reply.code === 127 || reply.code === 126 ? 'INVALID_ARGUMENT' : failure.code;
    throw new StrataError(code, `exec in ${record.name}: ${failure.message}`);
  }
  const started = JSON.parse(reply.stdout) as { pid: number; helperPid: number; attachSocket: string };
  let session: TerminalSession;
  try {
    session = await TerminalSession.connect(started.attachSocket, record.id, 'exec');
  } catch (error) {
    // It ended before we could attach (a command that exits at once): its output is gone
    // with its helper, but its exit file says how it ended.
    const exitCode = await takeExitCode(exitFile, 1000);
    if (exitCode === undefined) throw new StrataError('INTERNAL', `exec in ${record.name}: cannot attach to the session: ${(error as Error).message}`, { cause: error });
    return TerminalSession.finished(record.id, 'exec', { exitCode });
  }
  session.whenClosed(() => takeExitCode(exitFile, 1000));
  return session;
}

/**
 * The exit code the helper recorded, waiting up to `waitMs` for the file (the helper writes
 * it as its process is reaped, which may be just after its socket went); the file goes once
 * read (nobody else reads it). A session left while its process runs leaves none to wait for:
 * the wait is only for the moment the process ends, and a detached session does not wait.
 */
async function takeExitCode(exitFile: string, waitMs: number): Promise<number | undefined> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      const { exitCode } = JSON.parse(await fs.promises.readFile(exitFile, 'utf8')) as { exitCode?: unknown };
      await fs.promises.rm(exitFile, { force: true });
      return typeof exitCode === 'number' ? exitCode : undefined;
    } catch {
      if (Date.now() >= deadline) return undefined;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}
