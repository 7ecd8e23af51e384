// An exec session: a new process in a running container (any container, with a terminal of
// its own or not) on a terminal of its own — or, `tty: false`, on stdio pipes (`exec -i`
// alone) — kept by a session helper of the runtime (`strata-runtime exec --tty|--stdin
// --detach`, double-forked like the shim) that serves it on an attach socket. The process outlives every client, as `docker exec -it`'s does when its
// client goes: closing a session detaches. Its exit code reaches the clients attached at the
// end (`X`) and is written to an exit file, read here when the connection missed it.
//
// A session is found again by its id (`exec-<8 hex>`): its socket beside the container's
// runtime state (<runtime root>/<id>/exec-….sock, gone when the process has exited, and
// with the container's runtime state), and a small file in the container's directory that
// says what it runs (exec-….session.json). A client that left — a closed tab, a reloaded or
// reopened window, an engine restarted — lists the live ones and attaches again.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { ExecSessionInfo } from '@shared/api/types/containers';
import { StrataError } from '@shared/errors';
import { runRuntime, runtimeFailure } from '../runtime/runtime-binary';
import type { Store } from '../store/store';
import type { ContainerRecord } from './container';
import { containerDir, findRecord } from './container-store';
import { defaultShell } from './default-shell';
import { type ExecOptions, prepareExec } from './exec-container';
import { runtimeRoot } from './runtime-root';
import { TerminalSession, checkSize } from './terminal-session';

export type ExecSessionOptions = Pick<ExecOptions, 'env' | 'workdir' | 'user'> & {
  /** Absent: the container's shell (default-shell.ts: /bin/bash if it has one, else /bin/sh). */
  command?: string[];
  /** false: no terminal, stdio pipes instead (`exec -i` alone: stdin in, stdout and stderr apart). Absent: a terminal. */
  tty?: boolean;
};

/** An exec session's id: what its files are named after. */
export const EXEC_SESSION_ID = /^exec-[0-9a-f]{8}$/;

const files = (store: Store, record: { id: string }, session: string) => ({
  socket: path.join(runtimeRoot(store), record.id, `${session}.sock`),
  exit: path.join(containerDir(store, record.id), `${session}.exit.json`),
  info: path.join(containerDir(store, record.id), `${session}.session.json`),
});

/** Starts `options.command` in container `ref` on a new terminal of rows × cols, and attaches to it. */
export async function startExecSession(store: Store, ref: string, options: ExecSessionOptions, size: { rows: number; cols: number }): Promise<TerminalSession> {
  checkSize(size.rows, size.cols);
  const command = options.command ?? [await defaultShell(store, await findRecord(store, ref))];
  const tty = options.tty !== false;
  const { record, processFile } = await prepareExec(store, ref, { ...options, command }, tty ? size : undefined);
  const id = `exec-${randomBytes(4).toString('hex')}`;
  // The socket beside the container's runtime state (the runtime's delete removes exec-*.sock);
  // the exit and info files in the container's directory, which rm removes.
  const at = files(store, record, id);
  const info: ExecSessionInfo = { id, container: record.id, command, startedAt: new Date().toISOString() };
  let reply;
  try {
    reply = await runRuntime(['exec', '--process', processFile, tty ? '--tty' : '--stdin', '--detach', '--attach-socket', at.socket, '--exit-file', at.exit, record.id], { root: runtimeRoot(store) });
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
  // Only now, with its socket there: a list between the two would take an info file without
  // a socket for an ended session's and remove it (a window lists as its Open shell is pressed).
  await fs.promises.writeFile(at.info, JSON.stringify(info) + '\n', { mode: 0o600 });
  const self = { id, command };
  let session: TerminalSession;
  try {
    session = await TerminalSession.connect(started.attachSocket, record.id, 'exec', self);
  } catch (error) {
    // Its helper is gone: the process ended and we came after the seconds its helper holds
    // the output for a first client (this engine was starved). Its output went with the
    // helper, but its exit file says how it ended.
    await fs.promises.rm(at.info, { force: true });
    const exitCode = await takeExitCode(at.exit, 1000);
    if (exitCode === undefined) throw new StrataError('INTERNAL', `exec in ${record.name}: cannot attach to the session: ${(error as Error).message}`, { cause: error });
    return TerminalSession.finished(record.id, 'exec', { exitCode }, self);
  }
  session.whenClosed(() => ended(at));
  return session;
}

/** Attaches again to exec session `id` of container `ref`, one that a client left while it ran. */
export async function reattachExecSession(store: Store, ref: string, id: string, size: { rows: number; cols: number }): Promise<TerminalSession> {
  checkSize(size.rows, size.cols);
  if (!EXEC_SESSION_ID.test(id)) throw new StrataError('INVALID_ARGUMENT', `${JSON.stringify(id)} is not an exec session's id (exec- and 8 hex digits)`);
  const record = await findRecord(store, ref);
  const at = files(store, record, id);
  const info = await readInfo(at.info);
  if (!info) throw new StrataError('NOT_FOUND', `container ${record.name} has no exec session ${id}`);
  let session: TerminalSession;
  try {
    session = await TerminalSession.connect(at.socket, record.id, 'exec', { id, command: info.command });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ECONNREFUSED') throw error;
    await fs.promises.rm(at.info, { force: true });
    throw new StrataError('NOT_FOUND', `exec session ${id} in ${record.name} has ended`);
  }
  session.whenClosed(() => ended(at));
  session.resize(size.rows, size.cols);
  return session;
}

/**
 * The exec sessions of container `ref` whose process still runs (their socket is there),
 * oldest first. The files of ended ones nobody attached to again are cleared on the way
 * (their exit file stays for a client attached at the end, which reads it).
 */
export async function listExecSessions(store: Store, ref: string): Promise<ExecSessionInfo[]> {
  const record = await findRecord(store, ref);
  return listOf(store, record);
}

async function listOf(store: Store, record: ContainerRecord): Promise<ExecSessionInfo[]> {
  const names = await fs.promises.readdir(containerDir(store, record.id)).catch(() => [] as string[]);
  const ids = names.filter((name) => name.endsWith('.session.json')).map((name) => name.slice(0, -'.session.json'.length)).filter((id) => EXEC_SESSION_ID.test(id));
  const live: ExecSessionInfo[] = [];
  for (const id of ids) {
    const at = files(store, record, id);
    const info = await readInfo(at.info);
    const socket = await fs.promises.lstat(at.socket).catch((error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? undefined : error));
    if (socket instanceof Error) continue; // cannot tell this time: neither listed nor cleared
    if (info && socket?.isSocket()) live.push({ ...info, id, container: record.id });
    else await fs.promises.rm(at.info, { force: true });
  }
  return live.sort((a, b) => a.startedAt.localeCompare(b.startedAt));
}

async function readInfo(file: string): Promise<ExecSessionInfo | undefined> {
  try {
    const info = JSON.parse(await fs.promises.readFile(file, 'utf8')) as Partial<ExecSessionInfo>;
    return Array.isArray(info.command) && typeof info.startedAt === 'string' ? (info as ExecSessionInfo) : undefined;
  } catch {
    return undefined; // gone, or not ours to read
  }
}

/** A session's connection ended: its exit code if the process has exited (then its files go), else nothing (a detach). */
async function ended(at: ReturnType<typeof files>): Promise<number | undefined> {
  const exitCode = await takeExitCode(at.exit, 1000);
  if (exitCode !== undefined) await fs.promises.rm(at.info, { force: true });
  return exitCode;
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
