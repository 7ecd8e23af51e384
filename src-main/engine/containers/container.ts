// A container as the engine records it: containers/<id>/container.json. The record says
// what the user asked for; the status is what was last observed (see observe-state.ts).
import type { PortSpec } from '../network/port-spec';
import type { ContainerStatus } from '@shared/container-lifecycle';
import type { ContainerOptions } from './options';

export type { ContainerStatus };

/** Statuses in which the container's processes exist. */
export function isLive(status: ContainerStatus): boolean {
  return status === 'running' || status === 'paused';
}

export interface ContainerState {
  status: ContainerStatus;
  pid?: number;
  /** /proc/<pid>/stat start time when started: tells our process from a reused pid. */
  pidStartTime?: string;
  shimPid?: number;
  shimStartTime?: string;
  startedAt?: string;
  finishedAt?: string;
  exitCode?: number;
  signal?: number | null;
  oomKilled?: boolean;
  /** Times the restart policy has started it again since the user last started it. */
  restartCount?: number;
  /** The wait before the next policy restart (doubles while it keeps failing fast). */
  backoffMs?: number;
  /** Stopped or killed by a user: no restart policy brings it back until they start it. */
  stoppedByUser?: boolean;
  /** While it runs on the bridge: its address and the host ports it was given. */
  network?: NetworkState;
  /**
   * Observed, never recorded: what an interrupted start left on the host (mounts, veth,
   * the runtime's container) while the record says created or exited. The next start or
   * rm clears them (interrupted-start.ts).
   */
  leftovers?: string[];
}

export interface NetworkState {
  address: string;
  gateway: string;
  prefix: number;
  ports: PortSpec[];
}

export interface ContainerRecord {
  id: string; // 64 hex
  name: string;
  created: string;
  image: { ref: string; id: string; manifestDigest: string };
  /** Chain ids of the image's layers, bottom first: the overlay's lower dirs. */
  layers: string[];
  options: ContainerOptions;
  /** The image's VOLUMEs the user did not mount over: anonymous volumes (anonymous-volumes.ts). */
  imageVolumes?: string[];
  /** The image's EXPOSE'd ports, `80/tcp`: recorded; `-p` publishes them. */
  exposedPorts?: string[];
  state: ContainerState;
}

export const CONTAINER_FILES = {
  record: 'container.json',
  config: 'config.json', // the OCI runtime spec: this directory is the bundle
  init: 'init', // mount points the image lacks (init-layer.ts), below the container's own layer
  upper: 'upper',
  volumes: 'volumes', // anonymous volumes for the image's VOLUMEs
  work: 'work',
  rootfs: 'rootfs',
  log: 'log.jsonl',
  exit: 'exit.json', // written by the shim when the container's init exits
} as const;
