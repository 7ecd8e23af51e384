// One engine at a time changes a bridge's setup or its address files: the lock is a file
// of the host's, like the addresses, since every store on the machine shares the bridge.
import fs from 'node:fs';
import path from 'node:path';
import { inLine, withFileLock } from '../store/lock';
import { NETWORK_STATE_DIR } from './ipam';
import type { NetworkConfig } from './network-config';

export function networkLockFile(config: NetworkConfig): string {
  return path.join(NETWORK_STATE_DIR, `${config.bridge}.lock`);
}

export async function withNetworkLock<T>(config: NetworkConfig, work: () => Promise<T> | T): Promise<T> {
  await fs.promises.mkdir(NETWORK_STATE_DIR, { recursive: true, mode: 0o700 });
  const file = networkLockFile(config);
  return inLine(file, () => withFileLock(file, work));
}
