// A container's network, as its bundle holds it: the namespace file (bridge mode), the
// hosts/hostname/resolv.conf files bind-mounted over the image's, and what the runtime
// config needs to know. Containers and build steps both go through here.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { VolumeSpec } from '../containers/options';
import { enginePrivilege } from '../rootless/privilege';
import { StrataError } from '@shared/errors';
import type { Attachment } from './attach';
import { networkDriver } from './network-driver';
import type { NetworkConfig } from './network-config';
import { NETWORK_FILES, type NetworkMode, hostsFile, readHostResolvConf, resolvConf } from './network-files';
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
  /** For the runtime config: a new namespace (none), this one (bridge), or the host's (host: no entry). */
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
 * engine, root only in its own user namespace, cannot make it. `none` and `host` need
 * nothing of the host. (Rootless networking through slirp4netns or pasta comes later.)
 */
export const NO_BRIDGE_REASON = "the rootless engine has no bridge network (it needs the host's root)";

export function checkNetworkMode(mode: NetworkMode): void {
  if (mode === 'bridge' && enginePrivilege() === 'rootless') {
    throw new StrataError('UNSUPPORTED', `${NO_BRIDGE_REASON}: use --network none (loopback only) or --network host, or the system engine`);
  }
}

export async function setUpNetwork(config: NetworkConfig, request: NetworkRequest): Promise<NetworkSetup> {
  checkNetworkMode(request.mode);
  const netnsFile = path.join(request.bundleDir, NETNS_FILE);
  const attachment = request.mode === 'bridge' ? await networkDriver(config).attach({ owner: request.owner, netnsFile, ports: request.ports }) : undefined;
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
    const namespace = request.mode === 'host' ? undefined : request.mode === 'bridge' ? { type: 'network' as const, path: netnsFile } : { type: 'network' as const };
    return { namespace, mounts, attachment };
  } catch (error) {
    await tearDownNetwork(config, request).catch(() => undefined);
    throw error;
  }
}

/** Undoes setUpNetwork; safe to repeat, and after a crash. */
export async function tearDownNetwork(config: NetworkConfig, request: Pick<NetworkRequest, 'mode' | 'owner' | 'bundleDir' | 'ports'>): Promise<void> {
  if (request.mode !== 'bridge') return;
  await networkDriver(config).detach({ owner: request.owner, netnsFile: path.join(request.bundleDir, NETNS_FILE), ports: (request.ports?.length ?? 0) > 0 });
}

async function readOr(file: string, fallback: string): Promise<string> {
  try {
    return await fs.promises.readFile(file, 'utf8');
  } catch {
    return fallback;
  }
}
