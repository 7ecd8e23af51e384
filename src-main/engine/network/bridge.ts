// The bridge containers attach to: made on first use (with its firewall chains, under the
// network lock), kept while the host runs, as docker0 is. Its address is the subnet's
// gateway; the host routes and masquerades for it. Links, addresses and routes through
// the addon's rtnetlink (native/lib/netlink.ts), the firewall through iptables.
import fs from 'node:fs';
import path from 'node:path';
import { StrataError } from '@shared/errors';
import { createBridge, deleteLink, ipv4Routes, setLinkAddress } from '../../../native/lib/index';
import { pathExists } from '../store/exists';
import { ensureFirewall, ensureLoopbackGuard, removeFirewall } from './firewall';
import { netlinkStep } from './host-command';
import { NETWORK_STATE_DIR, addressDir } from './ipam';
import { type NetworkConfig, formatIPv4, gatewayOf, prefixMask, subnetText } from './network-config';
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
    await netlinkStep(`create the bridge ${config.bridge}`, () => createBridge(config.bridge, gatewayOf(config), config.prefix));
    try {
      // The firewall first: it drops what route_localnet would let in (firewall.ts).
      await ensureFirewall(config);
      // A published port reached on 127.0.0.1 is DNAT'ed into the bridge with its loopback
      // source (masqueraded only after routing); the kernel refuses to route a loopback
      // source out of any other interface unless told otherwise.
      await fs.promises.writeFile(`/proc/sys/net/ipv4/conf/${config.bridge}/route_localnet`, '1');
      await enableForwarding();
      await markGuarded(config);
    } catch (error) {
      await deleteLink(config.bridge, 'bridge').catch(() => undefined);
      throw error;
    }
  });
}

/**
 * A bridge made by an older Strata (it lives as long as the host runs) is brought up to
 * date: the loopback guard added, its link address pinned (pinAddress). Checked once a
 * bridge, not once a process: a file under /run names the bridge's interface index once
 * that is done, so a `strata run` reads two small files instead of starting
 * `iptables -C`. A bridge made again (a new index) is checked again.
 */
async function ensureGuard(config: NetworkConfig): Promise<void> {
  if (guarded.has(config.bridge)) return;
  const index = await bridgeIndex(config);
  const marked = await fs.promises.readFile(guardFile(config), 'utf8').catch(() => undefined);
  if (index === undefined || marked !== index) {
    await withNetworkLock(config, async () => {
      await ensureLoopbackGuard(config);
      await pinAddress(config);
      await markGuarded(config);
    });
  }
  guarded.add(config.bridge);
}

/**
 * A bridge whose link address the kernel chose takes the lowest of its ports' and
 * changes as containers come and go: the gateway's MAC moves under every container's ARP
 * cache. Setting it to what it is now keeps it (createBridge sets a random one at once).
 */
async function pinAddress(config: NetworkConfig): Promise<void> {
  const sys = path.join('/sys/class/net', config.bridge);
  const [assigned, mac] = await Promise.all(['addr_assign_type', 'address'].map((name) => fs.promises.readFile(path.join(sys, name), 'utf8').then((text) => text.trim())));
  if (assigned === '3') return; // NET_ADDR_SET
  await netlinkStep(`pin the address of ${config.bridge}`, () => setLinkAddress(config.bridge, mac!));
}

function guardFile(config: NetworkConfig): string {
  return path.join(NETWORK_STATE_DIR, `${config.bridge}.checked`);
}

async function bridgeIndex(config: NetworkConfig): Promise<string | undefined> {
  return fs.promises.readFile(path.join('/sys/class/net', config.bridge, 'ifindex'), 'utf8').then(
    (text) => text.trim(),
    () => undefined,
  );
}

/** Callers hold the network lock and have just made or checked the guard. */
async function markGuarded(config: NetworkConfig): Promise<void> {
  const index = await bridgeIndex(config);
  if (index !== undefined) await fs.promises.writeFile(guardFile(config), index, { mode: 0o600 });
  guarded.add(config.bridge);
}

/** Docker's requirement too: without forwarding no container reaches past the host. */
async function enableForwarding(): Promise<void> {
  const file = '/proc/sys/net/ipv4/ip_forward';
  if ((await fs.promises.readFile(file, 'utf8')).trim() !== '1') await fs.promises.writeFile(file, '1');
}

/** A subnet the host already routes elsewhere would make both unreachable: refuse it. */
async function refuseOverlap(config: NetworkConfig): Promise<void> {
  const routes = await netlinkStep('read the routes', () => ipv4Routes());
  for (const route of routes) {
    if (route.dev === config.bridge) continue;
    const prefix = Math.min(route.prefix, config.prefix);
    if (((route.dst & prefixMask(prefix)) >>> 0) === ((config.network & prefixMask(prefix)) >>> 0)) {
      throw new StrataError(
        'CONFLICT',
        `network ${config.bridge}: the subnet ${subnetText(config)} overlaps ${formatIPv4(route.dst)}/${route.prefix} on ${route.dev ?? 'the host'}; choose another with STRATA_SUBNET`,
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
      await netlinkStep(`remove the bridge ${config.bridge}`, () => deleteLink(config.bridge, 'bridge'));
    }
    await removeFirewall(config);
    guarded.delete(config.bridge);
    await fs.promises.rm(guardFile(config), { force: true });
    await fs.promises.rm(addressDir(config), { recursive: true, force: true });
    // The bridge's lock goes with it; withFileLock re-checks the file after locking, so a
    // waiter on this inode takes a new lock file rather than sharing a stale one.
    await fs.promises.rm(networkLockFile(config), { force: true });
  });
}
