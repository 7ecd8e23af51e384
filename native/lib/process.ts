// Processes by something steadier than a pid number: pidfds, which stay bound to one
// process however its pid is reused, and the start time in /proc/<pid>/stat, which
// tells a recorded process from a newer one that got the same pid.
import fs from 'node:fs';
import os from 'node:os';

import { INT32_MAX, call, checkFd, checkInteger } from './call';
import { native } from './load';

/** Linux's highest signal number (SIGRTMAX, _NSIG - 1 on x86 and Arm). */
const SIGNAL_MAX = 64;

function checkPid(pid: number): void {
  checkInteger(pid, 'pid', 1, INT32_MAX);
}

function signalNumber(signal: number | NodeJS.Signals): number {
  if (typeof signal === 'string') {
    const signals: Readonly<Record<string, number>> = os.constants.signals;
    const number = Object.hasOwn(signals, signal) ? signals[signal] : undefined;
    if (number === undefined) throw new TypeError(`unknown signal: ${signal}`);
    return number;
  }
  checkInteger(signal, 'signal', 0, SIGNAL_MAX);
  return signal;
}

/**
 * pidfd_open(2): an fd that refers to process `pid` until it is closed (with
 * fs.closeSync), even once the process has exited and its pid is reused. It is
 * close-on-exec, so children do not inherit it. A pid that has exited and been
 * reaped is ESRCH; a thread that is not its process's leader, EINVAL.
 */
export function pidfdOpen(pid: number): number {
  checkPid(pid);
  return call(() => native().pidfdOpen(pid));
}

/**
 * pidfd_send_signal(2): kill(2) through a pidfd, so the signal can only reach the process
 * the fd was opened for. `signal` is a name from os.constants.signals or a number; 0
 * only checks that the process exists. Once the process is reaped this is ESRCH; an fd
 * that is not a pidfd is EBADF.
 */
export function pidfdSendSignal(pidfd: number, signal: number | NodeJS.Signals): void {
  checkFd(pidfd);
  const number = signalNumber(signal);
  call(() => native().pidfdSendSignal(pidfd, number));
}

/** starttime is field 22 of /proc/<pid>/stat; field 3 (state) is the first after comm. */
const STARTTIME_AFTER_COMM = 22 - 3;
const CLOSE_PAREN = 0x29;

/**
 * Field 22 (starttime: clock ticks after boot) of a /proc/<pid>/stat line. Field 2 is
 * `(comm)`, and comm is whatever the process named itself, spaces, parentheses and
 * newlines included, so the fields are counted from the last ')' on.
 */
export function parseStatStartTime(stat: Buffer | string): bigint {
  const bytes = typeof stat === 'string' ? Buffer.from(stat, 'latin1') : stat;
  const end = bytes.lastIndexOf(CLOSE_PAREN);
  const fields = end < 0 ? [] : bytes.subarray(end + 1).toString('latin1').trim().split(' ');
  const starttime = fields[STARTTIME_AFTER_COMM];
  if (starttime === undefined || !/^\d+$/.test(starttime)) {
    throw new Error('not a /proc/<pid>/stat line: no starttime in field 22');
  }
  return BigInt(starttime);
}

/**
 * When process `pid` started, in clock ticks after boot (field 22 of /proc/<pid>/stat).
 * A pid plus this value names one process for the whole uptime: record both, and a pid
 * whose start time differs is a different process. No such process is ENOENT from
 * reading /proc/<pid>/stat, as node:fs reports it.
 */
export function processStartTime(pid: number): bigint {
  checkPid(pid);
  return parseStatStartTime(fs.readFileSync(`/proc/${pid}/stat`));
}

/** processStartTime off the event loop: for the API's paths (a container's state, a sweep's live builds). */
export async function processStartTimeAsync(pid: number): Promise<bigint> {
  checkPid(pid);
  return parseStatStartTime(await fs.promises.readFile(`/proc/${pid}/stat`));
}
