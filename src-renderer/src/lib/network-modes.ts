// The network modes as the window names them, and which of them publish ports: one place
// for the run and build dialogs. Which modes an engine offers, its default first, comes
// from its capabilities (system.info): the root engine's bridge, the rootless engine's
// slirp4netns, and host and none on both.
import type { NetworkMode } from '@shared/api/types/containers';

export const NETWORK_LABELS: Record<NetworkMode, string> = {
  bridge: 'Bridge (own address, NAT to the outside)',
  slirp4netns: 'slirp4netns (user-mode NAT to the outside)',
  host: "Host (the host's own network)",
  none: 'None (loopback only)',
};

/** Until the engine has said: the root engine's. */
export const ROOT_NETWORKS: readonly NetworkMode[] = ['bridge', 'host', 'none'];

/** Whether a container on this network can have published ports (-p). */
export function publishesPorts(mode: NetworkMode): boolean {
  return mode === 'bridge' || mode === 'slirp4netns';
}
