// The rootless engine's network, `slirp4netns` (podman's name for it): the engine — uid 0
// of its user namespace, so it may make a network namespace (the addon's, as the bridge
// does) — makes the container's namespace with only `lo`, starts slirp4netns on it
// (tap0 with 10.0.2.100/24, the route via 10.0.2.2, DNS at 10.0.2.3: outbound NAT through
// the host's own sockets), and publishes ports through its API socket. Nothing of the
// host is changed: no bridge, no veth, no firewall rule.
import fs from 'node:fs';
import path from 'node:path';
import { MNT_DETACH, createNetns, umount } from '../../../native/lib/index';
import { isMountedAsync } from '../containers/rootfs';
import { RUNTIME_DIR_ENV } from '../rootless/rootless-paths';
import { type AttachInput, type Attachment, bindable } from './attach';
import { netlinkStep } from './host-command';
import type { DetachInput, NetworkDriver } from './network-driver';
import { addHostForward } from './slirp-api';
import { SLIRP_NETWORK, findSlirp, startSlirp, stopSlirp } from './slirp4netns';
import type { PortSpec } from '@shared/ports';
import { StrataError } from '@shared/errors';

/**
 * The API sockets' directory: the engine's runtime directory (a unix socket's path is
 * at most 107 bytes; a bundle under the user's data home with a 64-hex id is too deep).
 */
function socketDir(): string {
  const base = process.env[RUNTIME_DIR_ENV];
  if (!base) throw new StrataError('INTERNAL', `network: slirp4netns needs the engine's runtime directory (${RUNTIME_DIR_ENV})`);
  return path.join(base, 'slirp4netns');
}

export function slirpDriver(): NetworkDriver {
  return { attach: attachSlirp, detach: detachSlirp };
}

async function attachSlirp(input: AttachInput): Promise<Attachment> {
  const { owner, netnsFile } = input;
  try {
    // Both first: a missing slirp4netns, or a port another program (or container's
    // slirp4netns) holds, fails before anything is made.
    const binary = findSlirp();
    const ports = await choosePorts(input.ports ?? []);
    if (await isMountedAsync(netnsFile)) umount(netnsFile, MNT_DETACH); // an interrupted attach's
    await netlinkStep(`make the network namespace of ${owner.slice(0, 12)}`, () => createNetns(netnsFile));
    const dir = socketDir();
    await fs.promises.mkdir(dir, { recursive: true, mode: 0o700 });
    const slirp = await startSlirp(binary, netnsFile, path.join(dir, `${owner.slice(0, 32)}.sock`));
    for (const port of ports) await addHostForward(slirp.apiSocket, port);
    return { address: SLIRP_NETWORK.address, gateway: SLIRP_NETWORK.gateway, prefix: SLIRP_NETWORK.prefix, ports };
  } catch (error) {
    await detachSlirp({ owner, netnsFile, ports: true }).catch(() => undefined);
    throw error;
  }
}

/** slirp4netns first (its ports go with it), then the namespace. */
async function detachSlirp(input: DetachInput): Promise<void> {
  await stopSlirp(input.netnsFile);
  if (await isMountedAsync(input.netnsFile)) umount(input.netnsFile, MNT_DETACH);
  await fs.promises.rm(input.netnsFile, { force: true });
}

/**
 * Host ports for the specs: each must be free on the host (another container's is held by
 * its slirp4netns, so it shows as taken), 0 gets a free one. slirp4netns binds them a moment later.
 */
async function choosePorts(specs: readonly PortSpec[]): Promise<PortSpec[]> {
  const chosen: PortSpec[] = [];
  for (const spec of specs) {
    if (spec.hostPort !== 0 && chosen.some((port) => port.protocol === spec.protocol && port.hostPort === spec.hostPort)) {
      throw new StrataError('CONFLICT', `port ${spec.hostPort}/${spec.protocol} is already published by this container`);
    }
    chosen.push({ ...spec, hostPort: await bindable(spec) });
  }
  return chosen;
}
