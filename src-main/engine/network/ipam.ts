// Addresses on the bridge, host-wide: one file per address in use under /run (gone at
// boot, as the bridge is). Callers hold the network lock (network-lock.ts).
// The file names its owner (a container or build id). An owner that died without
// releasing — a killed engine — is noticed by its host-side veth being gone: the kernel
// destroys the pair with the container's network namespace. All off the event loop.
import fs from 'node:fs';
import path from 'node:path';
import { StrataError } from '@shared/errors';
import { pathExists } from '../store/exists';
import { type NetworkConfig, formatIPv4, hostRange } from './network-config';
import { hostVethName } from './veth-name';

export const NETWORK_STATE_DIR = '/run/strata/net';
/** An address file younger than this may belong to a veth being made right now. */
const CLAIM_GRACE_MS = 60_000;

export function addressDir(config: NetworkConfig): string {
  return path.join(NETWORK_STATE_DIR, config.bridge);
}

/** Takes a free address for `owner` (64 hex). */
export async function allocateAddress(config: NetworkConfig, owner: string): Promise<string> {
  const dir = addressDir(config);
  await fs.promises.mkdir(dir, { recursive: true, mode: 0o700 });
  const { first, last } = hostRange(config);
  for (let value = first; value <= last; value++) {
    const address = formatIPv4(value);
    const file = path.join(dir, address);
    if (await isStale(file)) await fs.promises.rm(file, { force: true });
    if (await claim(file, owner)) return address;
  }
  throw new StrataError('CONFLICT', `network ${config.bridge}: all ${last - first + 1} addresses are in use`);
}

/** Gives back every address `owner` holds. */
export async function releaseAddresses(config: NetworkConfig, owner: string): Promise<void> {
  let names: string[];
  try {
    names = await fs.promises.readdir(addressDir(config));
  } catch {
    return;
  }
  for (const name of names) {
    const file = path.join(addressDir(config), name);
    if ((await ownerOf(file)) === owner) await fs.promises.rm(file, { force: true });
  }
}

async function claim(file: string, owner: string): Promise<boolean> {
  try {
    await fs.promises.writeFile(file, owner, { flag: 'wx', mode: 0o600 });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

async function ownerOf(file: string): Promise<string | undefined> {
  try {
    return await fs.promises.readFile(file, 'utf8');
  } catch {
    return undefined;
  }
}

async function isStale(file: string): Promise<boolean> {
  const owner = await ownerOf(file);
  if (owner === undefined) return false;
  try {
    if (Date.now() - (await fs.promises.stat(file)).mtimeMs < CLAIM_GRACE_MS) return false;
  } catch {
    return false;
  }
  return !(await pathExists(path.join('/sys/class/net', hostVethName(owner))));
}
