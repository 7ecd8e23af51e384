// Where a pull downloads its blobs: `<root>/pulls/<id>/`. Downloads take as long as the
// network does, so they happen without the store lock, and therefore outside tmp/ (every
// writer that takes the lock empties tmp/). It is on the store's filesystem, so verified
// blobs move into blobs/ by rename. The directory goes when the pull ends, whatever the
// outcome; one left by a crashed process is removed by the next pull once that process is
// gone (owner.json: pid + start time, so a reused pid does not keep it).
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { writeJsonAtomic } from '../store/atomic';
import type { StorePaths } from '../store/paths';
import { currentOwner, ownerAlive, readOwnerFile } from '../store/process-owner';

const OWNER_FILE = 'owner.json';
/** A pull directory without an owner file younger than this is still being set up. */
const SETUP_GRACE_MS = 60_000;

export function pullsDir(paths: StorePaths): string {
  return path.join(paths.root, 'pulls');
}

export class PullWorkspace {
  private counter = 0;
  private constructor(readonly dir: string) {}

  static open(paths: StorePaths): PullWorkspace {
    removeStalePulls(paths);
    const dir = path.join(pullsDir(paths), `${Date.now().toString(36)}-${randomBytes(6).toString('hex')}`);
    makeDir(dir);
    writeJsonAtomic(dir, path.join(dir, OWNER_FILE), currentOwner());
    return new PullWorkspace(dir);
  }

  /** A new path in the workspace (not created). */
  file(label: string): string {
    return path.join(this.dir, `${label}-${this.counter++}`);
  }

  /** Removes the directory, and pulls/ too when no other pull is using it. */
  dispose(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
    removeIfEmpty(path.dirname(this.dir));
  }
}

/** Pull directories whose process has gone. */
export function removeStalePulls(paths: StorePaths): void {
  const base = pullsDir(paths);
  let names: string[];
  try {
    names = fs.readdirSync(base);
  } catch {
    return;
  }
  for (const name of names) {
    const dir = path.join(base, name);
    const owner = readOwnerFile(path.join(dir, OWNER_FILE));
    if (owner ? ownerAlive(owner) : ageMs(dir) < SETUP_GRACE_MS) continue;
    fs.rmSync(dir, { recursive: true, force: true });
  }
  removeIfEmpty(base);
}

/** mkdir -p, again if another process's removeIfEmpty took pulls/ away between the two mkdirs. */
function makeDir(dir: string): void {
  for (let attempt = 0; ; attempt++) {
    try {
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || attempt >= 3) throw error;
    }
  }
}

/** rmdir: fails harmlessly while another pull has its directory here (which it makes with mkdir -p). */
function removeIfEmpty(dir: string): void {
  try {
    fs.rmdirSync(dir);
  } catch {
    // not empty, or gone already
  }
}

function ageMs(dir: string): number {
  try {
    return Date.now() - fs.statSync(dir).mtimeMs;
  } catch {
    return Infinity;
  }
}
