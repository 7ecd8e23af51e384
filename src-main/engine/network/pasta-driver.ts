// The rootless engine's other network, `pasta` (podman's name for it): the engine makes the
// container's namespace with only `lo` (as for slirp4netns), starts pasta on it with the
// published ports on its command line (pasta.ts: eth0 10.0.2.100/24 via 10.0.2.2, outbound
// NAT through the host's own sockets, the host's loopback closed). Nothing of the host is
// changed: no bridge, no veth, no firewall rule.
import { type AttachInput, type Attachment, bindable } from './attach';
import type { DetachInput, NetworkDriver } from './network-driver';
import { PASTA_NETWORK, startPasta } from './pasta';
import { userModeProgram } from './user-mode-networks';
import { chooseHostPorts, makeNamespace, removeNamespace } from './user-mode-netns';
import type { PortSpec } from '@shared/ports';
import { isStrataError } from '@shared/errors';

export function pastaDriver(): NetworkDriver {
  return { attach: attachPasta, detach: detachPasta };
}

async function attachPasta(input: AttachInput): Promise<Attachment> {
  const { owner, netnsFile } = input;
  try {
    // Both first: a missing pasta, or a port another program (or container's helper)
    // holds, fails before anything is made.
    const binary = userModeProgram('pasta');
    const ports = await chooseHostPorts(input.ports ?? []);
    await makeNamespace(owner, netnsFile);
    try {
      await startPasta(binary, netnsFile, ports);
    } catch (error) {
      throw (await takenSince(ports)) ?? error;
    }
    return { address: PASTA_NETWORK.address, gateway: PASTA_NETWORK.gateway, prefix: PASTA_NETWORK.prefix, ports };
  } catch (error) {
    await removeNamespace(netnsFile).catch(() => undefined);
    throw error;
  }
}

/** The namespace's helper first (its ports go with it), then the namespace. */
async function detachPasta(input: DetachInput): Promise<void> {
  await removeNamespace(input.netnsFile);
}

/**
 * Why pasta could not bind a port, when that is why it would not start: a host program took
 * one between its choice and pasta's bind. Asked of the port itself, as the choice was, not
 * read from pasta's words: CONFLICT as a port found taken at the choice is.
 */
async function takenSince(ports: readonly PortSpec[]): Promise<Error | undefined> {
  for (const port of ports) {
    try {
      await bindable(port);
    } catch (error) {
      if (isStrataError(error, 'CONFLICT')) return error;
    }
  }
  return undefined;
}
