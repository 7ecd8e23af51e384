// The store: one root directory (see DESIGN.md, Storage). Readers read files that only ever
// appear by rename; writers run one at a time under the store lock.
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic, writeJsonAtomic } from './atomic';
import { type FreeSpaceReserve, SpaceGuard } from './free-space';
import { type ImageRecord, readImageIndex, readImageIndexAsync, writeImageIndex, writeImageIndexAsync } from './image-index';
import { inLine, recoverIfIdle, withStoreLock } from './lock';
import { type StorePaths, storePaths } from './paths';
import { recoverStore, recoverStoreAsync } from './recovery';
import { type StoreMode, checkStoreMode, readStoreMode, storeModeFile, storeModeOf } from './store-mode';

export interface StoreOptions {
  /** Free space staged writes leave on the store's filesystem; default 5 %, at most 1 GiB. */
  reserve?: FreeSpaceReserve;
}

export class Store {
  private constructor(
    readonly paths: StorePaths,
    readonly reserve: FreeSpaceReserve | undefined,
    /** The form of its layers (store-mode.ts): the engine's own, checked at open. */
    readonly mode: StoreMode,
  ) {}

  /** Opens (creating when new) the store at `root`, clearing up after a crashed writer. */
  static open(root: string, options: StoreOptions = {}): Store {
    const paths = storePaths(root);
    const mode = storeModeOf();
    // Before anything is made or cleared: a store of the other engine is left as it is.
    checkStoreMode(paths, fs.existsSync(paths.root) ? readStoreMode(paths) : undefined, mode);
    for (const dir of [paths.root, paths.blobs, paths.layers, paths.containers, paths.tmp]) fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const marker = path.join(paths.root, 'oci-layout');
    const modeFile = storeModeFile(paths);
    // A new store's marker is staged in tmp/ like every file, so under the lock: another
    // process opening the same new store clears tmp/ of what it takes for a dead writer's.
    if (!fs.existsSync(marker) || !fs.existsSync(modeFile) || fs.readdirSync(paths.tmp).length > 0 || fs.existsSync(paths.commitJournal)) {
      recoverIfIdle(paths, () => {
        recoverStore(paths);
        if (!fs.existsSync(marker)) writeJsonAtomic(paths.tmp, marker, { imageLayoutVersion: '1.0.0' });
        // Under the lock, so two engines of different modes making one store cannot both win.
        checkStoreMode(paths, readStoreMode(paths), mode);
        if (!fs.existsSync(modeFile)) writeFileAtomic(paths.tmp, modeFile, `${mode}\n`);
      });
    }
    return new Store(paths, options.reserve, mode);
  }

  /** A new count of one job's staged writes against the free-space reserve. */
  spaceGuard(): SpaceGuard {
    return new SpaceGuard(this.paths.tmp, this.reserve);
  }

  /**
   * Runs `work` as the only writer; first clears up after any writer that crashed. Writers
   * of one process queue before they wait for the flock (see `inLine`).
   */
  write<T>(work: () => Promise<T> | T): Promise<T> {
    return inLine(this.paths.root, () => withStoreLock(this.paths, recoverStoreAsync, work));
  }

  readImages(): ImageRecord[] {
    return readImageIndex(this.paths);
  }

  /** readImages off the event loop: for the API's reads. */
  readImagesAsync(): Promise<ImageRecord[]> {
    return readImageIndexAsync(this.paths);
  }

  /** Only under `write`. */
  updateImages(change: (images: ImageRecord[]) => ImageRecord[]): void {
    writeImageIndex(this.paths, change(readImageIndex(this.paths)));
  }

  /** updateImages off the event loop: for the API's tag and rmi. Only under `write`. */
  async updateImagesAsync(change: (images: ImageRecord[]) => ImageRecord[]): Promise<void> {
    await writeImageIndexAsync(this.paths, change(await readImageIndexAsync(this.paths)));
  }

  /** Marks the start of moving staged content into place (only under `write`). */
  beginCommit(): void {
    fs.writeFileSync(this.paths.commitJournal, `${process.pid}\n`);
  }

  endCommit(): void {
    fs.rmSync(this.paths.commitJournal, { force: true });
  }
}
