// Network bytes of a container, from its own network namespace: /proc/<pid>/net/dev shows
// the interfaces of the namespace that <pid> is in, so any process of the container will
// do (the engine gives its init). Two header lines, then one line per interface:
//
//   Inter-|   Receive                                                |  Transmit
//    face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets …
//       lo:  4820617    3617    0    0    0     0          0         0  4820617    3617 …
//     eth0:2218598575  100279    0    0    0     0          0         0 11172940   73763 …
//
// Old kernels print the name and the first number without a space between them when the
// number is wide, so the line is split at the colon (interface names cannot contain one).
// Loopback is left out of the totals: traffic a container sends itself is not network
// I/O, and docker/podman count only the container's real interfaces.
import path from 'node:path';
import type { FileReader } from './open-files';

export interface NetInterfaceCounters {
  name: string;
  rxBytes: number;
  txBytes: number;
}

export interface NetCounters {
  rxBytes: number;
  txBytes: number;
  /** How many interfaces were summed (0: the namespace has only loopback). */
  interfaces: number;
}

/** Every interface line of /proc/<pid>/net/dev; malformed lines are skipped. */
export function parseNetDev(text: string): NetInterfaceCounters[] {
  const out: NetInterfaceCounters[] = [];
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    // The header lines have `|`, not `:`.
    if (colon < 0 || line.includes('|')) continue;
    const name = line.slice(0, colon).trim();
    const fields = line.slice(colon + 1).trim().split(/\s+/).map(Number);
    // Receive: bytes packets errs drop fifo frame compressed multicast; Transmit: bytes …
    const rxBytes = fields[0];
    const txBytes = fields[8];
    if (name === '' || rxBytes === undefined || txBytes === undefined || !Number.isFinite(rxBytes) || !Number.isFinite(txBytes)) continue;
    out.push({ name, rxBytes, txBytes });
  }
  return out;
}

/** Sums the interfaces, loopback excluded unless asked for (a test of loopback traffic asks). */
export function sumNetDev(interfaces: NetInterfaceCounters[], options: { includeLoopback?: boolean } = {}): NetCounters {
  let rxBytes = 0;
  let txBytes = 0;
  let count = 0;
  for (const each of interfaces) {
    if (each.name === 'lo' && !options.includeLoopback) continue;
    rxBytes += each.rxBytes;
    txBytes += each.txBytes;
    count++;
  }
  return { rxBytes, txBytes, interfaces: count };
}

export function netDevPath(pid: number, procRoot = '/proc'): string {
  return path.join(procRoot, String(pid), 'net', 'dev');
}

/** The namespace's totals, loopback excluded; null when the process is gone. */
export async function readNetDev(files: FileReader, pid: number, procRoot = '/proc'): Promise<NetCounters | null> {
  const text = await files.read(netDevPath(pid, procRoot));
  return text === null ? null : sumNetDev(parseNetDev(text));
}
