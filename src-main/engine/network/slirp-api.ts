// slirp4netns's API socket (its --api-socket): one JSON request a connection, one JSON
// answer, then slirp4netns closes it. Published ports are `add_hostfwd` requests: slirp4netns
// binds the host port itself, in the host's network namespace, and forwards what arrives
// to the container's address — no root, no firewall rule.
import net from 'node:net';
import { StrataError } from '@shared/errors';
import type { PortSpec } from '@shared/ports';

interface Answer {
  return?: Record<string, unknown>;
  error?: { desc?: string };
}

function request(socket: string, body: object): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const client = net.createConnection(socket, () => client.end(JSON.stringify(body)));
    client.on('data', (chunk) => chunks.push(chunk));
    client.once('error', (error) => reject(new StrataError('INTERNAL', `network: slirp4netns API ${socket}: ${error.message}`, { cause: error })));
    client.once('close', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Answer);
      } catch {
        reject(new StrataError('INTERNAL', `network: slirp4netns API ${socket}: no answer to ${JSON.stringify(body)}`));
      }
    });
  });
}

/** Forwards `hostIp:hostPort` on the host to the container's port (the host port chosen already). */
export async function addHostForward(socket: string, port: PortSpec): Promise<void> {
  const answer = await request(socket, {
    execute: 'add_hostfwd',
    arguments: { proto: port.protocol, host_addr: port.hostIp, host_port: port.hostPort, guest_port: port.containerPort },
  });
  if (answer.error || !answer.return) {
    const reason = answer.error?.desc ?? 'no result';
    // slirp4netns could not bind it: taken since it was chosen, or not the host's
    throw new StrataError('CONFLICT', `network: publish ${port.hostIp}:${port.hostPort}/${port.protocol}: slirp4netns: ${reason}`);
  }
}
