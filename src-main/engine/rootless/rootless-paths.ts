// Where the rootless engine of a user keeps things, decided *outside* its user namespace:
// inside, the engine is uid 0, so the usual "root → /var/lib/strata, /run/strata" rules
// would pick the host's system paths. The front end that starts the engine computes these
// with the user's real uid and passes them in (STRATA_ROOT, STRATA_RUNTIME_DIR).
//   store       $XDG_DATA_HOME/strata (default ~/.local/share/strata)
//   runtime     $XDG_RUNTIME_DIR/strata, or /tmp/strata-run-<uid> (0700, as podman's
//               /tmp/podman-run-<uid>) when there is no XDG_RUNTIME_DIR of this user's
//     strata.sock   the API socket, 0600
//     service.log   the engine's stdout and stderr (.1: the stretch before, connections/service-log.ts)
//     pause.pid     the pause process holding the namespaces (strata-runtime rootless-exec)
//     <hash>/       strata-runtime's --root for the store (containers/runtime-root.ts)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface RootlessPaths {
  /** The store root. */
  store: string;
  /** The runtime directory (tmpfs where the session has one). */
  runtimeDir: string;
  socket: string;
  log: string;
  pidFile: string;
}

/** The environment variable that names the runtime directory to an engine started inside the namespace. */
export const RUNTIME_DIR_ENV = 'STRATA_RUNTIME_DIR';

/** Whether `dir` is a directory of this uid (XDG_RUNTIME_DIR may be stale, e.g. after `su`). */
function ownDirectory(dir: string, uid: number): boolean {
  try {
    const stat = fs.statSync(dir);
    return stat.isDirectory() && stat.uid === uid;
  } catch {
    return false;
  }
}

export function rootlessPaths(env: NodeJS.ProcessEnv = process.env, uid: number = process.getuid?.() ?? 0): RootlessPaths {
  const dataHome = env.XDG_DATA_HOME || path.join(env.HOME || os.homedir(), '.local', 'share');
  const xdgRuntime = env.XDG_RUNTIME_DIR;
  const runtimeDir = xdgRuntime && path.isAbsolute(xdgRuntime) && ownDirectory(xdgRuntime, uid) ? path.join(xdgRuntime, 'strata') : path.join(os.tmpdir(), `strata-run-${uid}`);
  return {
    store: path.join(dataHome, 'strata'),
    runtimeDir,
    socket: path.join(runtimeDir, 'strata.sock'),
    log: path.join(runtimeDir, 'service.log'),
    pidFile: path.join(runtimeDir, 'pause.pid'),
  };
}
