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

/**
 * Every interface line of /proc/<pid>/net/dev (those whose name starts with `namePrefix`,
 * when given); malformed lines are skipped. Read every second for the host's hundred-odd
 * veths, so it scans for the two fields it needs instead of splitting every line.
 */
export function parseNetDev(text: string, namePrefix = ''): NetInterfaceCounters[] {
  const out: NetInterfaceCounters[] = [];
  for (let start = 0; start < text.length; ) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const line = text.slice(start, end);
    start = end + 1;
    const colon = line.indexOf(':');
    // The header lines have `|`, not `:`.
    if (colon < 0 || line.includes('|')) continue;
    const name = line.slice(0, colon).trim();
    if (name === '' || !name.startsWith(namePrefix)) continue;
    // Receive: bytes packets errs drop fifo frame compressed multicast; Transmit: bytes …
    const rxBytes = field(line, colon + 1, 0);
    const txBytes = field(line, colon + 1, 8);
    if (!Number.isFinite(rxBytes) || !Number.isFinite(txBytes)) continue;
    out.push({ name, rxBytes, txBytes });
  }
  return out;
}

/** The `index`-th whitespace-separated number of `line` from `from`; NaN when there is none. */
function field(line: string, from: number, index: number): number {
  let at = from;
  for (let i = 0; ; i++) {
    while (at < line.length && (line[at] === ' ' || line[at] === '\t')) at++;
    if (at >= line.length) return NaN;
    let end = at;
    while (end < line.length && line[end] !== ' ' && line[end] !== '\t') end++;
    if (i === index) return Number(line.slice(at, end));
    at = end;
  }
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
