import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

import { lockFile, tryLockFile, unlockFile } from '../../../native/lib';
import { LockHolder } from './lock-holder';
import { useTmpDir } from './tmp';

const tmp = useTmpDir();
const holders: LockHolder[] = [];
const fds: number[] = [];

function lockFileIn(dir: string): string {
  const file = path.join(dir, 'lock');
  fs.writeFileSync(file, '');
  return file;
}

function holder(file: string): LockHolder {
  const h = new LockHolder(file);
  holders.push(h);
  return h;
}

function open(file: string): number {
  const fd = fs.openSync(file, 'r+');
  fds.push(fd);
  return fd;
}

afterEach(() => {
  for (const h of holders.splice(0)) h.kill();
  for (const fd of fds.splice(0)) fs.closeSync(fd);
});

describe('flock across processes', () => {
  it('tryLockFile is refused while another process holds the lock, and granted after it exits', async () => {
    const file = lockFileIn(tmp.dir);
    const child = holder(file);
    expect(await child.request('exclusive')).toBe('locked');

    const fd = open(file);
    expect(tryLockFile(fd, 'exclusive')).toBe(false);
    expect(tryLockFile(fd, 'shared')).toBe(false);

    expect(await child.exit()).toBe(0);
    expect(tryLockFile(fd, 'exclusive')).toBe(true);
    unlockFile(fd);
  });

  it('lockFile waits while the lock is held and resolves once the holder is gone', async () => {
    const file = lockFileIn(tmp.dir);
    const child = holder(file);
    expect(await child.request('exclusive')).toBe('locked');

    const events: string[] = [];
    const fd = open(file);
    const acquired = lockFile(fd, 'exclusive').then(() => events.push('acquired'));

    // A full round trip to the holder: it still has the lock, so we cannot have it.
    expect(await child.request('ping')).toBe('pong');
    expect(events).toEqual([]);

    // The kernel drops the holder's lock as its fds close, which may be before we see
    // its exit event: so the order checked is "release requested, then acquired".
    events.push('release requested');
    const exited = child.exit();
    await acquired;
    expect(events).toEqual(['release requested', 'acquired']);
    expect(await exited).toBe(0);

    // We really hold it now: a new process is refused until we unlock.
    const probe = holder(file);
    expect(await probe.request('shared')).toBe('busy');
    unlockFile(fd);
    expect(await probe.request('shared')).toBe('locked');
  });

  it('shared locks coexist and keep an exclusive lock out', async () => {
    const file = lockFileIn(tmp.dir);
    const child = holder(file);
    expect(await child.request('shared')).toBe('locked');

    const reader = open(file);
    await lockFile(reader, 'shared');
    expect(tryLockFile(open(file), 'exclusive')).toBe(false);

    await child.exit();
    unlockFile(reader);
    expect(tryLockFile(open(file), 'exclusive')).toBe(true);
  });

  it('a lock belongs to the open file description: a second open() in this process contends', () => {
    const file = lockFileIn(tmp.dir);
    const first = open(file);
    const second = open(file);
    expect(tryLockFile(first, 'exclusive')).toBe(true);
    expect(tryLockFile(second, 'exclusive')).toBe(false);
    unlockFile(first);
    expect(tryLockFile(second, 'exclusive')).toBe(true);
  });
});

describe('flock errors', () => {
  // Far above any fd this process has open (a closed fd's number could be reused).
  const badFd = 0x7fff_fffe;

  it('lockFile on a bad fd rejects with EBADF in SystemError shape', async () => {
    await expect(lockFile(badFd, 'shared')).rejects.toMatchObject({
      code: 'EBADF',
      errno: -9,
      syscall: 'flock',
      message: 'EBADF: bad file descriptor, flock',
    });
  });

  it('tryLockFile and unlockFile on a bad fd throw EBADF', () => {
    expect(() => tryLockFile(badFd, 'exclusive')).toThrow(expect.objectContaining({ code: 'EBADF', syscall: 'flock' }));
    expect(() => unlockFile(badFd)).toThrow(expect.objectContaining({ code: 'EBADF', errno: -9 }));
  });

  it('rejects a bad mode or fd before reaching the kernel', async () => {
    await expect(lockFile(0, 'both' as 'shared')).rejects.toThrow(TypeError);
    expect(() => tryLockFile(-1, 'shared')).toThrow(TypeError);
    expect(() => unlockFile(1.5)).toThrow(TypeError);
  });
});
