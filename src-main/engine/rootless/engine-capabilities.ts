// What this engine can and cannot do, and why, as `system.info` carries it to every front
// end: decided here once, from the two modules that already rule on it — the privilege
// (privilege.ts) and the cgroup access (cgroup-access.ts, whose reason is the one the
// engine's own refusals give), with the network code's reason for the bridge. The window disables what this says it cannot do and shows
// the same reason, so what it shows and what the engine refuses cannot drift apart.
import type { NetworkMode, UserModeNetwork } from '@shared/network-modes';
import type { Capability, EngineCapabilities } from '@shared/api/types/system';
import { NO_BRIDGE_REASON } from '../network/default-network';
import { installedUserModeNetworks } from '../network/user-mode-networks';
import { type CgroupAccess, engineCgroupAccess } from './cgroup-access';
import { type Privilege, enginePrivilege } from './privilege';

/** Why the unprivileged engine runs no container (the window's notice says what to do about it). */
export const NO_CONTAINERS_REASON = 'this engine runs as a normal user outside any user namespace: images and layers only (containers need the system engine or the rootless one)';

/**
 * The network modes each privilege offers, the default first. The bridge is the host's
 * (a bridge device, veth pairs, iptables NAT): only root makes it. The rootless engine
 * offers the user-mode networks that are installed (`userModes`, in the default's order:
 * slirp4netns, then pasta; the network code refuses a missing one, naming its package);
 * `checkNetworkMode` refuses the rest with its own words.
 */
export function offeredNetworks(privilege: Privilege, userModes: readonly UserModeNetwork[]): NetworkMode[] {
  if (privilege === 'root') return ['bridge', 'host', 'none'];
  if (privilege === 'rootless') return userModes.length ? [...userModes, 'host', 'none'] : ['none', 'host'];
  return [];
}

const YES: Capability = { ok: true };

/** The decision, from what was read (pure: tested for every privilege and access). */
export function capabilitiesFrom(privilege: Privilege, access: CgroupAccess, hostUser: EngineCapabilities['hostUser'], userModes: readonly UserModeNetwork[] = []): EngineCapabilities {
  if (privilege === 'unprivileged') {
    const no: Capability = { ok: false, reason: NO_CONTAINERS_REASON };
    return { containers: no, limits: no, pause: no, networks: [], bridge: no, statsSource: 'proc', hostUser };
  }
  const cgroup: Capability = access.kind === 'none' ? { ok: false, reason: access.reason } : YES;
  const networks = offeredNetworks(privilege, userModes);
  return {
    containers: YES,
    // A delegated subtree may hand down only some controllers: the engine refuses a limit
    // whose controller is missing when it is asked (checkLimitsAllowed), naming it.
    limits: cgroup,
    pause: cgroup,
    networks,
    bridge: networks.includes('bridge') ? YES : { ok: false, reason: NO_BRIDGE_REASON },
    statsSource: access.kind === 'none' ? 'proc' : 'cgroup',
    hostUser,
  };
}

/** This engine's capabilities; `hostUser` is who it acts as on the host (the caller reads the uid map and passwd). */
export async function engineCapabilities(hostUser: EngineCapabilities['hostUser']): Promise<EngineCapabilities> {
  const privilege = enginePrivilege();
  return capabilitiesFrom(privilege, await engineCgroupAccess(), hostUser, privilege === 'rootless' ? installedUserModeNetworks() : []);
}
