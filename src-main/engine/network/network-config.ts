// Which bridge and subnet containers on the default network share. One host, one bridge:
// every store on the machine (the window's, the CLI's, a test's) allocates from it, so the
// addresses are kept host-wide (ipam.ts), not in a store.
import { parseIPv4 } from '@shared/ports';
import { StrataError } from '@shared/errors';

export interface NetworkConfig {
  /** The Linux bridge, at most 15 characters (IFNAMSIZ). */
  bridge: string;
  /** IPv4 network address, as a number. */
  network: number;
  /** Prefix length, 16 to 28. */
  prefix: number;
}

export const DEFAULT_BRIDGE = 'strata0';
/** Away from Docker's 172.17/16 and Podman's 10.88/16 and 10.89.x/24 networks. */
export const DEFAULT_SUBNET = '10.86.0.0/24';

/** The default network, or the one STRATA_BRIDGE / STRATA_SUBNET name (tests use their own). */
export function networkConfig(env: NodeJS.ProcessEnv = process.env): NetworkConfig {
  return parseNetworkConfig(env.STRATA_BRIDGE || DEFAULT_BRIDGE, env.STRATA_SUBNET || DEFAULT_SUBNET);
}

export function parseNetworkConfig(bridge: string, subnet: string): NetworkConfig {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,14}$/.test(bridge)) {
    throw new StrataError('INVALID_ARGUMENT', `bridge name ${JSON.stringify(bridge)}: 1 to 15 letters, digits, '.', '_' or '-'`);
  }
  const match = /^(\d+\.\d+\.\d+\.\d+)\/(\d+)$/.exec(subnet);
  const address = match ? parseIPv4(match[1]!) : undefined;
  const prefix = match ? Number(match[2]) : NaN;
  if (address === undefined || !(prefix >= 16 && prefix <= 28)) {
    throw new StrataError('INVALID_ARGUMENT', `subnet ${JSON.stringify(subnet)}: expected an IPv4 network such as ${DEFAULT_SUBNET} (prefix 16 to 28)`);
  }
  const network = (address & prefixMask(prefix)) >>> 0;
  if (network !== address) throw new StrataError('INVALID_ARGUMENT', `subnet ${subnet}: host bits are set (the network is ${formatIPv4(network)}/${prefix})`);
  return { bridge, network, prefix };
}

export function prefixMask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/** The bridge's own address: the first of the subnet. */
export function gatewayOf(config: NetworkConfig): number {
  return config.network + 1;
}

/** Addresses containers may get: after the gateway, before the broadcast address. */
export function hostRange(config: NetworkConfig): { first: number; last: number } {
  return { first: config.network + 2, last: config.network + 2 ** (32 - config.prefix) - 2 };
}

export function subnetText(config: NetworkConfig): string {
  return `${formatIPv4(config.network)}/${config.prefix}`;
}

export { parseIPv4 };

export function formatIPv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => (value >>> shift) & 255).join('.');
}
