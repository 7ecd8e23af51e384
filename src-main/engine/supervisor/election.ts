// Electing a store's one supervisor among the engines that run on it (the window, `strata
// serve`, later the system service). The election is a flock: whoever holds an exclusive
// lock on `<root>/supervisor.lock` is the supervisor, for as long as its descriptor stays
// open. The kernel drops the lock when that process dies, however it dies (kill -9 too),
// so no lease, heartbeat or stale-pid check is needed.
//
// Decisions:
// - Followers try again on a timer with LOCK_NB, never a blocking flock: a blocking one
//   would wait in a libuv pool thread for as long as the supervisor lives, taking a thread
//   the engine's file system calls need (store/lock.ts says why that matters). A try is one
//   cheap syscall; the retry interval bounds how long a store goes unsupervised.
// - One open file description, kept from start() to stop(): tries on it, the lock lives on it.
// - The holder writes its pid into the file, for a person asking who supervises. Nothing
//   reads it to decide anything: a dead holder's pid stays there until the next one writes.
import fs from 'node:fs';
import { tryLockFile, unlockFile } from '../../../native/lib/index';

export type SupervisorRole = 'supervisor' | 'follower';

export interface ElectionOptions {
  /** How often a follower tries to take over (1000 ms). */
  retryMs?: number;
  /** Told of the first role and of every change (follower → supervisor). */
  onRole?: (role: SupervisorRole) => void;
}

export class SupervisorElection {
  private fd: number | null = null;
  private timer: NodeJS.Timeout | undefined;
  private current: SupervisorRole | null = null;

  constructor(
    readonly file: string,
    private readonly options: ElectionOptions = {},
  ) {}

  /** This process's role; null before start() and after stop(). */
  get role(): SupervisorRole | null {
    return this.current;
  }

  /** Tries at once, then (as a follower) on every interval until elected or stopped. Idempotent. */
  start(): void {
    if (this.fd !== null) return;
    this.fd = fs.openSync(this.file, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o644);
    if (this.attempt()) return;
    this.timer = setInterval(() => {
      try {
        if (this.attempt()) this.clearTimer();
      } catch {
        // A failed try (EINTR, ENOLCK) is the same as a lost one: try again next time.
      }
    }, this.options.retryMs ?? 1000);
    // A follower's wait never keeps the process alive by itself.
    this.timer.unref();
  }

  /** Steps down (the lock goes with the descriptor) or stops trying. */
  stop(): void {
    this.clearTimer();
    if (this.fd === null) return;
    const fd = this.fd;
    this.fd = null;
    this.current = null;
    try {
      unlockFile(fd); // harmless when not held; closing alone would do, this says it
    } finally {
      fs.closeSync(fd);
    }
  }

  /** One try; true when this process is (now) the supervisor. */
  private attempt(): boolean {
    if (this.fd === null) return false;
    if (!tryLockFile(this.fd, 'exclusive')) {
      this.become('follower');
      return false;
    }
    try {
      fs.ftruncateSync(this.fd, 0);
      fs.writeSync(this.fd, `${process.pid}\n`, 0);
    } catch {
      // Only a diagnostic: the lock, not the text, makes the supervisor.
    }
    this.become('supervisor');
    return true;
  }

  private become(role: SupervisorRole): void {
    if (this.current === role) return;
    this.current = role;
    this.options.onRole?.(role);
  }

  private clearTimer(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}

/** The pid the last supervisor wrote into the lock file, or null (none yet, or unreadable). */
export function supervisorPidOf(file: string): number | null {
  try {
    const pid = Number.parseInt(fs.readFileSync(file, 'utf8').trim(), 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}
