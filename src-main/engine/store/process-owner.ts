// Work directories (builds/<id>, pulls/<id>) name the process that owns them: pid and its
// start time, so a crashed owner whose pid was reused does not keep its directory alive.
import fs from 'node:fs';
import { parseStatStartTime, processStartTime } from '../../../native/lib/index';

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
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as ProcessOwner;
  } catch {
    return undefined;
  }
}

export function ownerAlive(owner: Pick<ProcessOwner, 'pid' | 'pidStartTime'>): boolean {
  try {
    if (processStartTime(owner.pid).toString() !== owner.pidStartTime) return false;
  } catch {
    return false; // no such process
  }
  return !hasExited(owner.pid);
}

/**
 * A killed process stays in /proc, with its start time, until its parent reaps it — which
 * an init that reaps lazily, or a parent busy elsewhere, may not do for a while. It is
 * dead all the same: state Z (zombie) or X (dead) in /proc/<pid>/stat.
 */
function hasExited(pid: number): boolean {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return true;
  }
  // pid (comm) state …: comm may hold spaces and parentheses, so the state follows the last ')'.
  const state = stat.slice(stat.lastIndexOf(')') + 2)[0];
  return state === 'Z' || state === 'X';
}

/**
 * processStartTime (the addon's face reads /proc synchronously) off the event loop: field 22
 * of /proc/<pid>/stat as a decimal string, undefined when there is no such process.
 */
export async function startTimeOf(pid: number): Promise<string | undefined> {
  if (!Number.isSafeInteger(pid) || pid <= 0) return undefined;
  try {
    return parseStatStartTime(await fs.promises.readFile(`/proc/${pid}/stat`)).toString();
  } catch {
    return undefined;
  }
}
