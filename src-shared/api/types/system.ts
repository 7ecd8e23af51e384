// `system.info`: what the UI needs to know about the machine and the engine behind the API.
import type { NetworkMode } from './containers';
import type { StatsSource } from './stats';

/** Whether the engine can do a thing; when it cannot, why (the engine's own words, shown as they are). */
export type Capability = { ok: true } | { ok: false; reason: string };

/**
 * What this engine can and cannot do, decided once by the engine from its privilege and the
 * machine (src-main/engine/rootless/engine-capabilities.ts): the window disables what is
 * `ok: false` and shows the reason, and offers only the listed networks. Nothing here is
 * guessed by a front end.
 */
export interface EngineCapabilities {
  /** Creating and starting containers (false for the unprivileged in-process engine: images only). */
  containers: Capability;
  /** --memory, --cpus, --pids-limit… at run and live update. */
  limits: Capability;
  /** Pause and resume (the cgroup freezer). */
  pause: Capability;
  /** The network modes a container may ask for, the default first; empty when containers cannot run. */
  networks: NetworkMode[];
  /** The bridge network (and with it published ports); when it is not among `networks`, why. */
  bridge: Capability;
  /** Where the stats samples' numbers come from (StatsSample.source). */
  statsSource: StatsSource;
  /** The host user the engine acts as: root, or the user whose namespace the rootless engine runs in. */
  hostUser: { uid: number; name: string | null };
}

export interface SystemInfo {
  /** Strata's version (package.json). */
  version: string;
  /** Node's process.platform and process.arch of the engine's process. */
  platform: string;
  arch: string;
  /** The kernel release (uname -r). */
  kernel: string;
  /** The engine's store root directory. */
  storeRoot: string;
  /** The cgroup hierarchy this machine mounts; null when none is usable (stats and limits then fail). */
  cgroupVersion: 'v1' | 'v2' | null;
  /**
   * The engine runs as a normal user outside any user namespace of its own: images and
   * layers only (containers need the system engine or the rootless one). The rootless
   * engine is not this: it is `privilege: 'rootless'`.
   */
  rootless: boolean;
  /**
   * root: the host's root (the system engine, or in-process as root); rootless: uid 0 of
   * the user's own user namespace (no cgroup limits on cgroup v1, no bridge network);
   * unprivileged: a normal user, images only (as `rootless` above).
   */
  privilege: 'root' | 'rootless' | 'unprivileged';
  uid: number;
  /** CPUs and memory of the host: the ceilings for --cpus and --memory. */
  cpus: number;
  memoryBytes: number;
  /** This engine is its store's supervisor (acts on restart policies, writes stats history); false: another engine is, or none takes part. */
  storeSupervisor: boolean;
  /** What this engine can and cannot do, and why. */
  capabilities: EngineCapabilities;
  /** The pid the store's (last) supervisor wrote into `<root>/supervisor.lock`, for diagnostics; null if none did. May name a dead process. */
  storeSupervisorPid: number | null;
}
