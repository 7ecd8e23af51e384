// The store's writer lock: GUI, CLI and server may run at once; one writer at a time.
// Whoever takes the lock first clears what a crashed writer left (see recoverStore).
import fs from 'node:fs';
import { lockFile, unlockFile } from '../../../native/lib/index';
import type { StorePaths } from './paths';

export type Recovery = (paths: StorePaths) => void | Promise<void>;

export async function withStoreLock<T>(paths: StorePaths, recover: Recovery, work: () => Promise<T> | T): Promise<T> {
  const fd = fs.openSync(paths.lock, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o600);
  try {
    await lockFile(fd, 'exclusive');
    try {
      await recover(paths);
      return await work();
    } finally {
      unlockFile(fd);
    }
  } finally {
    fs.closeSync(fd);
  }
}
