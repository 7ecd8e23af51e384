// Putting a container on the bridge, before its init runs: a network namespace of its own,
// kept open by a bind mount on a file of its bundle (the runtime joins it by path, as it
// would a CNI-made one), a veth pair with `eth0` inside, an address, a default route, and
// DNAT rules for its published ports. The namespace, veth, address and route are one
// rtnetlink call of the addon (no `unshare`, `nsenter` or `ip` started); the port rules one
// `iptables-restore`. Detaching undoes each step and is safe to repeat: it runs after a
// crash as well as after a clean stop.
import dgram from 'node:dgram';
import fs from 'node:fs';
import net from 'node:net';
import { MNT_DETACH, attachVeth, deleteLink, umount } from '../../../native/lib/index';
import { StrataError } from '@shared/errors';
import { isMountedAsync } from '../containers/mount-points';
import { ensureBridge } from './bridge';
import { addPortRules, publishedRules, removePortRules } from './firewall';
import { netlinkStep } from './host-command';
import { allocateAddress, releaseAddresses } from './ipam';
import { type NetworkConfig, formatIPv4, gatewayOf, parseIPv4 } from './network-config';
import { withNetworkLock } from './network-lock';
import type { PortSpec } from '@shared/ports';
import { hostVethName } from './veth-name';

export interface Attachment {
  address: string;
  gateway: string;
  prefix: number;
  /** With the host ports chosen for those asked as 0. */
  ports: PortSpec[];
}

export interface AttachInput {
  /** The container's (or build step's) id: owns the address, the veth and the port rules. */
  owner: string;
  /** Where the namespace is kept: an empty file is made there. */
  netnsFile: string;
  ports?: readonly PortSpec[];
}

export async function attach(config: NetworkConfig, input: AttachInput): Promise<Attachment> {
  await ensureBridge(config);
  const { owner, netnsFile } = input;
  try {
    // Under the lock from the choice of ports to their rules: no other engine can take
    // the same host port in between. The rules may point at the address before it is up.
    const { ports, taken } = await withNetworkLock(config, async () => {
      const ports = await choosePorts(config, input.ports ?? []);
      const taken = await allocateAddress(config, owner);
      if (ports.length) await addPortRules(config, owner, taken, ports);
      return { ports, taken };
    });
    const address = taken;
    // A namespace an interrupted attach left bound here: an nsfs file cannot be written.
    if (await isMountedAsync(netnsFile)) umount(netnsFile, MNT_DETACH);
    const veth = hostVethName(owner);
    await removeVeth(veth); // one an earlier run left, if the kernel has not removed it yet
    const gateway = formatIPv4(gatewayOf(config));
    await netlinkStep(`attach ${veth} to ${config.bridge}`, () =>
      attachVeth({ netnsFile, hostVeth: veth, peer: 'eth0', bridge: config.bridge, address: parseIPv4(address)!, prefix: config.prefix, gateway: gatewayOf(config) }),
    );
    return { address, gateway, prefix: config.prefix, ports };
  } catch (error) {
    await detach(config, { owner, netnsFile, ports: true }).catch(() => undefined);
    throw error;
  }
}

/** Undoes attach; `ports: false` skips the firewall (nothing was published). */
export async function detach(config: NetworkConfig, input: { owner: string; netnsFile: string; ports: boolean }): Promise<void> {
  // The kernel would remove the pair with the namespace, but later, from a work queue: a
  // restart right after could not make its veth under the same name.
  await removeVeth(hostVethName(input.owner)).catch(() => undefined);
  // The namespace goes when nothing holds it any more.
  if (await isMountedAsync(input.netnsFile)) umount(input.netnsFile, MNT_DETACH);
  await fs.promises.rm(input.netnsFile, { force: true });
  await withNetworkLock(config, async () => {
    if (input.ports) await removePortRules(config, input.owner);
    await releaseAddresses(config, input.owner);
  });
}

/**
 * Removes the host end of a veth pair (its peer goes with it). Only a veth: a link of
 * another kind under the name is not ours, and attaching fails on it (CONFLICT) rather
 * than remove it.
 */
async function removeVeth(name: string): Promise<void> {
  await netlinkStep(`remove ${name}`, () => deleteLink(name, 'veth'));
}

/**
 * Host ports for the specs: one asked for must be free on the host and not published by
 * another container; 0 gets a free one from the kernel.
 */
async function choosePorts(config: NetworkConfig, specs: readonly PortSpec[]): Promise<PortSpec[]> {
  if (specs.length === 0) return [];
  const published = await publishedRules(config);
  const chosen: PortSpec[] = [];
  for (const spec of specs) {
    const clash = [...published, ...chosen.map((port) => ({ owner: 'this container', protocol: port.protocol, hostPort: port.hostPort }))].find(
      (rule) => rule.protocol === spec.protocol && rule.hostPort === spec.hostPort,
    );
    if (clash) throw new StrataError('CONFLICT', `port ${spec.hostPort}/${spec.protocol} is already published by ${clash.owner === 'this container' ? clash.owner : `container ${clash.owner}`}`);
    const hostPort = await bindable(spec);
    chosen.push({ ...spec, hostPort });
  }
  return chosen;
}

/** Binds the port for a moment: proves no host program has it (or picks one), then lets it go. */
export function bindable(spec: PortSpec): Promise<number> {
  const inUse = (error: NodeJS.ErrnoException) =>
    error.code === 'EADDRINUSE'
      ? new StrataError('CONFLICT', `port ${spec.hostPort}/${spec.protocol} on ${spec.hostIp} is in use by a program of the host`)
      : error.code === 'EADDRNOTAVAIL'
        ? new StrataError('INVALID_ARGUMENT', `the host has no address ${spec.hostIp} to publish on`)
        : error.code === 'EACCES'
          ? new StrataError('UNSUPPORTED', `port ${spec.hostPort}/${spec.protocol} is below the host's net.ipv4.ip_unprivileged_port_start: only the system engine (root) may publish it`)
          : error;
  return new Promise((resolve, reject) => {
    if (spec.protocol === 'udp') {
      const socket = dgram.createSocket('udp4');
      socket.once('error', (error) => reject(inUse(error)));
      socket.bind(spec.hostPort, spec.hostIp, () => {
        const { port } = socket.address();
        socket.close(() => resolve(port));
      });
      return;
    }
    const server = net.createServer();
    server.once('error', (error) => reject(inUse(error)));
    server.listen({ port: spec.hostPort, host: spec.hostIp, exclusive: true }, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
