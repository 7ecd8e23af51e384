// What the next writer does about a writer that died: tmp/ holds only the dead writer's
// staging (writers are exclusive), and a commit journal means content may have been moved
// into place without being referenced — a sweep removes it.
import fs from 'node:fs';
import path from 'node:path';
import { sweepUnreferenced } from './gc';
import type { StorePaths } from './paths';

export function recoverStore(paths: StorePaths): void {
  for (const name of fs.readdirSync(paths.tmp)) fs.rmSync(path.join(paths.tmp, name), { recursive: true, force: true });
  if (fs.existsSync(paths.commitJournal)) {
    sweepUnreferenced(paths);
    fs.rmSync(paths.commitJournal, { force: true });
  }
}
