// Work directories (builds/<id>, pulls/<id>) name the process that owns them: pid and its
// start time, so a crashed owner whose pid was reused does not keep its directory alive.
import { parseStatStartTime, processStartTime, processStartTimeAsync } from '../../../native/lib/index';
import { type FsSteps, fsCall, runAsync, runSync } from './fs-steps';

export interface ProcessOwner {
  pid: number;
  /** Field 22 of /proc/<pid>/stat, as a decimal string. */
  pidStartTime: string;
  startedAt: string;
}

export function currentOwner(): ProcessOwner {
  return { pid: process.pid, pidStartTime: processStartTime(process.pid).toString(), startedAt: new Date().toISOString() };
}

export function readOwnerFile(file: string): ProcessOwner | undefined {
  return runSync(readOwnerSteps(file));
}

/** readOwnerFile as steps (fs-steps.ts): a sweep asks either way. */
export function* readOwnerSteps(file: string): FsSteps<ProcessOwner | undefined> {
  try {
    return JSON.parse(yield* fsCall('readText', file)) as ProcessOwner;
  } catch {
    return undefined;
  }
}

export function ownerAlive(owner: Pick<ProcessOwner, 'pid' | 'pidStartTime'>): boolean {
  return runSync(ownerAliveSteps(owner));
}

/** ownerAlive as steps: /proc/<pid>/stat read the way processStartTime reads it. */
export function* ownerAliveSteps(owner: Pick<ProcessOwner, 'pid' | 'pidStartTime'>): FsSteps<boolean> {
  // processStartTime's TypeError for a pid no process can have: no such process
  if (!Number.isInteger(owner.pid) || owner.pid < 1 || owner.pid > 0x7fff_ffff) return false;
  try {
    if (parseStatStartTime(yield* fsCall('readFile', `/proc/${owner.pid}/stat`)).toString() !== owner.pidStartTime) return false;
  } catch {
    return false; // no such process
  }
  return !(yield* hasExitedSteps(owner.pid));
}

/**
 * A killed process stays in /proc, with its start time, until its parent reaps it — which
 * an init that reaps lazily, or a parent busy elsewhere, may not do for a while. It is
 * dead all the same: state Z (zombie) or X (dead) in /proc/<pid>/stat.
 */
function* hasExitedSteps(pid: number): FsSteps<boolean> {
  let stat: string;
  try {
    stat = yield* fsCall('readText', `/proc/${pid}/stat`);
  } catch {
    return true;
  }
  // pid (comm) state …: comm may hold spaces and parentheses, so the state follows the last ')'.
  const state = stat.slice(stat.lastIndexOf(')') + 2)[0];
  return state === 'Z' || state === 'X';
}

/**
 * processStartTime off the event loop: field 22 of /proc/<pid>/stat as a decimal string,
 * undefined when there is no such process.
 */
export async function startTimeOf(pid: number): Promise<string | undefined> {
  try {
    return (await processStartTimeAsync(pid)).toString();
  } catch {
    return undefined;
  }
}

/**
 * Ends a helper process the engine recorded (slirp4netns, a fuse-overlayfs daemon): SIGTERM,
 * SIGKILL after 2 s, waiting at most 5 s in all, so a teardown cannot hang on it. Nothing is
 * sent once its pid names another process (a recorded start time that differs).
 */
export async function endOwner(owner: Pick<ProcessOwner, 'pid' | 'pidStartTime'>): Promise<void> {
  const alive = () => runAsync(ownerAliveSteps(owner));
  const send = (signal: NodeJS.Signals) => {
    try {
      process.kill(owner.pid, signal);
    } catch {
      // exited meanwhile
    }
  };
  if (!(await alive())) return;
  send('SIGTERM');
  for (let waited = 0; (await alive()) && waited < 5000; waited += 20) {
    if (waited === 2000) send('SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
