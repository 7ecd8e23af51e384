// `strata system service --rootless`: the user's rootless engine. A front end starts it
// (connections/rootless-start.ts) through `strata-runtime rootless-exec`, so it runs as
// uid 0 of the user's own user namespace, with the paths the front end computed outside
// (STRATA_ROOT, STRATA_RUNTIME_DIR: inside, uid 0 would pick the host's /var/lib/strata
// and /run/strata). The API is served on <runtime dir>/strata.sock, 0600, to that user
// alone. It is its store's supervisor, as the system engine is. It exits when idle — no
// client and no live container for STRATA_ROOTLESS_IDLE_SECONDS (default 300) — and then,
// with no live container left, ends the pause process that holds the namespaces, so
// nothing of it stays; while containers live the pause process stays, and the next engine
// joins their namespaces.
import path from 'node:path';
import { openSupervisedApi } from '../../api/supervised-api';
import { boundProvider, withConnectionMethods } from '../../connections/front-end-methods';
import { enginePrivilege, readIdMap } from '../../engine/rootless/privilege';
import { RUNTIME_DIR_ENV } from '../../engine/rootless/rootless-paths';
import { runRuntime } from '../../engine/runtime/runtime-binary';
import { startUnixSocketServer } from '../../server/unix-socket-server';
import type { Engine } from '../../engine/index';
import { StrataError } from '@shared/errors';
import type { CommandContext } from '../command';

const DEFAULT_IDLE_SECONDS = 300;

function idleSeconds(env: NodeJS.ProcessEnv): number {
  const value = Number(env.STRATA_ROOTLESS_IDLE_SECONDS);
  return env.STRATA_ROOTLESS_IDLE_SECONDS && Number.isFinite(value) && value > 0 ? value : DEFAULT_IDLE_SECONDS;
}

/** Whether any container of the store is alive (running, paused, restarting). */
async function anyLive(engine: Engine): Promise<boolean> {
  return (await engine.listContainers({})).length > 0;
}

export async function rootlessService({ engine, output }: CommandContext): Promise<void> {
  const runtimeDir = process.env[RUNTIME_DIR_ENV];
  if (enginePrivilege() !== 'rootless' || !runtimeDir) {
    throw new StrataError('INVALID_ARGUMENT', 'strata system service --rootless runs in the user namespace `strata-runtime rootless-exec` makes, with STRATA_RUNTIME_DIR set: a front end starts it (strata --connection rootless …)');
  }
  const socketPath = path.join(runtimeDir, 'strata.sock');
  const hostUid = readIdMap().find((mapping) => mapping.inside === 0)?.outside;
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const opened: Engine = await engine();
  const supervised = openSupervisedApi({
    engine: opened,
    onInternalError: (method, error) => output.err(`strata rootless engine: ${method} failed unexpectedly: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`),
  });
  let timer: NodeJS.Timeout | undefined;
  let noneLive = false;
  try {
    const self = { name: 'rootless', kind: 'socket' as const, address: socketPath, state: 'connected' as const, detail: null };
    const server = await startUnixSocketServer({ host: withConnectionMethods(supervised.api, boundProvider(() => self)), socketPath, log: output.err });
    try {
      output.out(`Strata rootless engine listening on ${server.address} for uid ${hostUid ?? '?'} (pid ${process.pid}); store ${opened.root}\n`);
      const idleMs = idleSeconds(process.env) * 1000;
      let idleSince: number | undefined;
      const check = async () => {
        const idle = server.connections() === 0 && !(await anyLive(opened).catch(() => true));
        idleSince = idle ? (idleSince ?? Date.now()) : undefined;
        if (idleSince !== undefined && Date.now() - idleSince >= idleMs) {
          output.out(`Strata rootless engine: idle for ${idleMs / 1000} s, exiting\n`);
          stop.abort();
        }
      };
      timer = setInterval(() => void check(), Math.min(30_000, Math.max(250, idleMs / 4)));
      if (!stop.signal.aborted) await new Promise((resolve) => stop.signal.addEventListener('abort', resolve, { once: true }));
      output.out('Strata rootless engine stopping (containers keep running)\n');
    } finally {
      clearInterval(timer);
      await server.close();
      noneLive = !(await anyLive(opened).catch(() => true));
    }
  } finally {
    await supervised.close();
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
  // Nothing lives in the namespaces but this process: let them go with it.
  if (noneLive) {
    const result = await runRuntime(['rootless-stop', '--state-dir', runtimeDir]);
    output.out(result.code === 0 ? `Strata rootless engine: no container runs: the pause process ended ${result.stdout}` : `Strata rootless engine: could not end the pause process: ${result.stderr}\n`);
  }
}
