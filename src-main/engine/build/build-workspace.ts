// One build's working directory, `<root>/builds/<id>/`: step roots (upper, work, init and
// mount point), layer blobs being written, staged layer directories. It lives outside tmp/
// because the build holds the store lock only to publish, and every writer that takes the
// lock empties tmp/ of what it takes for a crashed writer's leftovers. It is on the store's
// filesystem, so staged blobs and layers move into the store by rename.
//
// The directory goes when the build ends, whatever the outcome: containers deleted, mounts
// undone, files removed (build-recovery.ts). A build that crashed leaves it behind; the next
// engine start, `prune` or build removes it once its owner's process is gone (build.json:
// pid + start time).
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { mountPointsOf, writeInitLayer } from '../containers/init-layer';
import { mountOverlay, unmountOverlay, unmountOverlayAsync } from '../containers/rootfs';
import { writeJsonAtomic } from '../store/atomic';
import type { Store } from '../store/store';
import { currentOwner } from '../store/process-owner';
import { removeStaleBuilds, tearDownBuildDir } from './build-recovery';
import { type BuildReferences, OWNER_FILE, REFS_FILE, buildsDir } from './build-refs';

/** The root filesystem a step works on. */
export interface StepRoot {
  dir: string;
  /** What the step changed: becomes its layer. */
  upper: string;
  /** Where to read and write the image as the step sees it (the overlay, or the upper dir of an empty stage). */
  rootfs: string;
  /**
   * Undoes the mount; the upper dir stays. On the threadpool: taking an overlay down syncs
   * the filesystem under its upper dir, 100+ ms while an import writes there.
   */
  unmount(): Promise<void>;
  /** Unmounts and removes the whole step directory (asynchronously: a root may hold thousands of files). */
  remove(): Promise<void>;
}

export class BuildWorkspace {
  private readonly refs: BuildReferences = { manifests: [], layers: [] };
  private counter = 0;

  private constructor(
    readonly store: Store,
    readonly dir: string,
  ) {}

  /** Clears up after crashed builds, then makes this build's directory. */
  static async open(store: Store): Promise<BuildWorkspace> {
    await removeStaleBuilds(store);
    const base = buildsDir(store.paths);
    fs.mkdirSync(base, { recursive: true, mode: 0o700 });
    const dir = path.join(base, `${Date.now().toString(36)}-${randomBytes(6).toString('hex')}`);
    fs.mkdirSync(dir, { mode: 0o700 });
    writeJsonAtomic(dir, path.join(dir, OWNER_FILE), currentOwner());
    return new BuildWorkspace(store, dir);
  }

  /** A new path in the workspace (not created). */
  scratch(label: string): string {
    return path.join(this.dir, `${label}-${this.counter++}`);
  }

  /** Records more references for gc (build-refs.ts). Only under the store lock. */
  protect(more: Partial<BuildReferences>): void {
    for (const digest of more.manifests ?? []) if (!this.refs.manifests.includes(digest)) this.refs.manifests.push(digest);
    for (const layer of more.layers ?? []) if (!this.refs.layers.some((known) => known.chainId === layer.chainId)) this.refs.layers.push(layer);
    writeJsonAtomic(this.dir, path.join(this.dir, REFS_FILE), this.refs);
  }

  /**
   * A root over `layers` (chain ids, bottom first) with a fresh upper dir; `init` adds the
   * mount points a container needs. An empty stage has no overlay: its root is the upper dir.
   */
  openRoot(label: string, layers: readonly string[], init: boolean): StepRoot {
    const dir = this.scratch(label);
    const upper = path.join(dir, 'upper');
    const work = path.join(dir, 'work');
    const rootfs = layers.length === 0 ? upper : path.join(dir, 'rootfs');
    fs.mkdirSync(dir);
    for (const sub of new Set([upper, work, rootfs])) fs.mkdirSync(sub, { mode: 0o755 });
    const unmount = async () => {
      if (rootfs !== upper) await unmountOverlayAsync(rootfs);
    };
    const root: StepRoot = {
      dir,
      upper,
      rootfs,
      unmount,
      remove: async () => {
        await unmount();
        await fs.promises.rm(dir, { recursive: true, force: true });
      },
    };
    if (layers.length === 0) return root;
    try {
      const initDir = init ? path.join(dir, 'init') : undefined;
      if (initDir) writeInitLayer(this.store, layers, mountPointsOf({}, []), initDir);
      mountOverlay(this.store, layers, { ...(initDir ? { init: initDir } : {}), upper, work, target: rootfs });
    } catch (error) {
      // Nothing was mounted, or the mount failed: the directory is small and goes before the error.
      if (rootfs !== upper) unmountOverlay(rootfs);
      fs.rmSync(dir, { recursive: true, force: true });
      throw error;
    }
    return root;
  }

  /** Removes everything the build made here. */
  async dispose(): Promise<void> {
    await tearDownBuildDir(this.store, this.dir);
  }
}
