// `connection.*`: which engine this window or page talks to, whether it is reachable, and
// what else it could talk to. Answered by the front end (the window's main process,
// `strata serve`), not by the engine: only the front end knows how it reaches its engine.

export type ConnectionState =
  /** Calls reach the engine. */
  | 'connected'
  /** Not (yet, or no longer) reachable; the front end retries with back-off. */
  | 'connecting'
  /** Nothing listens at the address (the system engine is not installed or not running). */
  | 'unreachable'
  /** The engine refused this user (not in group `strata`): `detail` says how to join. */
  | 'refused';

export interface ConnectionStatus {
  /** `system`, `local`, or the STRATA_HOST address. */
  name: string;
  kind: 'local' | 'socket';
  /** The socket path; null for the engine in the front end's own process. */
  address: string | null;
  state: ConnectionState;
  /** Why it is not connected, for people; null when it is. */
  detail: string | null;
}

export interface ConnectionInfo extends ConnectionStatus {
  /** Connections this front end can switch to (itself included); only itself where switching is not offered. */
  available: ConnectionStatus[];
  /** Whether the front end can switch at all (the window: yes; `strata serve`: bound to one). */
  switchable: boolean;
  /** The system engine is absent and this front end can install it (the window, through polkit's pkexec). */
  canInstallSystem: boolean;
}
