// What the next writer does about a writer that died: tmp/ holds only the dead writer's
// staging (writers are exclusive), and a commit journal means content may have been moved
// into place without being referenced — a sweep removes it.
import fs from 'node:fs';
import path from 'node:path';
import { sweepUnreferenced, sweepUnreferencedAsync } from './gc';
import type { StorePaths } from './paths';
import { pathExists } from './exists';

/** At Engine.open (synchronous: before anything is served). */
export function recoverStore(paths: StorePaths): void {
  for (const name of fs.readdirSync(paths.tmp)) fs.rmSync(path.join(paths.tmp, name), { recursive: true, force: true });
  if (fs.existsSync(paths.commitJournal)) {
    sweepUnreferenced(paths);
    fs.rmSync(paths.commitJournal, { force: true });
  }
}

/** recoverStore for a writer taking the lock while the engine serves: every call off the event loop. */
export async function recoverStoreAsync(paths: StorePaths): Promise<void> {
  const names = await fs.promises.readdir(paths.tmp);
  await Promise.all(names.map((name) => fs.promises.rm(path.join(paths.tmp, name), { recursive: true, force: true })));
  if (await pathExists(paths.commitJournal)) {
    await sweepUnreferencedAsync(paths);
    await fs.promises.rm(paths.commitJournal, { force: true });
  }
}
