// Work directories (builds/<id>, pulls/<id>) name the process that owns them: pid and its
// start time, so a crashed owner whose pid was reused does not keep its directory alive.
import fs from 'node:fs';
import { processStartTime } from '../../../native/lib/index';

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
    return processStartTime(owner.pid).toString() === owner.pidStartTime;
  } catch {
    return false; // no such process
  }
}
