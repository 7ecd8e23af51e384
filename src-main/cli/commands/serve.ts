// `strata serve`: the window in a browser. Serves the built renderer and the typed API over
// one WebSocket on a loopback address, behind a token printed with the URL (as Jupyter
// does). This is how the UI is tested in a real browser, and how a user reaches a remote
// workstation: `ssh -L 8080:127.0.0.1:PORT host`, then open the URL with port 8080.
// The engine behind it is a connection: this process's (root, --root) or the system
// engine's (`--connection system`, STRATA_HOST=unix:///path; a normal user's default when
// its socket is there) or the user's rootless engine (`--connection rootless`, started on
// demand) — each browser tab then gets its own connection to the service.
import fs from 'node:fs';
import path from 'node:path';
import { openSupervisedApi } from '../../api/supervised-api';
import { connectionName, resolveConnection } from '../../connections/connection';
import { boundProvider, withConnectionMethods } from '../../connections/front-end-methods';
import { RemoteApi } from '../../connections/remote-api';
import { startRootlessEngine } from '../../connections/rootless-start';
import type { ConnectionStatus } from '@shared/api/types/connection';
import type { SessionHost } from '../../connections/session-host';
import type { Engine } from '../../engine/index';
import { startServer } from '../../server/server';
import { StrataError } from '@shared/errors';
import { type Command, UsageError, expectPositionals } from '../command';
import type { Output } from '../output';

export const serveCommand: Command = {
  name: 'serve',
  usage: 'serve [--port N] [--host 127.0.0.1|::1] [--connection local|system|rootless]',
  options: {
    port: { type: 'string', short: 'p' },
    host: { type: 'string' },
  },
  async run({ engine, output }, { values, positionals }) {
    expectPositionals(positionals, 0, 0, this.usage);
    const port = parsePort(values.port as string | undefined);
    const host = values.host === 'localhost' ? '127.0.0.1' : (values.host as string | undefined);
    const stop = new AbortController();
    const onSignal = () => stop.abort();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    try {
      const target = resolveConnection({ connection: values.connection as string | undefined, root: values.root as string | undefined });
      if (target.kind === 'socket') await serveConnection(target.socketPath, output, { port, host, signal: stop.signal, startRootless: target.startOnDemand === 'rootless' });
      else await serve(await engine(), output, { port, host, signal: stop.signal });
    } finally {
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
    }
  },
};

export interface ServeOptions {
  port?: number;
  host?: string;
  staticRoot?: string;
  /** Serving stops when this aborts (the command: SIGINT or SIGTERM). */
  signal: AbortSignal;
  /** Told the address once serving (tests). */
  onListening?: (url: string) => void;
  /** The socket is the user's rootless engine: started when nothing answers there, and kept from idling out while serving. */
  startRootless?: boolean;
}

/** Serves until `signal` aborts, then closes connections, cancels running jobs and returns. */
export async function serve(engine: Engine, output: Output, options: ServeOptions): Promise<void> {
  // A long-lived engine takes part in its store's supervisor election (the window does the
  // same): while elected it acts on restart policies and writes the stats history.
  const supervised = openSupervisedApi({
    engine,
    onInternalError: (method, error) => output.err(`strata serve: ${method} failed unexpectedly: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`),
  });
  try {
    await serveHost(supervised.api, output, options);
  } finally {
    await supervised.close();
  }
}

/**
 * Serves the engine behind the Unix socket at `socketPath` (the system engine): that
 * engine is its store's supervisor, this process only relays. Refuses to start when the
 * engine does not answer (not running, or this user not in its group: the message says how).
 */
export async function serveConnection(socketPath: string, output: Output, options: ServeOptions): Promise<void> {
  // What the page's engine panel shows: this connection, and whether the engine answers.
  let status: ConnectionStatus = { name: connectionName(socketPath), kind: 'socket', address: socketPath, state: 'connected', detail: null };
  const statusListeners = new Set<() => void>();
  const remote = new RemoteApi(socketPath, {
    onStatus: (reported) => {
      if (reported.state === 'disconnected') output.err(`strata serve: lost the engine at ${socketPath}: ${reported.error.message}${reported.retryInMs === undefined ? '' : `; trying again in ${reported.retryInMs / 1000} s`}\n`);
      const state = reported.state === 'connected' ? 'connected' : reported.error.code === 'PERMISSION_DENIED' ? 'refused' : reported.retryInMs === undefined ? 'unreachable' : 'connecting';
      status = { ...status, state, detail: reported.state === 'connected' ? null : reported.error.message };
      for (const listener of [...statusListeners]) listener();
    },
  });
  const host = withConnectionMethods(
    remote,
    boundProvider(
      () => status,
      (changed) => (statusListeners.add(changed), () => statusListeners.delete(changed)),
    ),
  );
  try {
    if (options.startRootless) await startRootlessEngine();
    const probe = remote.openSession(() => {});
    const reply = await probe.call('system.info', {});
    // The rootless engine exits when no client is connected: this session stays while serving.
    if (!options.startRootless || 'error' in reply) probe.close();
    if ('error' in reply) throw new StrataError(reply.error.code, reply.error.message);
    await serveHost(host, output, options);
  } finally {
    remote.close();
  }
}

async function serveHost(api: SessionHost, output: Output, options: ServeOptions): Promise<void> {
  const server = await startServer({ api, host: options.host, port: options.port, staticRoot: options.staticRoot });
  try {
    if (!fs.existsSync(path.join(server.staticRoot, 'index.html'))) {
      output.err(`strata serve: ${server.staticRoot} has no index.html: the API works, the page does not (build it: npx electron-vite build)\n`);
    }
    output.out(`Strata is serving at ${server.url}\n`);
    options.onListening?.(server.url);
    if (!options.signal.aborted) await new Promise((resolve) => options.signal.addEventListener('abort', resolve, { once: true }));
  } finally {
    await server.close();
  }
}

function parsePort(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535) throw new UsageError(`--port takes a port number (0 to 65535; 0 picks a free one), not ${JSON.stringify(text)}`);
  return port;
}
