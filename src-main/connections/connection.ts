// Which engine a front end talks to — a *connection* — chosen by name, by socket address,
// or by default. Two kinds today: `local` (the engine in this process, on a store this
// process can open: root's, or `--root DIR`) and a socket (`system`: the system engine
// `strata system service` runs as root for the machine's users in group `strata`; or any
// `unix:///path` given in STRATA_HOST, as docker's DOCKER_HOST). The rootless engine
// will be a third.
import fs from 'node:fs';
import { StrataError } from '@shared/errors';

/** Where `strata system service` listens unless told otherwise. */
export const SYSTEM_SOCKET = '/run/strata/strata.sock';
/** The group whose members may use the system engine. */
export const SYSTEM_GROUP = 'strata';

export type ConnectionTarget =
  | { name: string; kind: 'local'; root?: string }
  | { name: string; kind: 'socket'; socketPath: string };

export const CONNECTION_NAMES = ['local', 'system'] as const;

export interface ConnectionChoice {
  /** `--connection NAME` */
  connection?: string;
  /** `--root DIR`: a store opened in this process, so the local connection. */
  root?: string;
  env?: NodeJS.ProcessEnv;
  /** This process's uid (the default differs for root). */
  uid?: number;
  /** Whether a socket exists (tests pass their own). */
  socketExists?: (path: string) => boolean;
}

/**
 * The connection to use: `--root` → local; else `--connection NAME`; else STRATA_HOST
 * (`unix:///path`); else STRATA_CONNECTION; else root → local, a normal user → the system
 * engine when its socket exists, otherwise local (image views; containers need an engine
 * with privilege).
 */
export function resolveConnection(choice: ConnectionChoice = {}): ConnectionTarget {
  const env = choice.env ?? process.env;
  const uid = choice.uid ?? process.getuid?.() ?? 0;
  const exists = choice.socketExists ?? socketExists;
  if (choice.root !== undefined) {
    if (choice.connection !== undefined && choice.connection !== 'local') {
      throw new StrataError('INVALID_ARGUMENT', `--root opens a store in this process, so it cannot be used with --connection ${choice.connection}`);
    }
    return { name: 'local', kind: 'local', root: choice.root };
  }
  if (choice.connection !== undefined) return named(choice.connection, env, '--connection');
  const host = env.STRATA_HOST;
  if (host) return { name: host, kind: 'socket', socketPath: socketPathOf(host) };
  if (env.STRATA_CONNECTION) return named(env.STRATA_CONNECTION, env, 'STRATA_CONNECTION');
  if (uid === 0) return { name: 'local', kind: 'local' };
  const system = systemSocket(env);
  return exists(system) ? { name: 'system', kind: 'socket', socketPath: system } : { name: 'local', kind: 'local' };
}

/** The system engine's socket: STRATA_SYSTEM_SOCKET (tests, a service run with --socket) or the default. */
export function systemSocket(env: NodeJS.ProcessEnv = process.env): string {
  return env.STRATA_SYSTEM_SOCKET || SYSTEM_SOCKET;
}

/** `unix:///run/strata/strata.sock` → `/run/strata/strata.sock`; other schemes are refused. */
export function socketPathOf(host: string): string {
  const match = /^unix:\/\/(\/.*)$/.exec(host);
  if (!match || match[1]!.length < 2 || match[1]!.includes('\0')) {
    throw new StrataError('INVALID_ARGUMENT', `STRATA_HOST must be unix:///absolute/path/to.sock, not ${JSON.stringify(host)}`);
  }
  return match[1]!;
}

/** What a socket connection is called: `system` for the system engine's socket, else its address. */
export function connectionName(socketPath: string, env: NodeJS.ProcessEnv = process.env): string {
  return socketPath === systemSocket(env) ? 'system' : `unix://${socketPath}`;
}

function named(name: string, env: NodeJS.ProcessEnv, from: string): ConnectionTarget {
  if (name === 'local') return { name, kind: 'local' };
  if (name === 'system') return { name, kind: 'socket', socketPath: systemSocket(env) };
  throw new StrataError('INVALID_ARGUMENT', `${from}: no connection named ${JSON.stringify(name)} (have: ${CONNECTION_NAMES.join(', ')}; or STRATA_HOST=unix:///path/to.sock)`);
}

function socketExists(path: string): boolean {
  try {
    return fs.statSync(path).isSocket();
  } catch {
    return false;
  }
}
