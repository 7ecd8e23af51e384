// rtnetlink from the addon (native/src/netattach.c): how the bridge network is made
// without starting `ip`, `unshare` or `nsenter` — a container's namespace and veth in one
// call, the bridge, removing a link, the route table. Each runs on the libuv threadpool;
// failures are NativeSystemErrors whose `syscall` names the step ('rtnetlink add veth',
// 'unshare', 'mount', …) and whose `path` is the link or file concerned.
// IPv4 addresses are numbers in host order (engine/network/network-config.ts's form).
import { checkInteger, checkUint32 } from './call';
import { fromAddon } from './errors';
import { native } from './load';

export interface VethAttach {
  /** An empty file (made if missing) the new namespace is bind-mounted on. */
  netnsFile: string;
  /** The host end of the pair, at most 15 characters. */
  hostVeth: string;
  /** The end inside the namespace ('eth0'). */
  peer: string;
  /** The bridge the host end joins; it must exist. */
  bridge: string;
  address: number;
  prefix: number;
  /** The default route's gateway. */
  gateway: number;
}

export interface Ipv4Route {
  dst: number;
  prefix: number;
  /** The outgoing link's name; null for routes without one (unreachable, blackhole). */
  dev: string | null;
}

function checkAddress(address: number, prefix: number, what: string): void {
  checkUint32(address, what);
  checkInteger(prefix, 'prefix', 0, 32);
}

async function run<T>(promise: () => Promise<T>, path: string | undefined): Promise<T> {
  try {
    return await promise();
  } catch (error) {
    throw fromAddon(error, path);
  }
}

/**
 * A new network namespace kept on `netnsFile`, a veth pair (`hostVeth` here on `bridge`,
 * up; `peer` inside with `address/prefix`, up, and the default route via `gateway`; `lo`
 * up). All or nothing: a failed step removes the pair, unmounts and removes the file.
 */
export function attachVeth(options: VethAttach): Promise<void> {
  checkAddress(options.address, options.prefix, 'address');
  checkUint32(options.gateway, 'gateway');
  return run(() => native().netAttach({ ...options }), options.hostVeth);
}

/**
 * A new network namespace kept on `netnsFile` (made if missing) with only `lo`, up: for
 * a driver that connects it itself (slirp4netns). A failure leaves no file.
 */
export function createNetns(netnsFile: string): Promise<void> {
  return run(() => native().netNetnsCreate(netnsFile), netnsFile);
}

/**
 * A bridge with `address/prefix` on it, up, with a random link address set (so it stays
 * when ports come and go); nothing is left when a step fails (EEXIST: the name is taken).
 */
export function createBridge(name: string, address: number, prefix: number): Promise<void> {
  checkAddress(address, prefix, 'address');
  return run(() => native().netBridgeCreate(name, address, prefix), name);
}

/**
 * Sets the link address of `name` ('12:80:2f:6f:3f:87'). On a bridge the address is then
 * its own: the kernel no longer moves it to the lowest of its ports' as they come and go.
 */
export function setLinkAddress(name: string, mac: string): Promise<void> {
  if (!/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i.test(mac)) throw new TypeError(`mac must be six hex pairs, got ${mac}`);
  return run(() => native().netLinkSetMac(name, Buffer.from(mac.split(':').map((pair) => parseInt(pair, 16)))), name);
}

/**
 * Removes link `name` (its veth peer goes with it): true when removed, false when there
 * was none. With `kind`, only a link of that kind ('veth'): another one under the name
 * is EEXIST and stays.
 */
export function deleteLink(name: string, kind?: string): Promise<boolean> {
  return run(() => native().netLinkDelete(name, kind ?? null), name);
}

/** The host's IPv4 routes with a destination, of every table (`ip route show table all`). */
export function ipv4Routes(): Promise<Ipv4Route[]> {
  return run(() => native().netRoutes4(), undefined);
}
