// The store's writer lock: GUI, CLI and server may run at once; one writer at a time.
// Whoever takes the lock first clears what a crashed writer left (see recoverStore).
import fs from 'node:fs';
import { lockFile, tryLockFile, unlockFile } from '../../../native/lib/index';
import type { StorePaths } from './paths';

export type Recovery = (paths: StorePaths) => void | Promise<void>;

function openLock(paths: StorePaths): number {
  return fs.openSync(paths.lock, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o600);
}

export function withStoreLock<T>(paths: StorePaths, recover: Recovery, work: () => Promise<T> | T): Promise<T> {
  return withFileLock(paths.lock, async () => {
    await recover(paths);
    return work();
  });
}

/** Recovers now if no writer is active (a crashed writer's lock died with it); never waits. Synchronous: Engine.open only. */
export function recoverIfIdle(paths: StorePaths, recover: (paths: StorePaths) => void): boolean {
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

/** The last in line, per lock, in this process. */
const queues = new Map<string, Promise<void>>();

/**
 * Runs `work` after every earlier `inLine` call with the same key in this process has
 * finished. Writers of one process queue here before they wait for a flock: a flock waits
 * in a libuv pool thread, and a hundred of them would take every thread the lock holder
 * needs for its own file system calls — it could never finish, nor they ever get in.
 */
export function inLine<T>(key: string, work: () => Promise<T>): Promise<T> {
  const previous = queues.get(key) ?? Promise.resolve();
  let done!: () => void;
  const turn = previous.then(() => new Promise<void>((resolve) => (done = resolve)));
  queues.set(key, turn);
  return previous.then(work).finally(() => {
    done();
    if (queues.get(key) === turn) queues.delete(key);
  });
}

/** Holds an exclusive flock on `file` (created if missing) while `work` runs. Opens and closes off the event loop. */
export async function withFileLock<T>(file: string, work: () => Promise<T> | T): Promise<T> {
  for (;;) {
    const handle = await fs.promises.open(file, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o600);
    try {
      await lockFile(handle.fd, 'exclusive');
      try {
        // The holder before us may have removed the file (it was the last user of what it
        // guards): our lock is then on an inode no one else will open. Take the new one.
        if (!(await sameFile(handle, file))) continue;
        return await work();
      } finally {
        unlockFile(handle.fd);
      }
    } finally {
      await handle.close();
    }
  }
}

/** Whether `file` still names the inode `handle` has open. */
async function sameFile(handle: fs.promises.FileHandle, file: string): Promise<boolean> {
  const [held, named] = await Promise.all([handle.stat(), fs.promises.stat(file).catch(() => undefined)]);
  return named !== undefined && named.ino === held.ino && named.dev === held.dev;
}
