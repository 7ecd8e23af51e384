// The system engine's socket file: where it goes, who may open it, and what to do about
// one that is already there. The rules:
//  - the parent directory is created 0755 when missing (anyone may traverse to the socket;
//    the socket's own mode decides who connects);
//  - the socket is bound under umask 0177 (root-only from its first instant), then given
//    root:<group> and mode 0660 — never a window in which others could connect;
//  - a socket file left by a service that died (kill -9 leaves it) is replaced; one that a
//    live service answers on is not: starting twice is a CONFLICT, not a takeover;
//  - anything else at that path (a file, a directory) is left alone and refused.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { StrataError } from '@shared/errors';

export const SOCKET_MODE = 0o660;
export const SOCKET_DIR_MODE = 0o755;

/** Whether something accepts connections on the Unix socket at `socketPath`. */
export function socketAnswers(socketPath: string, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.connect(socketPath);
    const done = (answered: boolean) => {
      clearTimeout(timer);
      probe.destroy();
      resolve(answered);
    };
    const timer = setTimeout(() => done(true), timeoutMs); // a connect that hangs has a listener (backlog full)
    probe.once('connect', () => done(true));
    probe.once('error', () => done(false));
  });
}

/** Makes `socketPath` free to bind: its directory there, a dead service's socket gone. */
export async function claimSocketPath(socketPath: string): Promise<void> {
  if (!path.isAbsolute(socketPath)) throw new StrataError('INVALID_ARGUMENT', `the socket path must be absolute, not ${JSON.stringify(socketPath)}`);
  const dir = path.dirname(socketPath);
  if (!fs.existsSync(dir)) fs.mkdirSync(dir, { recursive: true, mode: SOCKET_DIR_MODE });
  let stat: fs.Stats;
  try {
    stat = fs.lstatSync(socketPath);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  if (!stat.isSocket()) throw new StrataError('CONFLICT', `${socketPath} exists and is not a socket: move it away, or pass another --socket PATH`);
  if (await socketAnswers(socketPath)) {
    throw new StrataError('CONFLICT', `another Strata service already answers on ${socketPath}: stop it first (sudo systemctl stop strata.service strata.socket), or pass another --socket PATH`);
  }
  fs.rmSync(socketPath, { force: true }); // left by a service that did not close (killed)
}

/** Runs `bind` (a synchronous listen) under umask 0177, so the socket is born root-only. */
export function bindPrivately<T>(bind: () => T): T {
  const previous = process.umask(0o177);
  try {
    return bind();
  } finally {
    process.umask(previous);
  }
}

/** Opens the bound socket to the group: root:<gid>, 0660. */
export function shareWithGroup(socketPath: string, gid: number): void {
  fs.chownSync(socketPath, 0, gid);
  fs.chmodSync(socketPath, SOCKET_MODE);
}

/**
 * The listening socket systemd passed (socket activation: LISTEN_PID is this process and
 * LISTEN_FDS ≥ 1 → fd 3), or undefined. The variables are removed so that children (the
 * runtime, shims) do not believe the socket is theirs.
 */
export function activatedSocketFd(env: NodeJS.ProcessEnv = process.env, pid = process.pid): number | undefined {
  const passed = env.LISTEN_PID === String(pid) && Number(env.LISTEN_FDS) >= 1;
  delete env.LISTEN_PID;
  delete env.LISTEN_FDS;
  delete env.LISTEN_FDNAMES;
  return passed ? 3 : undefined;
}
