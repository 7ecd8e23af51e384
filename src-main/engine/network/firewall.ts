// The bridge's iptables rules, in chains of its own so they can be found and removed:
//   nat    STRATA-<bridge>-POST  outgoing traffic of the subnet is masqueraded; traffic the
//                                host sends into the bridge from its own addresses too (a
//                                published port reached on 127.0.0.1)
//   nat    STRATA-<bridge>-DNAT  one DNAT rule a published port, marked with its owner
//   filter STRATA-<bridge>-FWD   forwarding to and from the bridge is accepted, whatever
//                                FORWARD's policy (Docker hosts set it to DROP)
//   raw    STRATA-<bridge>-RAW   packets in from the bridge to 127.0.0.0/8 are dropped: the
//                                bridge has route_localnet on (bridge.ts), which would let a
//                                container that crafts such a frame reach the host's
//                                loopback-only services (Kubernetes' CVE-2020-8558)
// A container's port rules go in and out as one `iptables-restore --noflush` batch (one
// process and one atomic commit, whatever the number of ports); the bridge's own chains,
// made once a boot, by single commands.
import { hostCommand } from './host-command';
import { type NetworkConfig, subnetText } from './network-config';
import type { PortSpec } from '@shared/ports';

const chains = (config: NetworkConfig) => ({
  post: `STRATA-${config.bridge}-POST`,
  dnat: `STRATA-${config.bridge}-DNAT`,
  forward: `STRATA-${config.bridge}-FWD`,
  raw: `STRATA-${config.bridge}-RAW`,
});

/** Every chain of the bridge, with its table. */
function tablesOf(config: NetworkConfig): (readonly [string, string])[] {
  const { post, dnat, forward, raw } = chains(config);
  return [['nat', post], ['nat', dnat], ['filter', forward], ['raw', raw]];
}

/** A hook a chain is jumped to from, with the rule's match; `first` puts it before others' rules. */
interface Jump {
  table: string;
  hook: string;
  match: string[];
  chain: string;
  first?: boolean;
}

function jumps(config: NetworkConfig): Jump[] {
  const { post, dnat, forward } = chains(config);
  const local = ['-m', 'addrtype', '--dst-type', 'LOCAL'];
  return [
    { table: 'nat', hook: 'POSTROUTING', match: [], chain: post },
    { table: 'nat', hook: 'PREROUTING', match: local, chain: dnat },
    { table: 'nat', hook: 'OUTPUT', match: local, chain: dnat },
    { table: 'filter', hook: 'FORWARD', match: [], chain: forward, first: true },
    loopbackJump(config),
  ];
}

/**
 * raw PREROUTING runs before conntrack and NAT: nothing is DNAT'ed yet, and the answers
 * of a container to the host's own connections (a port published on 127.0.0.1) arrive
 * addressed to the gateway, masqueraded (STRATA-<bridge>-POST), so only the forged
 * packets match.
 */
function loopbackJump(config: NetworkConfig): Jump {
  return { table: 'raw', hook: 'PREROUTING', match: ['-i', config.bridge], chain: chains(config).raw, first: true };
}

function iptables(what: string, args: readonly string[]): Promise<string> {
  return hostCommand(what, 'iptables', ['-w', ...args]);
}

async function succeeds(args: readonly string[]): Promise<boolean> {
  return iptables('check', args).then(
    () => true,
    () => false,
  );
}

/** Makes the chains and their rules unless they are there. */
export async function ensureFirewall(config: NetworkConfig): Promise<void> {
  const { post, forward } = chains(config);
  const what = `set up the firewall of ${config.bridge}`;
  await ensureLoopbackGuard(config);
  for (const [table, chain] of tablesOf(config)) {
    if (!(await succeeds(['-t', table, '-S', chain]))) await iptables(what, ['-t', table, '-N', chain]);
  }
  await iptables(what, ['-t', 'nat', '-F', post]);
  await iptables(what, ['-t', 'nat', '-A', post, '-s', subnetText(config), '!', '-o', config.bridge, '-j', 'MASQUERADE']);
  await iptables(what, ['-t', 'nat', '-A', post, '-o', config.bridge, '-m', 'addrtype', '--src-type', 'LOCAL', '-j', 'MASQUERADE']);
  await iptables(what, ['-t', 'filter', '-F', forward]);
  await iptables(what, ['-t', 'filter', '-A', forward, '-i', config.bridge, '-j', 'ACCEPT']);
  await iptables(what, ['-t', 'filter', '-A', forward, '-o', config.bridge, '-j', 'ACCEPT']);
  for (const jump of jumps(config)) await ensureJump(what, jump);
}

async function ensureJump(what: string, jump: Jump): Promise<void> {
  const rule = [...jump.match, '-j', jump.chain];
  if (await succeeds(['-t', jump.table, '-C', jump.hook, ...rule])) return;
  await iptables(what, ['-t', jump.table, jump.first ? '-I' : '-A', jump.hook, ...(jump.first ? ['1'] : []), ...rule]);
}

/**
 * The drop of forged loopback packets, made unless its jump is there: also for a bridge
 * an older Strata made without it (callers hold the network lock). Its rule goes in
 * before the jump, so there is no moment the jump leads to an empty chain.
 */
export async function ensureLoopbackGuard(config: NetworkConfig): Promise<void> {
  const jump = loopbackJump(config);
  if (await succeeds(['-t', jump.table, '-C', jump.hook, ...jump.match, '-j', jump.chain])) return;
  const what = `guard the host loopback from ${config.bridge}`;
  if (!(await succeeds(['-t', 'raw', '-S', jump.chain]))) await iptables(what, ['-t', 'raw', '-N', jump.chain]);
  await iptables(what, ['-t', 'raw', '-F', jump.chain]);
  await iptables(what, ['-t', 'raw', '-A', jump.chain, '-d', '127.0.0.0/8', '-j', 'DROP']);
  await ensureJump(what, jump);
}

/** Removes the jumps and the chains (the bridge is going away). */
export async function removeFirewall(config: NetworkConfig): Promise<void> {
  const what = `remove the firewall of ${config.bridge}`;
  for (const jump of jumps(config)) {
    const rule = [...jump.match, '-j', jump.chain];
    while (await succeeds(['-t', jump.table, '-C', jump.hook, ...rule])) await iptables(what, ['-t', jump.table, '-D', jump.hook, ...rule]);
  }
  for (const [table, chain] of tablesOf(config)) {
    if (!(await succeeds(['-t', table, '-S', chain]))) continue;
    await iptables(what, ['-t', table, '-F', chain]);
    await iptables(what, ['-t', table, '-X', chain]);
  }
}

export interface PublishedRule {
  owner: string;
  protocol: string;
  hostPort: number;
}

/** The published ports on this bridge, with the container (first 12 hex of its id) that owns each. */
export async function publishedRules(config: NetworkConfig): Promise<PublishedRule[]> {
  const listing = await iptables(`list the ports of ${config.bridge}`, ['-t', 'nat', '-S', chains(config).dnat]);
  return ruleLines(listing).flatMap((line) => {
    const owner = ownerOf(line);
    const protocol = / -p (tcp|udp)/.exec(line)?.[1];
    const hostPort = / --dport (\d+)/.exec(line)?.[1];
    return owner && protocol && hostPort ? [{ owner, protocol, hostPort: Number(hostPort) }] : [];
  });
}

export async function addPortRules(config: NetworkConfig, owner: string, address: string, ports: readonly PortSpec[]): Promise<void> {
  const rules = ports.map((port) =>
    [
      '-A', chains(config).dnat,
      ...(port.hostIp === '0.0.0.0' ? [] : ['-d', port.hostIp]),
      '-p', port.protocol, '--dport', String(port.hostPort),
      '-m', 'comment', '--comment', `strata:${owner.slice(0, 12)}`,
      '-j', 'DNAT', '--to-destination', `${address}:${port.containerPort}`,
    ].join(' '),
  ); // prettier-ignore
  await restoreNat(`publish ports ${ports.map((port) => `${port.hostPort}/${port.protocol}`).join(', ')}`, rules);
}

/**
 * Removes every rule `owner` published; none is fine. By their own text (`-S` prints a
 * rule as it is given back to `-D`), all in one batch: callers hold the network lock,
 * so no engine adds or removes rules in between.
 */
export async function removePortRules(config: NetworkConfig, owner: string): Promise<void> {
  const { dnat } = chains(config);
  let listing: string;
  try {
    listing = await iptables(`list the ports of ${config.bridge}`, ['-t', 'nat', '-S', dnat]);
  } catch {
    return; // no chain: nothing was published
  }
  const rules = ruleLines(listing).filter((line) => ownerOf(line) === owner.slice(0, 12));
  if (rules.length) await restoreNat(`unpublish ports of ${owner.slice(0, 12)}`, rules.map((line) => `-D ${line.slice(3)}`));
}

/** Commands for the nat table, applied by one `iptables-restore` that keeps every other rule. */
function restoreNat(what: string, commands: readonly string[]): Promise<string> {
  return hostCommand(what, 'iptables-restore', ['--noflush', '-w'], { input: ['*nat', ...commands, 'COMMIT', ''].join('\n') });
}

/** The `-A` lines of `iptables -S`, in rule order. */
function ruleLines(listing: string): string[] {
  return listing.split('\n').filter((line) => line.startsWith('-A '));
}

/** Whose rule it is: iptables-nft prints the comment quoted, iptables-legacy bare. */
function ownerOf(line: string): string | undefined {
  return /--comment "?strata:([0-9a-f]{12})"?/.exec(line)?.[1];
}
