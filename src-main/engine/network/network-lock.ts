// One engine at a time changes a bridge's setup or its address files: the lock is a file
// of the host's, like the addresses, since every store on the machine shares the bridge.
import fs from 'node:fs';
import path from 'node:path';
import { lockFile, unlockFile } from '../../../native/lib/index';
import { NETWORK_STATE_DIR } from './ipam';
import type { NetworkConfig } from './network-config';

export async function withNetworkLock<T>(config: NetworkConfig, work: () => Promise<T> | T): Promise<T> {
  fs.mkdirSync(NETWORK_STATE_DIR, { recursive: true, mode: 0o700 });
  const fd = fs.openSync(path.join(NETWORK_STATE_DIR, `${config.bridge}.lock`), fs.constants.O_RDWR | fs.constants.O_CREAT, 0o600);
  try {
    await lockFile(fd, 'exclusive');
    try {
      return await work();
    } finally {
      unlockFile(fd);
    }
  } finally {
    fs.closeSync(fd);
  }
}
