// The store's supervisor: of all the long-lived engines on one store (the window, `strata
// serve`, later the system service) exactly one acts on restart policies and writes the
// stats history — the one the election (election.ts) picks. Each of them runs a
// StoreSupervisor; it does that work only while elected, and says which role it has.
//
// Decisions:
// - A follower still samples stats for its own clients: its sampler runs, with history
//   writing off (writeHistoryOf). Live stats are per process; the history is per store.
// - Taking over is a follower's election coming through (the old supervisor died: the
//   kernel freed its lock). The new supervisor then starts the restart monitor — which
//   finds exits that happened in between on its first pass — and turns history writing on.
// - The restart monitor already re-checks each container under its lock, so even two
//   monitors would restart a container once; the election is what makes it one monitor.
import type { Store } from '../store/store';
import { RestartMonitor, type RestartMonitorOptions } from '../containers/restart-monitor';
import type { StatsSampler } from '../stats/index';
import { type SupervisorRole, SupervisorElection, supervisorPidOf } from './election';

export type { SupervisorRole } from './election';

export interface StoreSupervisorOptions {
  /** How often a follower tries to take over (1000 ms): the longest a store goes unsupervised after its supervisor dies. */
  retryMs?: number;
  /** The restart monitor's poll and its reports. */
  restarts?: RestartMonitorOptions;
  /** Told of the first role and of every change. */
  onRole?: (role: SupervisorRole) => void;
  /** Told of failures of the supervisor's own work (pruning old history). */
  onError?: (error: unknown) => void;
}

export class StoreSupervisor {
  private readonly election: SupervisorElection;
  private readonly restarts: RestartMonitor;
  private readonly samplers = new Set<StatsSampler>();
  private readonly listeners = new Set<(role: SupervisorRole) => void>();

  constructor(
    private readonly store: Store,
    private readonly options: StoreSupervisorOptions = {},
  ) {
    this.restarts = new RestartMonitor(store, options.restarts);
    this.election = new SupervisorElection(store.paths.supervisorLock, { retryMs: options.retryMs, onRole: (role) => this.changeRole(role) });
  }

  /** 'supervisor' while elected, 'follower' while another engine is; null when not started or stopped. */
  get role(): SupervisorRole | null {
    return this.election.role;
  }

  /** Whether this engine is its store's supervisor now. */
  get supervising(): boolean {
    return this.role === 'supervisor';
  }

  /** The pid the store's (last) supervisor wrote, for diagnostics. */
  supervisorPid(): Promise<number | null> {
    return supervisorPidOf(this.store.paths.supervisorLock);
  }

  /** Joins the election (supervising at once if nobody else does). Idempotent. */
  start(): this {
    this.election.start();
    return this;
  }

  /** Leaves the election: stops restarting containers and writing history. Close the samplers first, so their last points are written. */
  stop(): void {
    this.election.stop();
    this.restarts.stop();
    for (const sampler of this.samplers) sampler.setHistoryWriting(false);
  }

  /** Also told of role changes; returns the function that stops telling. */
  onRole(listener: (role: SupervisorRole) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  /** Lets `sampler` write the store's stats history while, and only while, this engine supervises; returns the detach. */
  writeHistoryOf(sampler: StatsSampler): () => void {
    this.samplers.add(sampler);
    this.setHistoryWriting(sampler, this.supervising);
    return () => {
      if (!this.samplers.delete(sampler)) return;
      sampler.setHistoryWriting(false);
    };
  }

  private changeRole(role: SupervisorRole): void {
    if (role === 'supervisor') this.restarts.start();
    else this.restarts.stop();
    for (const sampler of this.samplers) this.setHistoryWriting(sampler, role === 'supervisor');
    this.options.onRole?.(role);
    for (const listener of this.listeners) listener(role);
  }

  private setHistoryWriting(sampler: StatsSampler, on: boolean): void {
    const was = sampler.historyWriting;
    sampler.setHistoryWriting(on);
    // The writer tidies what it writes: the history of containers removed while no engine ran.
    // stats/ is loaded by the sampler that asks, already; the import is no second parse.
    if (on && !was) import('../stats/index').then(({ pruneStatsHistory }) => pruneStatsHistory(this.store, sampler)).catch((error: unknown) => this.options.onError?.(error));
  }
}
