// The engines a long-lived front end (the window) can open, as EngineLinks: the engine in
// this process (opened on first use, in its store's supervisor election), or the system
// engine behind its socket (a RemoteApi, its state followed from its connections' opens and
// drops); and the short probe that says how a connection not in use is doing.
import type { ConnectionStatus as TransportStatus } from '@shared/api/ws-transport';
import { type ErrorShape, toErrorShape } from '@shared/errors';
import { type SupervisedApi, openSupervisedApi } from '../api/supervised-api';
import { Engine } from '../engine/index';
import type { ConnectionTarget } from './connection';
import { RemoteApi } from './remote-api';
import { startRootlessEngine } from './rootless-start';
import { socketTransport } from './socket-transport';
import type { EngineLink, LinkStatus } from './window-connection';

/** How long a probe waits for system.info before calling the engine unreachable. */
const PROBE_MS = 2000;

export interface LinkOptions {
  version: string;
  onInternalError?: (method: string, error: unknown) => void;
}

export function openLink(target: ConnectionTarget, options: LinkOptions): EngineLink {
  return target.kind === 'local' ? localLink(target.root, options) : socketLink(target);
}

/** The engine in this process: opened when the first session opens (a failure answers every call). */
function localLink(root: string | undefined, options: LinkOptions): EngineLink {
  let supervised: SupervisedApi | undefined;
  const api = (): SupervisedApi => (supervised ??= openSupervisedApi({ engine: Engine.open({ root }), version: options.version, onInternalError: options.onInternalError }));
  return {
    host: { openSession: (sink, options) => api().api.openSession(sink, options) },
    status: () => ({ state: 'connected', detail: null }),
    onStatus: () => () => {},
    close: async () => {
      await supervised?.close();
    },
  };
}

/** The system or rootless engine: each session its own connection; the link's state is the latest any of them reported. */
function socketLink(target: Extract<ConnectionTarget, { kind: 'socket' }>): EngineLink {
  let status: LinkStatus = { state: 'connecting', detail: null };
  let reported = false;
  const listeners = new Set<(status: LinkStatus) => void>();
  const set = (next: LinkStatus): void => {
    if (next.state === status.state && next.detail === status.detail) return;
    status = next;
    for (const listener of [...listeners]) listener(status);
  };
  const remote = new RemoteApi(target.socketPath, {
    onStatus: (transport) => {
      reported = true;
      set(linkStatus(transport));
    },
  });
  // Sessions connect on their first call; until one has, a probe says how the engine is doing.
  // The user's rootless engine is started first when nothing answers on its socket.
  const started = target.startOnDemand ? startRootlessEngine().then(() => undefined, (error: unknown) => toErrorShape(error)) : Promise.resolve(undefined);
  const ready = started.then(async (failed) => {
    const probed = failed ? errorStatus(failed) : await probeLink(target);
    if (!reported) set(probed);
  });
  return {
    host: remote,
    status: () => status,
    onStatus: (listener) => (listeners.add(listener), () => listeners.delete(listener)),
    ready,
    close: async () => remote.close(),
  };
}

/** A connection's state now: local is always there; a socket is asked for system.info. */
export async function probeLink(target: ConnectionTarget): Promise<LinkStatus> {
  if (target.kind === 'local') return { state: 'connected', detail: null };
  const transport = socketTransport(target.socketPath);
  try {
    const reply = await Promise.race([
      transport.invoke('system.info', {}),
      new Promise<{ error: ErrorShape }>((resolve) => setTimeout(() => resolve({ error: { code: 'UNAVAILABLE', message: `no answer within ${PROBE_MS / 1000} s` } }), PROBE_MS).unref()),
    ]);
    return 'error' in reply ? errorStatus(reply.error) : { state: 'connected', detail: null };
  } finally {
    transport.close();
  }
}

function linkStatus(reported: TransportStatus): LinkStatus {
  return reported.state === 'connected' ? { state: 'connected', detail: null } : errorStatus(reported.error);
}

function errorStatus(error: ErrorShape): LinkStatus {
  if (error.code === 'PERMISSION_DENIED') return { state: 'refused', detail: error.message };
  if (error.code === 'UNAVAILABLE') return { state: 'unreachable', detail: error.message };
  return { state: 'connecting', detail: error.message };
}
