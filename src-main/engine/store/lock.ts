// The store's writer lock: GUI, CLI and server may run at once; one writer at a time.
// Whoever takes the lock first clears what a crashed writer left (see recoverStore).
import fs from 'node:fs';
import { lockFile, tryLockFile, unlockFile } from '../../../native/lib/index';
import type { StorePaths } from './paths';

export type Recovery = (paths: StorePaths) => void;

function openLock(paths: StorePaths): number {
  return fs.openSync(paths.lock, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o600);
}

export async function withStoreLock<T>(paths: StorePaths, recover: Recovery, work: () => Promise<T> | T): Promise<T> {
  const fd = openLock(paths);
  try {
    await lockFile(fd, 'exclusive');
    try {
      recover(paths);
      return await work();
    } finally {
      unlockFile(fd);
    }
  } finally {
    fs.closeSync(fd);
  }
}

/** Recovers now if no writer is active (a crashed writer's lock died with it); never waits. */
export function recoverIfIdle(paths: StorePaths, recover: Recovery): boolean {
  const fd = openLock(paths);
  try {
    if (!tryLockFile(fd, 'exclusive')) return false;
    try {
      recover(paths);
      return true;
    } finally {
      unlockFile(fd);
    }
  } finally {
    fs.closeSync(fd);
  }
}
