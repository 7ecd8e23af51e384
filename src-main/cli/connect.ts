// The engine a CLI command talks to: its connection (connections/connection.ts), opened
// when the command first asks for it — so `--help` and usage errors touch no store and no
// socket — and closed when the command is done. Every command goes through the API client;
// the local connection is the same API table run in this process, over one session. The
// engine's code and the socket client (and the rootless engine's start) are loaded only by
// the connection that needs them. Root's commands that only read go to a running system
// engine that serves the same store (served-store.ts), which spares them loading the engine.
import path from 'node:path';
import type { Writable } from 'node:stream';
import type { Api } from '../api/dispatch';
import { type ConnectionChoice, type ConnectionTarget, resolveConnection, systemSocket } from '../connections/connection';
import { deferredHost } from '../connections/deferred-host';
import { fallbackTransport } from '../connections/fallback-transport';
import { servedStore } from '../connections/served-store';
import { rootsStore } from '../engine/store/root-store';
import { type ClosableTransport, localTransport } from '../connections/local-transport';
import { startingTransport } from '../connections/starting-transport';
import type { Engine } from '../engine/index';
import { type ApiClient, createClient } from '@shared/api/client';
import { StrataError } from '@shared/errors';

export interface CliConnection {
  /** Which engine; resolved at the first use (an unknown name fails there). */
  target(): ConnectionTarget;
  /** The API client, opened at the first call. */
  client(): ApiClient;
  /** `serve` only: the local connection's engine, in this process (a socket's is UNSUPPORTED). */
  engine(): Promise<Engine>;
  /** Ends the session or the socket, then closes the local API (its samplers, its jobs). */
  close(): Promise<void>;
}

export interface CliConnectionOptions {
  /** The caller's standard output: the local engine may write a `save` archive there. */
  standardOutput?: Writable;
  /**
   * The engine behind a socket went away after answering (killed, restarted): what the
   * command follows there (a log, a terminal, a job) is gone with it, so the command ends
   * and says so rather than wait on a stream that will not come back.
   */
  onDropped?: (why: string) => void;
  /**
   * The command only reads: on root's default connection it goes to the system engine when
   * one runs and serves the store this process would open (served-store.ts), else, or if
   * that engine does not answer, to the engine in this process as always.
   */
  readsOnly?: boolean;
}

export function cliConnection(choice: ConnectionChoice, options: CliConnectionOptions = {}): CliConnection {
  let target: ConnectionTarget | undefined;
  let engine: Promise<Engine> | undefined;
  let api: Promise<Api> | undefined;
  let transport: ClosableTransport | undefined;
  let client: ApiClient | undefined;

  const resolved = (): ConnectionTarget => (target ??= resolveConnection(choice));
  const localEngine = (): Promise<Engine> => {
    const chosen = resolved();
    if (chosen.kind !== 'local') throw new StrataError('UNSUPPORTED', `this command runs its own engine, in this process: use --root DIR or --connection local (the connection is ${chosen.name})`);
    return (engine ??= import('../engine/index').then(({ Engine }) => Engine.open({ root: chosen.root })));
  };
  const localApi = (): Promise<Api> =>
    (api ??= Promise.all([localEngine(), import('../api/dispatch')]).then(([opened, { Api }]) => new Api({ engine: opened, standardOutput: options.standardOutput })));

  /** The socket's transport, its code loaded at the first call (and the rootless engine started when asked). */
  const socket = (socketPath: string, startRootless: boolean): ClosableTransport => {
    let answered = false;
    let socketTransport: typeof import('../connections/socket-transport').socketTransport;
    const load = async () => {
      ({ socketTransport } = await import('../connections/socket-transport'));
      // The rootless engine is started when nothing answers on its socket.
      if (startRootless) await (await import('../connections/rootless-start')).startRootlessEngine();
    };
    const connect = () =>
      socketTransport(socketPath, {
        onStatus: (status) => {
          if (status.state === 'connected') answered = true;
          else if (answered) options.onDropped?.(`${status.error.message} — ${socketPath}`);
        },
      });
    return startingTransport(load, connect);
  };

  return {
    target: resolved,
    client() {
      if (client) return client;
      const chosen = resolved();
      const local = () => localTransport(deferredHost(localApi));
      if (chosen.kind === 'socket') transport = socket(chosen.socketPath, chosen.startOnDemand === 'rootless');
      else if (chosen.byDefault && options.readsOnly && systemEngineServesDefaultStore()) transport = fallbackTransport(socket(systemSocket(), false), local);
      else transport = local();
      return (client = createClient(transport));
    },
    engine: localEngine,
    async close() {
      transport?.close();
      // An engine that failed to open has nothing to close.
      await api?.then((opened) => opened.close(), () => undefined);
    },
  };
}

/** Whether a running system engine serves the store root's local connection would open. */
function systemEngineServesDefaultStore(env: NodeJS.ProcessEnv = process.env): boolean {
  const served = servedStore(systemSocket(env));
  return served !== undefined && served === path.resolve(rootsStore(env));
}
