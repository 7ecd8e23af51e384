// What puts a container's network namespace on a network, behind one interface so a
// second way can be added beside the bridge (the rootless engine's slirp4netns or pasta):
// container-network.ts asks for a driver and calls attach/detach, never the bridge
// directly. Today there is one driver, the root engine's bridge (attach.ts).
import { type AttachInput, type Attachment, attach, detach } from './attach';
import type { NetworkConfig } from './network-config';

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

/** The driver for the `bridge` network mode. */
export function networkDriver(config: NetworkConfig): NetworkDriver {
  return bridgeDriver(config);
}
