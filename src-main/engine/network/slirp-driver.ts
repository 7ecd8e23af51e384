// The rootless engine's network, `slirp4netns` (podman's name for it): the engine — uid 0
// of its user namespace, so it may make a network namespace (the addon's, as the bridge
// does) — makes the container's namespace with only `lo`, starts slirp4netns on it
// (tap0 with 10.0.2.100/24, the route via 10.0.2.2, DNS at 10.0.2.3: outbound NAT through
// the host's own sockets), and publishes ports through its API socket. Nothing of the
// host is changed: no bridge, no veth, no firewall rule.
import fs from 'node:fs';
import path from 'node:path';
import { RUNTIME_DIR_ENV } from '../rootless/rootless-paths';
import type { AttachInput, Attachment } from './attach';
import type { DetachInput, NetworkDriver } from './network-driver';
import { addHostForward } from './slirp-api';
import { SLIRP_NETWORK, startSlirp } from './slirp4netns';
import { userModeProgram } from './user-mode-networks';
import { chooseHostPorts, makeNamespace, removeNamespace } from './user-mode-netns';
import { StrataError } from '@shared/errors';

/** A unix socket's path is at most 107 bytes (sun_path, NUL-terminated). */
const SOCKET_PATH_MAX = 107;

/**
 * The API sockets' directory: the engine's runtime directory, under a short name (a bundle
 * under the user's data home with a 64-hex id is far too deep for a socket's path).
 */
function socketDir(): string {
  const base = process.env[RUNTIME_DIR_ENV];
  if (!base) throw new StrataError('INTERNAL', `network: slirp4netns needs the engine's runtime directory (${RUNTIME_DIR_ENV})`);
  return path.join(base, 'slirp');
}

/** The owner's API socket: its id's first 16 characters (64 bits of it) keep the path short. */
function apiSocketPath(dir: string, owner: string): string {
  const file = path.join(dir, `${owner.slice(0, 16)}.sock`);
  if (Buffer.byteLength(file) > SOCKET_PATH_MAX) {
    throw new StrataError('UNSUPPORTED', `network: slirp4netns's API socket ${file} would pass the ${SOCKET_PATH_MAX} bytes a unix socket's path may have: use a shorter XDG_RUNTIME_DIR`);
  }
  return file;
}

export function slirpDriver(): NetworkDriver {
  return { attach: attachSlirp, detach: detachSlirp };
}

async function attachSlirp(input: AttachInput): Promise<Attachment> {
  const { owner, netnsFile } = input;
  try {
    // Both first: a missing slirp4netns, or a port another program (or container's
    // slirp4netns) holds, fails before anything is made.
    const binary = userModeProgram('slirp4netns');
    const ports = await chooseHostPorts(input.ports ?? []);
    await makeNamespace(owner, netnsFile);
    const dir = socketDir();
    const apiSocket = apiSocketPath(dir, owner);
    await fs.promises.mkdir(dir, { recursive: true, mode: 0o700 });
    const slirp = await startSlirp(binary, netnsFile, apiSocket);
    for (const port of ports) await addHostForward(slirp.apiSocket, port);
    return { address: SLIRP_NETWORK.address, gateway: SLIRP_NETWORK.gateway, prefix: SLIRP_NETWORK.prefix, ports };
  } catch (error) {
    await detachSlirp({ owner, netnsFile, ports: true }).catch(() => undefined);
    throw error;
  }
}

/** slirp4netns first (its ports go with it), then the namespace (removeNamespace ends whichever helper is recorded). */
async function detachSlirp(input: DetachInput): Promise<void> {
  await removeNamespace(input.netnsFile);
}
