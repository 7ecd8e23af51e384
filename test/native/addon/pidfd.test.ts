import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

import { pidfdOpen, pidfdSendSignal } from '../../../native/lib';
import { useChildren } from './children';
import { useTmpDir } from './tmp';
import { thrown } from './thrown';

const children = useChildren();
const tmp = useTmpDir();
const fds: number[] = [];

function open(pid: number): number {
  const fd = pidfdOpen(pid);
  fds.push(fd);
  return fd;
}

afterEach(() => {
  for (const fd of fds.splice(0)) fs.closeSync(fd);
});

/** The fields of /proc/self/fdinfo/<fd> ("pos:", "flags:", "Pid:", …). */
function fdinfo(fd: number): Map<string, string> {
  const lines = fs.readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8').trim().split('\n');
  return new Map(lines.map((line) => line.split(/:\s*/, 2) as [string, string]));
}

describe('pidfd', () => {
  it('SIGTERM through a pidfd ends the child; afterwards the pidfd reports ESRCH', async () => {
    const child = await children.start('sleep', ['30']);
    const pidfd = open(child.pid);
    pidfdSendSignal(pidfd, 0);

    pidfdSendSignal(pidfd, 'SIGTERM');
    expect(await child.exited).toEqual({ code: null, signal: 'SIGTERM' });

    // Reaped: the fd still names that process, which is gone, never a newer one.
    expect(thrown(() => pidfdSendSignal(pidfd, 'SIGTERM'))).toMatchObject({
      code: 'ESRCH',
      errno: -os.constants.errno.ESRCH,
      syscall: 'pidfd_send_signal',
      message: 'ESRCH: no such process, pidfd_send_signal',
    });
  });

  it('takes signal numbers too', async () => {
    const child = await children.start('sleep', ['30']);
    pidfdSendSignal(open(child.pid), os.constants.signals.SIGKILL);
    expect(await child.exited).toEqual({ code: null, signal: 'SIGKILL' });
  });

  it('is a close-on-exec fd bound to the pid it was opened for', async () => {
    const child = await children.start('sleep', ['30']);
    const info = fdinfo(open(child.pid));
    expect(info.get('Pid')).toBe(String(child.pid));
    const O_CLOEXEC = 0o2000000;
    expect(parseInt(info.get('flags') ?? '0', 8) & O_CLOEXEC).toBe(O_CLOEXEC);
  });

  it('pidfd_open of a pid that has exited and been reaped is ESRCH', async () => {
    const child = await children.start('true');
    expect(await child.exited).toEqual({ code: 0, signal: null });
    expect(thrown(() => pidfdOpen(child.pid))).toMatchObject({
      code: 'ESRCH',
      errno: -os.constants.errno.ESRCH,
      syscall: 'pidfd_open',
      message: 'ESRCH: no such process, pidfd_open',
    });
  });

  it('an fd that is not a pidfd is EBADF', () => {
    const file = path.join(tmp.dir, 'plain');
    fs.writeFileSync(file, '');
    const fd = fs.openSync(file, 'r');
    fds.push(fd);
    expect(thrown(() => pidfdSendSignal(fd, 0))).toMatchObject({
      code: 'EBADF',
      errno: -os.constants.errno.EBADF,
      syscall: 'pidfd_send_signal',
    });
  });

  it('rejects bad pids, fds and signals with a TypeError before reaching the kernel', async () => {
    for (const pid of [0, -1, 1.5, 2 ** 31, Number.NaN, '1' as unknown as number]) {
      expect(() => pidfdOpen(pid), String(pid)).toThrow(TypeError);
    }
    const child = await children.start('sleep', ['30']);
    const pidfd = open(child.pid);
    for (const signal of [-1, 65, 0.5, 'SIGNOPE', 'toString', 'sigterm', null]) {
      expect(() => pidfdSendSignal(pidfd, signal as NodeJS.Signals), String(signal)).toThrow(TypeError);
    }
    expect(() => pidfdSendSignal(-1, 'SIGTERM')).toThrow(TypeError);
    // None of them reached the child.
    pidfdSendSignal(pidfd, 0);
    expect(child.process.exitCode).toBeNull();
  });
});
