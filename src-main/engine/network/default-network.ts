// The network a container gets when it names none, which networks run a process of their
// own, and why the rootless engine has no bridge. Apart from container-network.ts (setting
// networks up and down: the bridge, the firewall, the user-mode drivers) so that reading
// and settling records, and telling what the engine offers, load none of it.
import type { NetworkMode } from '@shared/network-modes';
import { enginePrivilege } from '../rootless/privilege';
import { defaultUserModeNetwork } from './user-mode-networks';

/**
 * The network a container gets without --network: the bridge for the root engine; for the
 * rootless one, which cannot make the bridge, slirp4netns where it is installed, else pasta
 * (user-mode-networks.ts; with neither, slirp4netns, which checkNetworkMode refuses naming
 * both packages). The rootless engine records it in the container's options, so a start
 * later uses the same one whatever is installed then.
 */
export function defaultNetworkMode(): NetworkMode {
  return enginePrivilege() === 'rootless' ? defaultUserModeNetwork() : 'bridge';
}

/** Whether the mode's network runs a process of its own (slirp4netns, pasta) that must end with the container. */
export function hasNetworkHelper(mode: NetworkMode): boolean {
  return mode === 'slirp4netns' || mode === 'pasta';
}

/** Why the rootless engine offers no bridge (checkNetworkMode in container-network.ts says the rest). */
export const NO_BRIDGE_REASON = "the rootless engine has no bridge network (it needs the host's root)";
