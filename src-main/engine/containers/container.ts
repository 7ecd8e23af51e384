// A container as the engine records it: containers/<id>/container.json. The record says
// what the user asked for; the status is what was last observed (see observe-state.ts).
import type { ContainerState, ContainerRecord, NetworkState, StopRequest } from '@shared/api/types/containers';
import type { ContainerStatus } from '@shared/container-lifecycle';

export type { ContainerStatus };

/** Statuses in which the container's processes exist. */
export function isLive(status: ContainerStatus): boolean {
  return status === 'running' || status === 'paused';
}

/** Its shim keeps a pipe to its stdin (`-i` without `-t`); without `-i` its stdin is /dev/null, with `-t` the terminal. */
export function hasStdinPipe(record: Pick<ContainerRecord, 'options'>): boolean {
  return record.options.interactive === true && record.options.tty !== true;
}

/** Its shim serves an attach socket: for its terminal (`-t`), or for its stdin pipe (`-i` alone). */
export function hasAttachSocket(record: Pick<ContainerRecord, 'options'>): boolean {
  return record.options.tty === true || record.options.interactive === true;
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
  lock: 'lock', // the container's writer lock (container-lock.ts)
} as const;

/** Wire types, declared once in src-shared. */
export type { ContainerState, ContainerRecord, NetworkState, StopRequest };
