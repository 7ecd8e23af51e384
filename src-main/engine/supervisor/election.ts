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
//   The role is announced once the pid is written, so whoever is told can read it.
// - Off the event loop while the API serves: a follower's takeover (a timer) writes the
//   pid asynchronously, and stop() closes a descriptor with a write still pending only
//   once the write is done (its number must not be reused under the write). Opening the
//   descriptor and the first try (start) are synchronous: once, as the window or `strata
//   serve` opens, so the role is known when start() returns.
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
  /** A takeover's pid write in flight on `fd`. */
  private writing: Promise<void> | undefined;
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
    const fd = fs.openSync(this.file, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o644);
    this.fd = fd;
    if (this.tryLock()) {
      try {
        fs.ftruncateSync(fd, 0);
        fs.writeSync(fd, pidText(), 0);
      } catch {
        // Only a diagnostic: the lock, not the text, makes the supervisor.
      }
      this.become('supervisor');
      return;
    }
    this.timer = setInterval(() => {
      try {
        if (!this.tryLock()) return;
      } catch {
        return; // A failed try (EINTR, ENOLCK) is the same as a lost one: try again next time.
      }
      this.clearTimer();
      this.writing = writePid(fd);
      void this.writing.then(() => {
        this.writing = undefined;
        if (this.fd === fd) this.become('supervisor'); // not stopped meanwhile
      });
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
      if (this.writing) void this.writing.then(() => fs.close(fd, () => undefined));
      else fs.closeSync(fd);
    }
  }

  /** One try of the lock; a lost one makes this process a follower. */
  private tryLock(): boolean {
    if (this.fd === null) return false;
    if (tryLockFile(this.fd, 'exclusive')) return true;
    this.become('follower');
    return false;
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

function pidText(): string {
  return `${process.pid}\n`;
}

/** Writes this pid over the file's start, then cuts what is left of a longer one: never empty in between. Failures are let be. */
function writePid(fd: number): Promise<void> {
  const text = pidText();
  return new Promise((resolve) => {
    fs.write(fd, text, 0, (error) => {
      if (error) return resolve();
      fs.ftruncate(fd, Buffer.byteLength(text), () => resolve());
    });
  });
}

/** The pid the last supervisor wrote into the lock file, or null (none yet, or unreadable). */
export async function supervisorPidOf(file: string): Promise<number | null> {
  try {
    const pid = Number.parseInt((await fs.promises.readFile(file, 'utf8')).trim(), 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}
