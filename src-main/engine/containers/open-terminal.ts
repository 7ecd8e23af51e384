// openTerminal: a terminal session on a container — its own terminal (a container made with
// `tty`, whose shim keeps the pty: docker's `attach`, and `start -a` of a created or exited
// one), or a new process on a terminal of its own (docker's `exec -it`, in any running
// container). The session is the attach socket's client (terminal-session.ts); several may
// be open on one container at once, and closing one leaves the process running.
import { StrataError } from '@shared/errors';
import type { Store } from '../store/store';
import { type ContainerRecord, hasAttachSocket } from './container';
import { withContainer } from './container-lock';
import { findRecord } from './container-store';
import { type ExecSessionOptions, reattachExecSession, startExecSession } from './exec-session';
import { observeState } from './observe-state';
import { runtimeRoot } from './runtime-root';
import { startLocked } from './start-container';
import { TerminalSession, checkSize } from './terminal-session';
import path from 'node:path';

export interface OpenTerminalOptions {
  ref: string;
  /** A new process on a terminal of its own; absent: the container's own terminal. */
  exec?: ExecSessionOptions;
  /** An exec session of the container that a client left while it ran (its id): attached to again. */
  reattach?: string;
  /** The container's own terminal of a container that is not running: start it, attached before its program runs. */
  start?: boolean;
  rows: number;
  cols: number;
}

/** The attach socket of a running tty container (the shim serves it; native/src/runtime/README.md). */
export function attachSocketPath(store: Store, id: string): string {
  return path.join(runtimeRoot(store), id, 'attach.sock');
}

export async function openTerminal(store: Store, options: OpenTerminalOptions): Promise<TerminalSession> {
  checkSize(options.rows, options.cols);
  if ([options.exec, options.reattach, options.start].filter((given) => given !== undefined && given !== false).length > 1) {
    throw new StrataError('INVALID_ARGUMENT', 'exec, reattach and start go one at a time: a new exec session, an exec session again, or the container\'s own terminal started');
  }
  if (options.exec) return startExecSession(store, options.ref, options.exec, options);
  if (options.reattach !== undefined) return reattachExecSession(store, options.ref, options.reattach, options);
  const record = await findRecord(store, options.ref);
  if (!hasAttachSocket(record)) {
    throw new StrataError('CONFLICT', `container ${record.name} has no terminal nor stdin to attach to (it was made without -t or -i): read its output with logs -f, or open a shell in it with exec -it`);
  }
  if (options.start) return startAttached(store, record, options);
  const state = await observeState(store, record);
  if (state.status !== 'running') throw notRunning(record, state.status);
  return attach(store, record, options);
}

/** Connects to the container's terminal and gives it this client's size. */
async function attach(store: Store, record: ContainerRecord, size: { rows: number; cols: number }): Promise<TerminalSession> {
  let session: TerminalSession;
  try {
    session = await TerminalSession.connect(attachSocketPath(store, record.id), record.id, 'container');
  } catch (error) {
    // the socket goes with the shim: the container has exited since it was looked at
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ECONNREFUSED') throw notRunning(record, 'exited');
    throw error;
  }
  session.resize(size.rows, size.cols);
  return session;
}

/**
 * docker's `start -a` (and an interactive `run`): attached between the shim's create and the
 * program's start, under the container's lock; one that runs already is attached to.
 */
async function startAttached(store: Store, record: ContainerRecord, size: { rows: number; cols: number }): Promise<TerminalSession> {
  return withContainer(store, record.id, async (settled) => {
    if (settled.state.status === 'running') return attach(store, settled, size);
    if (settled.state.status === 'paused') throw notRunning(settled, 'paused');
    let session: TerminalSession | undefined;
    try {
      await startLocked(store, settled, undefined, {
        beforeRun: async () => {
          session = await attach(store, settled, size);
        },
      });
    } catch (error) {
      session?.detach();
      throw error;
    }
    return session!;
  });
}

function notRunning(record: ContainerRecord, status: string): StrataError {
  return new StrataError('CONFLICT', `container ${record.name} is ${status}: only a running container's terminal can be attached to`);
}
