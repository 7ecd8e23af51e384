// Which engine a front end talks to — a *connection* — chosen by name, by socket address,
// or by default. Two kinds: `local` (the engine in this process, on a store this process
// can open: root's, or `--root DIR`) and a socket (`system`: the system engine `strata
// system service` runs as root for the machine's users in group `strata`; `rootless`: the
// user's own engine in a user namespace, on a socket in their runtime directory, started
// on demand (rootless-start.ts); or any `unix:///path` given in STRATA_HOST, as docker's
// DOCKER_HOST).
import fs from 'node:fs';
import { rootlessPaths } from '../engine/rootless/rootless-paths';
import { StrataError } from '@shared/errors';

/** Where `strata system service` listens unless told otherwise. */
export const SYSTEM_SOCKET = '/run/strata/strata.sock';
/** The group whose members may use the system engine. */
export const SYSTEM_GROUP = 'strata';

export type ConnectionTarget =
  | { name: string; kind: 'local'; root?: string; /** Root's connection when nothing was chosen (cli/connect.ts may send its reads to the system engine). */ byDefault?: true }
  | { name: string; kind: 'socket'; socketPath: string; startOnDemand?: 'rootless' };

export const CONNECTION_NAMES = ['local', 'system', 'rootless'] as const;

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
  /** Whether this user has subordinate uid and gid ranges (tests pass their own). */
  hasSubordinateIds?: (uid: number) => boolean;
}

/**
 * The connection to use: `--root` → local; else `--connection NAME`; else STRATA_HOST
 * (`unix:///path`); else STRATA_CONNECTION; else root → local, a normal user → the system
 * engine when its socket exists, else the rootless engine when the user has subordinate
 * ids (/etc/subuid and /etc/subgid) to make one with, otherwise local (image views only;
 * `--connection rootless` then says how to get a range).
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
  if (uid === 0) return { name: 'local', kind: 'local', byDefault: true };
  const system = systemSocket(env);
  if (exists(system)) return { name: 'system', kind: 'socket', socketPath: system };
  return (choice.hasSubordinateIds ?? hasSubordinateIds)(uid) ? rootlessTarget(env, uid) : { name: 'local', kind: 'local' };
}

/** The user's rootless engine: its socket, and that it is started when nothing answers there. */
export function rootlessTarget(env: NodeJS.ProcessEnv = process.env, uid?: number): ConnectionTarget {
  return { name: 'rootless', kind: 'socket', socketPath: rootlessPaths(env, uid).socket, startOnDemand: 'rootless' };
}

/** Whether `uid` (by name or number) has a range in both /etc/subuid and /etc/subgid. */
export function hasSubordinateIds(uid: number, files: { passwd?: string; subuid?: string; subgid?: string } = {}): boolean {
  const read = (file: string) => {
    try {
      return fs.readFileSync(file, 'utf8').split('\n').map((line) => line.split(':'));
    } catch {
      return [];
    }
  };
  const name = read(files.passwd ?? '/etc/passwd').find((fields) => fields[2] === String(uid))?.[0];
  const owns = (file: string) => read(file).some((fields) => fields.length >= 3 && (fields[0] === name || fields[0] === String(uid)) && Number(fields[2]) > 0);
  return owns(files.subuid ?? '/etc/subuid') && owns(files.subgid ?? '/etc/subgid');
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

/** What a socket connection is called: `system` or `rootless` for those engines' sockets, else its address. */
export function connectionName(socketPath: string, env: NodeJS.ProcessEnv = process.env): string {
  if (socketPath === systemSocket(env)) return 'system';
  return socketPath === rootlessPaths(env).socket ? 'rootless' : `unix://${socketPath}`;
}

function named(name: string, env: NodeJS.ProcessEnv, from: string): ConnectionTarget {
  if (name === 'local') return { name, kind: 'local' };
  if (name === 'system') return { name, kind: 'socket', socketPath: systemSocket(env) };
  if (name === 'rootless') return rootlessTarget(env);
  throw new StrataError('INVALID_ARGUMENT', `${from}: no connection named ${JSON.stringify(name)} (have: ${CONNECTION_NAMES.join(', ')}; or STRATA_HOST=unix:///path/to.sock)`);
}

function socketExists(path: string): boolean {
  try {
    return fs.statSync(path).isSocket();
  } catch {
    return false;
  }
}
