// A user-mode network's helper process (slirp4netns, pasta) as the engine keeps track of
// it: the helper outlives the engine (a container keeps running when the engine exits or
// crashes), so its pid and start time are recorded in a file beside the namespace file,
// and whoever tears the network down — stop, rm, a failed start, the next engine settling
// a container that died meanwhile — ends it by that record (store/process-owner.ts'
// endOwner). A recycled pid is never signalled: the start time must match.
import fs from 'node:fs';
import { processStartTimeAsync } from '../../../native/lib/index';

export interface HelperProcess {
  pid: number;
  /** Field 22 of /proc/<pid>/stat, decimal. */
  pidStartTime: string;
}

/** The helper `pid` as a record: its start time read now (throws if it is gone already). */
export async function helperOf(pid: number): Promise<HelperProcess> {
  return { pid, pidStartTime: (await processStartTimeAsync(pid)).toString() };
}

/** A helper's record file, or undefined where there is none (or it is unreadable: a write cut short). */
export async function readHelperRecord<T extends HelperProcess>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await fs.promises.readFile(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

export async function writeHelperRecord(file: string, record: HelperProcess): Promise<void> {
  await fs.promises.writeFile(file, JSON.stringify(record), { mode: 0o600 });
}

/** The last lines of a helper's log, for the error of a helper that would not start. */
export function tailOf(file: string, fallback = '(no output)'): string {
  try {
    return fs.readFileSync(file, 'utf8').trim().split('\n').slice(-3).join('; ') || fallback;
  } catch {
    return fallback;
  }
}
