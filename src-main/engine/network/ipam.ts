// Addresses on the bridge, host-wide: one file per address in use under /run (gone at
// boot, as the bridge is). Callers hold the network lock (network-lock.ts).
// The file names its owner (a container or build id). An owner that died without
// releasing — a killed engine — is noticed by its host-side veth being gone: the kernel
// destroys the pair with the container's network namespace.
import fs from 'node:fs';
import path from 'node:path';
import { StrataError } from '@shared/errors';
import { type NetworkConfig, formatIPv4, hostRange } from './network-config';
import { hostVethName } from './veth-name';

export const NETWORK_STATE_DIR = '/run/strata/net';
/** An address file younger than this may belong to a veth being made right now. */
const CLAIM_GRACE_MS = 60_000;

export function addressDir(config: NetworkConfig): string {
  return path.join(NETWORK_STATE_DIR, config.bridge);
}

/** Takes a free address for `owner` (64 hex). */
export function allocateAddress(config: NetworkConfig, owner: string): string {
  const dir = addressDir(config);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const { first, last } = hostRange(config);
  for (let value = first; value <= last; value++) {
    const address = formatIPv4(value);
    const file = path.join(dir, address);
    if (isStale(file)) fs.rmSync(file, { force: true });
    if (claim(file, owner)) return address;
  }
  throw new StrataError('CONFLICT', `network ${config.bridge}: all ${last - first + 1} addresses are in use`);
}

/** Gives back every address `owner` holds. */
export function releaseAddresses(config: NetworkConfig, owner: string): void {
  let names: string[];
  try {
    names = fs.readdirSync(addressDir(config));
  } catch {
    return;
  }
  for (const name of names) {
    const file = path.join(addressDir(config), name);
    if (ownerOf(file) === owner) fs.rmSync(file, { force: true });
  }
}

function claim(file: string, owner: string): boolean {
  try {
    fs.writeFileSync(file, owner, { flag: 'wx', mode: 0o600 });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

function ownerOf(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function isStale(file: string): boolean {
  const owner = ownerOf(file);
  if (owner === undefined) return false;
  try {
    if (Date.now() - fs.statSync(file).mtimeMs < CLAIM_GRACE_MS) return false;
  } catch {
    return false;
  }
  return !fs.existsSync(path.join('/sys/class/net', hostVethName(owner)));
}
