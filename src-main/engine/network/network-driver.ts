// What puts a container's network namespace on a network, behind one interface:
// container-network.ts asks for a driver and calls attach/detach, never a network
// directly. Three drivers: the root engine's bridge (attach.ts) and the rootless engine's
// slirp4netns (slirp-driver.ts) and pasta (pasta-driver.ts).
import { type AttachInput, type Attachment, attach, detach } from './attach';
import type { NetworkConfig } from './network-config';
import type { NetworkMode } from './network-files';
import { pastaDriver } from './pasta-driver';
import { slirpDriver } from './slirp-driver';

/** The modes whose namespace is one of the engine's own, connected by a driver. */
export type DrivenMode = Extract<NetworkMode, 'bridge' | 'slirp4netns' | 'pasta'>;

export interface DetachInput {
  owner: string;
  netnsFile: string;
  /** False when nothing was published: the firewall is not touched. */
  ports: boolean;
}

export interface NetworkDriver {
  /** A namespace bound on `input.netnsFile`, connected, its ports published. */
  attach(input: AttachInput): Promise<Attachment>;
  /** Undoes attach; safe to repeat, and after a crash. */
  detach(input: DetachInput): Promise<void>;
}

export function bridgeDriver(config: NetworkConfig): NetworkDriver {
  return {
    attach: (input) => attach(config, input),
    detach: (input) => detach(config, input),
  };
}

/** The driver of a mode that connects the namespace. */
export function networkDriver(config: NetworkConfig, mode: DrivenMode): NetworkDriver {
  if (mode === 'slirp4netns') return slirpDriver();
  if (mode === 'pasta') return pastaDriver();
  return bridgeDriver(config);
}

/** Whether the mode's namespace is one of the engine's own, connected by a driver (not the runtime's, not the host's). */
export function isDriven(mode: NetworkMode): mode is DrivenMode {
  return mode === 'bridge' || mode === 'slirp4netns' || mode === 'pasta';
}
