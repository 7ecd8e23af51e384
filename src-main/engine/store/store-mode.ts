// Which engine a store belongs to, recorded in the store (`<root>/engine-mode`) when it is
// first opened: `root` (the host's root: layers carry real owners and overlay's
// `trusted.overlay.*` xattrs) or `rootless` (a user's engine in its user namespace, and the
// same user outside one: owners within the user's subordinate ids, `user.overlay.*`
// xattrs). Layers of one form mean nothing to the other engine's overlay mounts (an opaque
// directory would show its lower content, owners would be shifted), so a store is only
// ever opened in the mode it was made in; the other is refused with the reason.
import fs from 'node:fs';
import path from 'node:path';
import { StrataError } from '@shared/errors';
import { type Privilege, enginePrivilege } from '../rootless/privilege';
import type { StorePaths } from './paths';

export type StoreMode = 'root' | 'rootless';

const MODE_FILE = 'engine-mode';

/** The store form an engine of this privilege reads and writes. */
export function storeModeOf(privilege: Privilege = enginePrivilege()): StoreMode {
  return privilege === 'root' ? 'root' : 'rootless';
}

export function storeModeFile(paths: StorePaths): string {
  return path.join(paths.root, MODE_FILE);
}

/** The mode recorded in the store; undefined for a store made before modes were recorded (or a new one). */
export function readStoreMode(paths: StorePaths): StoreMode | undefined {
  let text: string;
  try {
    text = fs.readFileSync(storeModeFile(paths), 'utf8').trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  if (text === 'root' || text === 'rootless') return text;
  throw new StrataError('UNSUPPORTED', `${storeModeFile(paths)} says ${JSON.stringify(text)}: this Strata knows stores of the root and rootless engines only`);
}

/**
 * Refuses a store made by the other engine. A store without a recorded mode is taken as
 * this engine's (stores made before modes were recorded: root's at /var/lib/strata, and
 * a user's, whose unprivileged layers held no overlay xattrs at all); the caller records it.
 */
export function checkStoreMode(paths: StorePaths, recorded: StoreMode | undefined, mode: StoreMode): void {
  if (recorded === undefined || recorded === mode) return;
  const why =
    recorded === 'rootless'
      ? 'it was made by a rootless engine (owners inside a user namespace, user.overlay.* xattrs)'
      : "it was made by the root engine (real owners, trusted.overlay.* xattrs, which a user's overlay cannot read)";
  const how = recorded === 'rootless' ? 'open it as the user who made it, without sudo' : 'use the system engine (sudo, or the root connection)';
  throw new StrataError('UNSUPPORTED', `cannot open the store ${paths.root} as a ${mode} engine: ${why}; ${how}, or choose another --root`);
}
