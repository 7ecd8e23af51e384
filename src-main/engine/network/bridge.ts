// The bridge containers attach to: made on first use (with its firewall chains, under the
// network lock), kept while the host runs, as docker0 is. Its address is the subnet's
// gateway; the host routes and masquerades for it.
import fs from 'node:fs';
import path from 'node:path';
import { StrataError } from '@shared/errors';
import { pathExists } from '../store/exists';
import { ensureFirewall, ensureLoopbackGuard, removeFirewall } from './firewall';
import { ipBatch, hostCommand } from './host-command';
import { addressDir } from './ipam';
import { type NetworkConfig, formatIPv4, gatewayOf, parseIPv4, prefixMask, subnetText } from './network-config';
import { networkLockFile, withNetworkLock } from './network-lock';

export function bridgeExists(config: NetworkConfig): Promise<boolean> {
  return pathExists(path.join('/sys/class/net', config.bridge, 'bridge'));
}

/** Bridges whose loopback guard this process has seen in place. */
const guarded = new Set<string>();

/** The bridge with its address, forwarding and firewall, made if missing. */
export async function ensureBridge(config: NetworkConfig): Promise<void> {
  if (await bridgeExists(config)) return ensureGuard(config);
  await withNetworkLock(config, async () => {
    if (await bridgeExists(config)) return;
    await refuseOverlap(config);
    await ipBatch(`create the bridge ${config.bridge}`, [
      `link add ${config.bridge} type bridge`,
      `addr add ${formatIPv4(gatewayOf(config))}/${config.prefix} dev ${config.bridge}`,
      `link set ${config.bridge} up`,
    ]);
    try {
      // The firewall first: it drops what route_localnet would let in (firewall.ts).
      await ensureFirewall(config);
      // A published port reached on 127.0.0.1 is DNAT'ed into the bridge with its loopback
      // source (masqueraded only after routing); the kernel refuses to route a loopback
      // source out of any other interface unless told otherwise.
      await fs.promises.writeFile(`/proc/sys/net/ipv4/conf/${config.bridge}/route_localnet`, '1');
      await enableForwarding();
      guarded.add(config.bridge);
    } catch (error) {
      await ipBatch(`remove the bridge ${config.bridge}`, [`link del ${config.bridge}`]).catch(() => undefined);
      throw error;
    }
  });
}

/**
 * A bridge made by a Strata without the loopback guard (it lives as long as the host
 * runs) gets it: checked once a process, one `iptables -C` when it is there.
 */
async function ensureGuard(config: NetworkConfig): Promise<void> {
  if (guarded.has(config.bridge)) return;
  await withNetworkLock(config, () => ensureLoopbackGuard(config));
  guarded.add(config.bridge);
}

/** Docker's requirement too: without forwarding no container reaches past the host. */
async function enableForwarding(): Promise<void> {
  const file = '/proc/sys/net/ipv4/ip_forward';
  if ((await fs.promises.readFile(file, 'utf8')).trim() !== '1') await fs.promises.writeFile(file, '1');
}

/** A subnet the host already routes elsewhere would make both unreachable: refuse it. */
async function refuseOverlap(config: NetworkConfig): Promise<void> {
  const routes = JSON.parse(await hostCommand('read the routes', 'ip', ['-j', '-4', 'route', 'show', 'table', 'all'])) as { dst?: string; dev?: string }[];
  for (const route of routes) {
    const [address, length] = (route.dst ?? '').split('/');
    const network = address === undefined ? undefined : parseIPv4(address);
    if (network === undefined || route.dev === config.bridge) continue;
    const prefix = Math.min(Number(length ?? 32), config.prefix);
    if (((network & prefixMask(prefix)) >>> 0) === ((config.network & prefixMask(prefix)) >>> 0) && Number(length ?? 32) > 0) {
      throw new StrataError(
        'CONFLICT',
        `network ${config.bridge}: the subnet ${subnetText(config)} overlaps ${route.dst} on ${route.dev ?? 'the host'}; choose another with STRATA_SUBNET`,
      );
    }
  }
}

/** Removes the bridge, its firewall chains and address files; refused while containers are attached. */
export async function removeBridge(config: NetworkConfig): Promise<void> {
  await withNetworkLock(config, async () => {
    if (await bridgeExists(config)) {
      const ports = await fs.promises.readdir(path.join('/sys/class/net', config.bridge, 'brif'));
      if (ports.length) throw new StrataError('CONFLICT', `network ${config.bridge}: ${ports.length} container(s) still attached (${ports.join(', ')})`);
      await ipBatch(`remove the bridge ${config.bridge}`, [`link del ${config.bridge}`]);
    }
    await removeFirewall(config);
    guarded.delete(config.bridge);
    await fs.promises.rm(addressDir(config), { recursive: true, force: true });
    // The bridge's lock goes with it; withFileLock re-checks the file after locking, so a
    // waiter on this inode takes a new lock file rather than sharing a stale one.
    await fs.promises.rm(networkLockFile(config), { force: true });
  });
}
