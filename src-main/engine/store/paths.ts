// Where everything lives under one store root (see DESIGN.md, Storage).
import os from 'node:os';
import path from 'node:path';
import { enginePrivilege } from '../rootless/privilege';
import { rootsStore } from './root-store';

export interface StorePaths {
  readonly root: string;
  readonly blobs: string;
  readonly index: string;
  readonly layers: string;
  /** Short links to layer diffs, so overlay mount options fit in a page. */
  readonly layerLinks: string;
  readonly containers: string;
  readonly tmp: string;
  readonly lock: string;
  /** flock of the store's one supervisor (restart policies, stats history); holds its pid. */
  readonly supervisorLock: string;
  /** Present only while a writer moves staged content into place: a crash leaves it behind. */
  readonly commitJournal: string;
}

export function storePaths(root: string): StorePaths {
  const abs = path.resolve(root);
  return {
    root: abs,
    blobs: path.join(abs, 'blobs', 'sha256'),
    index: path.join(abs, 'index.json'),
    layers: path.join(abs, 'layers'),
    layerLinks: path.join(abs, 'l'),
    containers: path.join(abs, 'containers'),
    tmp: path.join(abs, 'tmp'),
    lock: path.join(abs, 'lock'),
    supervisorLock: path.join(abs, 'supervisor.lock'),
    commitJournal: path.join(abs, 'commit-journal'),
  };
}

/**
 * `--root`, else `STRATA_ROOT`, else /var/lib/strata as the host's root or the XDG data dir
 * (a rootless engine is uid 0 in its user namespace, but its store is the user's).
 */
export function defaultStoreRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.STRATA_ROOT || enginePrivilege() === 'root') return rootsStore(env);
  const dataHome = env.XDG_DATA_HOME || path.join(os.homedir(), '.local', 'share');
  return path.join(dataHome, 'strata');
}

export function blobPath(paths: StorePaths, digest: string): string {
  return path.join(paths.blobs, digest.slice('sha256:'.length));
}

export function layerDir(paths: StorePaths, chainId: string): string {
  return path.join(paths.layers, chainId.slice('sha256:'.length));
}
