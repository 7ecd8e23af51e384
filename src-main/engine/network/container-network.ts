// A container's network, as its bundle holds it: the namespace file (bridge, slirp4netns, pasta), the
// hosts/hostname/resolv.conf files bind-mounted over the image's, and what the runtime
// config needs to know. Containers and build steps both go through here.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { VolumeSpec } from '../containers/options';
import { enginePrivilege } from '../rootless/privilege';
import { StrataError } from '@shared/errors';
import type { Attachment } from './attach';
import { isDriven, networkDriver } from './network-driver';
import type { NetworkConfig } from './network-config';
import { NETWORK_FILES, type NetworkMode, hostsFile, readHostResolvConf, resolvConf } from './network-files';
import { installedUserModeNetworks, userModeProgram } from './user-mode-networks';
import { NO_BRIDGE_REASON } from './default-network';
import type { PortSpec } from '@shared/ports';

export const NETNS_FILE = 'netns';

export interface NetworkRequest {
  mode: NetworkMode;
  /** Container or build step id (64 hex). */
  owner: string;
  /** The bundle directory: the namespace and the network files live there. */
  bundleDir: string;
  hostname: string;
  ports?: readonly PortSpec[];
}

export interface NetworkSetup {
  /** For the runtime config: a new namespace (none), this one (bridge, slirp4netns, pasta), or the host's (host: no entry). */
  namespace?: { type: 'network'; path?: string };
  /** Bind mounts of the network files, to add after the user's volumes. */
  mounts: VolumeSpec[];
  attachment?: Attachment;
}

/** Docker's default hostname under --network host is the host's own. */
export function defaultHostname(mode: NetworkMode, id: string): string {
  return mode === 'host' ? os.hostname() : id.slice(0, 12);
}

/**
 * The bridge is the host's (a bridge device, veth pairs, iptables NAT): the rootless
 * engine, root only in its own user namespace, cannot make it, and `bridge` is refused
 * there rather than quietly mean a user-mode network (they differ: no container-to-container
 * traffic, other addresses). slirp4netns and pasta are the rootless engine's alone: the
 * system engine has the bridge, whose published ports its firewall rules keep track of
 * (one pasta published outside them would not be), and pasta started by the host's root
 * switches to `nobody`; a missing program is UNSUPPORTED naming its Debian package.
 * `none` and `host` need nothing of the host.
 */
export function checkNetworkMode(mode: NetworkMode): void {
  const rootless = enginePrivilege() === 'rootless';
  if (mode === 'bridge' && rootless) {
    const installed = installedUserModeNetworks();
    const instead = installed.length
      ? `its default network is ${installed[0]} (outbound NAT, -p published through ${installed[0]})`
      : 'its networks are slirp4netns and pasta, once installed (Debian packages slirp4netns, passt)';
    throw new StrataError('UNSUPPORTED', `${NO_BRIDGE_REASON}: ${instead}; or use --network none (loopback only) or --network host, or the system engine`);
  }
  if ((mode === 'slirp4netns' || mode === 'pasta') && !rootless) {
    throw new StrataError('UNSUPPORTED', `${mode} is the rootless engine's network: the system engine uses the bridge (the default)`);
  }
  if (mode === 'slirp4netns' || mode === 'pasta') userModeProgram(mode); // not installed: refused at create, before a container exists
}

export async function setUpNetwork(config: NetworkConfig, request: NetworkRequest): Promise<NetworkSetup> {
  checkNetworkMode(request.mode);
  const netnsFile = path.join(request.bundleDir, NETNS_FILE);
  const attachment = isDriven(request.mode) ? await networkDriver(config, request.mode).attach({ owner: request.owner, netnsFile, ports: request.ports }) : undefined;
  try {
    const contents: Record<(typeof NETWORK_FILES)[number], string> = {
      '/etc/hosts': request.mode === 'host' ? await readOr('/etc/hosts', hostsFile(request.hostname, undefined)) : hostsFile(request.hostname, attachment?.address),
      '/etc/hostname': `${request.hostname}\n`,
      '/etc/resolv.conf': resolvConf(request.mode, await readHostResolvConf()),
    };
    const mounts = await Promise.all(
      NETWORK_FILES.map(async (destination) => {
        const source = path.join(request.bundleDir, path.basename(destination));
        await fs.promises.writeFile(source, contents[destination], { mode: 0o644 });
        return { source, destination, readonly: false };
      }),
    );
    const namespace = request.mode === 'host' ? undefined : isDriven(request.mode) ? { type: 'network' as const, path: netnsFile } : { type: 'network' as const };
    return { namespace, mounts, attachment };
  } catch (error) {
    await tearDownNetwork(config, request).catch(() => undefined);
    throw error;
  }
}

/** Undoes setUpNetwork; safe to repeat, and after a crash. */
export async function tearDownNetwork(config: NetworkConfig, request: Pick<NetworkRequest, 'mode' | 'owner' | 'bundleDir' | 'ports'>): Promise<void> {
  if (!isDriven(request.mode)) return;
  await networkDriver(config, request.mode).detach({ owner: request.owner, netnsFile: path.join(request.bundleDir, NETNS_FILE), ports: (request.ports?.length ?? 0) > 0 });
}

async function readOr(file: string, fallback: string): Promise<string> {
  try {
    return await fs.promises.readFile(file, 'utf8');
  } catch {
    return fallback;
  }
}
