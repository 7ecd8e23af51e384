// The network modes as the window names them: one place for the run and build dialogs.
// Which modes an engine offers, its default first, comes from its capabilities
// (system.info): the root engine's bridge, the rootless engine's slirp4netns and pasta
// (those installed), and host and none on both. Which of them publish ports is the
// engine's rule (@shared/network-modes), re-exported here for the dialogs.
import type { NetworkMode } from '@shared/api/types/containers';

export { publishesPorts } from '@shared/network-modes';

export const NETWORK_LABELS: Record<NetworkMode, string> = {
  bridge: 'Bridge (own address, NAT to the outside)',
  slirp4netns: 'slirp4netns (user-mode NAT to the outside)',
  pasta: 'pasta (user-mode NAT to the outside, by passt)',
  host: "Host (the host's own network)",
  none: 'None (loopback only)',
};

/** Until the engine has said: the root engine's. */
export const ROOT_NETWORKS: readonly NetworkMode[] = ['bridge', 'host', 'none'];
