// /etc/hosts, /etc/hostname and /etc/resolv.conf as a container sees them: files of its
// own, bind-mounted over the image's (Docker's way), so a container's name resolves to
// its address and its DNS servers are ones it can reach.
import type { NetworkMode } from '@shared/network-modes';
import fs from 'node:fs';
import { SLIRP_NETWORK } from './slirp4netns';

export type { NetworkMode };

export const NETWORK_FILES = ['/etc/hosts', '/etc/hostname', '/etc/resolv.conf'] as const;

/** Docker's fallback when the host has only servers on its own loopback, unreachable from a container. */
const FALLBACK_NAMESERVERS = ['8.8.8.8', '8.8.4.4'];

export function hostsFile(hostname: string, address: string | undefined): string {
  return [
    '127.0.0.1\tlocalhost',
    '::1\tlocalhost ip6-localhost ip6-loopback',
    `${address ?? '127.0.1.1'}\t${hostname}`,
    '',
  ].join('\n');
}

/** The host's resolv.conf (readHostResolvConf's text), minus what the mode cannot reach. */
export function resolvConf(mode: NetworkMode, hostText: string): string {
  if (mode === 'host') return hostText;
  if (mode === 'none') return '';
  // slirp4netns answers DNS at 10.0.2.3 with the host's servers, loopback ones included
  if (mode === 'slirp4netns') return `${[...hostText.split('\n').filter((line) => /^\s*(search|domain|options)\s/.test(line)), `nameserver ${SLIRP_NETWORK.dns}`].join('\n')}\n`;
  // The bridge and pasta: the host's servers, asked directly through the NAT. Not a loopback
  // one: the container's 127.0.0.1 is its own, and pasta keeps the host's closed (its
  // --dns-forward would not help: UDP only, and with --no-map-gw it skips loopback servers too).
  const lines = hostText.split('\n').filter((line) => line.trim() !== '' && !/^\s*nameserver\s+(127\.|::1\b)/.test(line));
  if (!lines.some((line) => /^\s*nameserver\s/.test(line))) lines.push(...FALLBACK_NAMESERVERS.map((server) => `nameserver ${server}`));
  return `${lines.join('\n').trimEnd()}\n`;
}

export async function readHostResolvConf(): Promise<string> {
  try {
    return await fs.promises.readFile('/etc/resolv.conf', 'utf8');
  } catch {
    return '';
  }
}
