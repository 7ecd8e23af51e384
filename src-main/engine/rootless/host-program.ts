// The host's programs the rootless engine runs beside its containers — slirp4netns (the
// network), fuse-overlayfs (the overlay, where the kernel's is refused) — found on the
// engine's PATH, as a shell would find them. Each caller names the Debian package when one
// is missing.
import fs from 'node:fs';
import path from 'node:path';
import { type FsSteps, fsCall, runSync } from '../store/fs-steps';

/** The first executable `name` on PATH, or undefined. */
export function findOnPath(name: string, searchPath = process.env.PATH ?? ''): string | undefined {
  return runSync(findOnPathSteps(name, searchPath));
}

/** findOnPath as steps (store/fs-steps.ts), for a caller that runs either way. */
export function* findOnPathSteps(name: string, searchPath = process.env.PATH ?? ''): FsSteps<string | undefined> {
  for (const dir of searchPath.split(path.delimiter)) {
    const file = path.join(dir || '.', name);
    try {
      yield* fsCall('access', file, fs.constants.X_OK);
      if ((yield* fsCall('stat', file)).isFile()) return file;
    } catch {
      // not here
    }
  }
  return undefined;
}
