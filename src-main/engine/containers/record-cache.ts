// The container records of one store held in memory: id → record, and name → id, filled by
// one listing of containers/. Several processes write records (the CLI, the window, serve),
// so a cached record is served only after a stat of its file shows the stamp it had when it
// was read (inode, size, mtime, ctime); one whose mtime is too close to the moment it was read
// to tell a later write in the same clock tick apart is read again ("racily clean", as git
// treats its index). inotify (fs.watch on containers/ and on each container's directory)
// makes changes known without being asked — it drives the API's containers.changed — but
// correctness never rests on it: an event can be lost, or not have arrived yet.
// Every look is off the event loop (fs.promises): the window's engine serves from here.
import fs from 'node:fs';
import path from 'node:path';
import { StrataError } from '@shared/errors';
import { readJsonFileAsync } from '../store/atomic';
import { CONTAINER_FILES, type ContainerRecord } from './container';

/** A record's file changed less than this long before it was read: read it again next time. */
const RACY_MS = 100n;
const NS_PER_MS = 1_000_000n;

interface Stamp {
  ino: bigint;
  size: bigint;
  mtimeNs: bigint;
  ctimeNs: bigint;
}

interface Entry {
  record: ContainerRecord;
  stamp: Stamp;
  /** The stamp proves nothing: re-read at the next look (racily clean, or an event came). */
  doubtful: boolean;
}

/** Told the id of a container whose record or exit file changed, or undefined for "look at all". */
export type RecordListener = (id: string | undefined) => void;

export interface RecordCacheOptions {
  /** false: no fs.watch at all (filesystems without inotify); the stamps alone keep it right. */
  inotify?: boolean;
}

export class RecordCache {
  private readonly entries = new Map<string, Entry>();
  private readonly names = new Map<string, string>();
  private readonly listeners = new Set<RecordListener>();
  private dirWatch: fs.FSWatcher | undefined;
  private readonly idWatches = new Map<string, fs.FSWatcher>();
  /** Damaged records this cache has warned about: ps and the restart monitor list often. */
  private readonly reported = new Set<string>();
  /** container.json files read so far (tests and the count use it). */
  reads = 0;
  /** Settles once every container directory listed when watching began is watched too. */
  private watchesSet: Promise<void> = Promise.resolve();

  constructor(
    readonly dir: string,
    private readonly options: RecordCacheOptions = {},
  ) {}

  /** The ids as the directory lists them now (no record read). */
  ids(): Promise<string[]> {
    return fs.promises.readdir(this.dir);
  }

  /** Every record, newest first: one listing, one stat per record, reads only what changed. */
  async list(): Promise<ContainerRecord[]> {
    const ids = await this.ids();
    const present = new Set(ids);
    for (const id of this.entries.keys()) if (!present.has(id)) this.drop(id);
    const records = (await Promise.all(ids.map((id) => this.get(id)))).filter((record) => record !== undefined);
    return records.sort((a, b) => (a.created < b.created ? 1 : -1));
  }

  /** One record by full id, from its own file alone; undefined when there is none (or it is damaged). */
  async get(id: string): Promise<ContainerRecord | undefined> {
    const file = path.join(this.dir, id, CONTAINER_FILES.record);
    // Stat before reading: a write between the two leaves a stamp older than the content,
    // which the next look takes for a change — the safe way round.
    const stamp = await statStamp(file);
    if (!stamp) {
      this.drop(id);
      return undefined;
    }
    const entry = this.entries.get(id);
    if (entry && !entry.doubtful && sameStamp(entry.stamp, stamp)) return entry.record;
    const readAt = BigInt(Date.now()) * NS_PER_MS;
    let record: ContainerRecord;
    try {
      this.reads++;
      record = await readJsonFileAsync<ContainerRecord>(file);
    } catch (error) {
      this.drop(id);
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined; // removed by another writer right now
      // Records appear whole, by rename: this one was damaged outside Strata. Lookups go on
      // without it; saying so once is what a person can act on.
      if (!this.reported.has(file)) {
        this.reported.add(file);
        process.emitWarning(`container ${id} left out: ${(error as Error).message}`, { code: 'STRATA_DAMAGED_RECORD' });
      }
      return undefined;
    }
    this.remember(id, record, stamp, readAt);
    return record;
  }

  /** By full id, name, or unique id prefix (docker's order); NOT_FOUND or an ambiguous prefix throw. */
  async find(ref: string): Promise<ContainerRecord> {
    if (/^[a-f0-9]{64}$/.test(ref)) {
      const record = await this.get(ref);
      if (record) return record;
    }
    const name = ref.replace(/^\//, '');
    const known = this.names.get(name);
    if (known !== undefined) {
      const record = await this.get(known);
      if (record?.name === name) return record; // names are unique: no need to look further
    }
    // Not known, or no longer true: the directory as it is now decides.
    const records = await this.list();
    const byName = records.find((record) => record.name === name);
    if (byName) return byName;
    if (/^[a-f0-9]{1,64}$/.test(ref)) {
      const matches = records.filter((record) => record.id.startsWith(ref));
      if (matches.length === 1) return matches[0]!;
      if (matches.length > 1) throw new StrataError('INVALID_ARGUMENT', `container ID prefix ${ref} is ambiguous: give more characters`);
    }
    throw new StrataError('NOT_FOUND', `no such container: ${ref}`);
  }

  /** This process has just renamed `record` into place: keep it without reading it back, and tell listeners. */
  written(record: ContainerRecord, stamp: fs.BigIntStats): void {
    this.remember(record.id, record, toStamp(stamp), BigInt(Date.now()) * NS_PER_MS);
    this.watchId(record.id);
    this.notify(record.id);
  }

  /**
   * Tells `listener` of changes made by any process, as inotify reports them (hints: the
   * listener looks itself). Watches are set up while anyone listens. Returns unsubscribe.
   */
  watch(listener: RecordListener): () => void {
    this.listeners.add(listener);
    if (this.listeners.size === 1 && this.options.inotify !== false) this.startWatching();
    return () => {
      if (!this.listeners.delete(listener) || this.listeners.size) return;
      this.dirWatch?.close();
      this.dirWatch = undefined;
      for (const watcher of this.idWatches.values()) watcher.close();
      this.idWatches.clear();
    };
  }

  /** Resolves once the watches set up by watch() are all in place: changes from then on are told. */
  whenWatching(): Promise<void> {
    return this.watchesSet;
  }

  private startWatching(): void {
    try {
      const watcher = fs.watch(this.dir, { persistent: false }, (_event, name) => {
        // A container directory appeared or went: watch it (or forget it) and say so.
        if (name === null) return this.notify(undefined);
        void fs.promises.access(path.join(this.dir, name)).then(
          () => this.watchId(name),
          () => this.unwatchId(name),
        );
        this.notify(name);
      });
      watcher.on('error', () => this.lostWatch(watcher));
      this.dirWatch = watcher;
    } catch {
      return; // no inotify here: the stamps (and the API's slow poll) cover it
    }
    // watchId does nothing once the watching has stopped (dirWatch gone) meanwhile.
    this.watchesSet = this.ids().then(
      (ids) => ids.forEach((id) => this.watchId(id)),
      () => undefined,
    );
  }

  private watchId(id: string): void {
    if (!this.dirWatch || this.idWatches.has(id)) return;
    try {
      const watcher = fs.watch(path.join(this.dir, id), { persistent: false }, (_event, name) => {
        if (name !== null && name !== CONTAINER_FILES.record && name !== CONTAINER_FILES.exit) return;
        const entry = this.entries.get(id);
        if (entry) entry.doubtful = true;
        this.notify(id);
      });
      watcher.on('error', () => {
        watcher.close();
        if (this.idWatches.get(id) === watcher) this.idWatches.delete(id);
        this.notify(id);
      });
      this.idWatches.set(id, watcher);
    } catch {
      // Gone already, or not a directory: the listing's event tells of it.
    }
  }

  private unwatchId(id: string): void {
    this.idWatches.get(id)?.close();
    this.idWatches.delete(id);
  }

  private lostWatch(watcher: fs.FSWatcher): void {
    watcher.close();
    if (this.dirWatch === watcher) this.dirWatch = undefined;
    this.notify(undefined);
  }

  private notify(id: string | undefined): void {
    for (const listener of [...this.listeners]) listener(id);
  }

  private remember(id: string, record: ContainerRecord, stamp: Stamp, readAt: bigint): void {
    const previous = this.entries.get(id);
    if (previous && this.names.get(previous.record.name) === id) this.names.delete(previous.record.name);
    this.entries.set(id, { record, stamp, doubtful: stamp.mtimeNs + RACY_MS * NS_PER_MS > readAt });
    this.names.set(record.name, id);
  }

  private drop(id: string): void {
    const entry = this.entries.get(id);
    if (!entry) return;
    this.entries.delete(id);
    if (this.names.get(entry.record.name) === id) this.names.delete(entry.record.name);
  }
}

async function statStamp(file: string): Promise<Stamp | undefined> {
  try {
    return toStamp(await fs.promises.stat(file, { bigint: true }));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw error;
  }
}

function toStamp(stats: fs.BigIntStats): Stamp {
  return { ino: stats.ino, size: stats.size, mtimeNs: stats.mtimeNs, ctimeNs: stats.ctimeNs };
}

function sameStamp(a: Stamp, b: Stamp): boolean {
  return a.ino === b.ino && a.size === b.size && a.mtimeNs === b.mtimeNs && a.ctimeNs === b.ctimeNs;
}
