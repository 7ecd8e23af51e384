// Writes one layer tar into a directory in overlay form, entry by entry as the tar streams
// in. This is a security boundary: nothing may land outside `dest`. The directory is new
// and private to this writer, so every path in it was made by this writer; the writer keeps
// the set of real directories it made and never writes through anything else. That check
// gives the clear INVALID_ARCHIVE message; the writes themselves go through the confined
// primitives (native/lib/confine.ts) against an fd of `dest`, with symlinks and mount
// crossings refused on the way, so even a process that could change `dest` under us could
// not turn a parent into a link out.
//
// The checks run as each entry arrives, against the writer's own record of what it made; the
// file system work they decide is queued in tar order and run one step after another (see
// `settled`). The steps that make something — files, directories, links — run on the libuv
// threadpool: creating an entry can take milliseconds on a busy disk, hundreds of times per
// layer, and the engine's event loop (the window's) must not wait for each. A layer of
// thousands of small files is bound by those trips, so new directories and whole small files
// go in batches (makeEntriesInRoot: one trip for up to BATCH_ENTRIES of them, made in order
// while the next batch is read); anything else first sends the batch gathered so far. A
// larger file is opened together with its first content, then written on as it streams in.
// Steps that only change what is there (owner, mode, times, close) stay synchronous:
// microseconds each.
import fs from 'node:fs';
import { type ConfineOptions, type NewEntry, S_IFBLK, S_IFCHR, S_IFIFO, atInRoot, atInRootAsync, lsetxattr, makeEntriesInRoot, mknod, openInRoot, openInRootAsync, openRoot, removeInRoot } from '../../../native/lib/index';
import { StrataError } from '@shared/errors';
import { LoopBudget } from '../store/loop-budget';
import type { LayerEntry } from './layer-entry';
import { PATH_MAX, baseName, checkNameLength, hostile, normalizeEntryName, notUtf8, parentOf } from './safe-path';
import type { TarEntry, TarHandlers } from './tar-reader';
import { type IdMaps, type Privilege, describeIdMap, engineIdMaps, isMappedId } from '../rootless/privilege';
import { classifyWhiteout, isOverlayXattr, opaqueXattr } from './whiteouts';

// libuv opens every fd with O_CLOEXEC already.
const { O_RDONLY, O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW, O_DIRECTORY } = fs.constants;
const NEW_FILE = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW;
/** Every directory on the way was made by this writer: a link or a mount there is not ours. */
const CONFINED: ConfineOptions = { noSymlinks: true, noXdev: true };

export interface LayerWriterOptions {
  /** An empty directory owned by this writer. */
  dest: string;
  /**
   * What the engine may make (rootless/privilege.ts). root: owners, device nodes,
   * `trusted.*` xattrs, overlay's trusted.overlay.* form. rootless (uid 0 in a user
   * namespace): owners within the namespace's id maps (others refused), no device nodes
   * (mknod is refused there: skipped, as podman does), the user.overlay.* form.
   * unprivileged: the rootless form without owners (every file is the user's).
   */
  privilege: Privilege;
  /** The id maps owners are checked against when rootless; this process's by default. */
  idMaps?: IdMaps;
  /** Where the layer will live once moved into place, when that is not `dest`: names must fit below it too. */
  finalDest?: string;
}

export interface LayerWriteResult {
  entries: LayerEntry[];
  /** Device nodes left out because only root may create them. */
  skippedDevices: number;
  /** The first few of them, by path (for the note that says so). */
  skippedDevicePaths: string[];
}

/** How many skipped device paths a result names. */
const SKIPPED_NAMED = 10;

interface PendingDir {
  rel: string;
  entry: LayerEntry;
}

/** Content waiting to be written is handed to the threadpool once it is this big (or its file ends). */
const WRITE_BATCH = 256 << 10;
/** A file this small (and without xattrs) is made whole in a batch, its content copied there. */
const SMALL_FILE = 128 << 10;
/** A batch of new entries goes to the threadpool at this many entries or bytes of content. */
const BATCH_ENTRIES = 128;
const BATCH_BYTES = 1 << 20;

export class LayerWriter implements TarHandlers {
  private readonly entries = new Map<string, LayerEntry>();
  private readonly dirs = new Set<string>(['']);
  private readonly pendingDirs = new Map<string, PendingDir>();
  /** The open file's fd, as the steps run (set by its open step, cleared by its close step). */
  private fd: number | null = null;
  /** As entries arrive: the current entry is a file whose content is written. */
  private writing = false;
  private fileMtime = 0;
  private fileMode = 0;
  /** The current file, until its open is queued (with its first content: see queueWrite). */
  private unopened: { name: string; header: TarEntry } | null = null;
  /** The current file, when it is small: made whole in the batch once its content is in. */
  private small: { name: string; header: TarEntry } | null = null;
  /** New entries not yet sent to the threadpool, and the bytes of content they hold. */
  private batch: NewEntry[] = [];
  private batchBytes = 0;
  /** Content of the current file not yet queued: views into the reader's input (see `settled`). */
  private pendingData: Buffer[] = [];
  private pendingBytes = 0;
  private skippedDevices = 0;
  private readonly skippedDevicePaths: string[] = [];
  /** Owners are given (root, rootless) or not (unprivileged: no chown at all). */
  private readonly chowns: boolean;
  private readonly opaqueName: string;
  private rootFd: number | null = null;
  /** The file system work decided so far, one step after another; a failed step stops the rest. */
  private work: Promise<void> = Promise.resolve();
  /** `work` as the last batch sent left it, and as it was before that batch (see settled). */
  private lastBatch: Promise<void> | null = null;
  private beforeLastBatch: Promise<void> = this.work;

  constructor(private readonly options: LayerWriterOptions) {
    this.chowns = options.privilege !== 'unprivileged';
    this.opaqueName = opaqueXattr(options.privilege);
  }

  /**
   * Resolves once every step queued so far has run, or rejects with the first that failed —
   * but for a batch queued last, which may run on meanwhile. The caller waits for it before
   * it hands the reader more input: content is queued as views into that input, so the
   * input must stay as it is until then (a batch holds copies). The reader goes on with the
   * next entries while the batch before them is made: one batch in flight, one gathering.
   */
  settled(): Promise<void> {
    return this.work === this.lastBatch ? this.beforeLastBatch : this.work;
  }

  /**
   * Every step queued so far run, the batch gathered so far sent first: for a caller about to
   * report an entry the writer refused, so that an earlier entry's failure, if any, is the
   * one reported.
   */
  drained(): Promise<void> {
    this.sendBatch();
    return this.work;
  }

  entry(header: TarEntry): void {
    checkNamesAreUtf8(header);
    const name = normalizeEntryName(header.name);
    if (name === '') return; // the layer root itself: its metadata belongs to the image root
    // Refused here, before anything is written, rather than as a raw ENAMETOOLONG midway.
    checkNameLength(name, [this.options.dest, this.options.finalDest ?? '']);
    const parent = parentOf(name);
    const whiteout = classifyWhiteout(baseName(name));
    if (whiteout.kind === 'meta') return;
    if (whiteout.kind === 'opaque') return this.markOpaque(parent, header);
    this.checkOwner(name, header);
    this.ensureParentDirs(name);
    if (whiteout.kind === 'whiteout') {
      const target = parent === '' ? whiteout.target : `${parent}/${whiteout.target}`;
      return this.writeWhiteout(normalizeEntryName(target), header);
    }
    switch (header.type) {
      case 'directory':
        return this.writeDirectory(name, header);
      case 'file':
        return this.openFile(name, header);
      case 'symlink':
        return this.writeSymlink(name, header);
      case 'hardlink':
        return this.writeHardlink(name, header);
      case 'char':
      case 'block':
      case 'fifo':
        return this.writeSpecial(name, header);
    }
  }

  data(chunk: Buffer): void {
    if (!this.writing) return; // content of an entry that has none on disk
    this.pendingData.push(chunk);
    this.pendingBytes += chunk.length;
    if (this.pendingBytes >= WRITE_BATCH && !this.small) this.queueWrite();
  }

  entryEnd(): void {
    if (!this.writing) return;
    this.writing = false;
    if (this.small) return this.batchSmallFile();
    this.queueWrite();
    const mtime = this.fileMtime;
    const mode = this.fileMode;
    this.then(() => {
      const fd = this.fd!;
      this.fd = null;
      try {
        // After the writes: a write clears setuid and setgid unless the writer holds
        // CAP_FSETID over the host's ids, which a rootless engine does not.
        fs.fchmodSync(fd, mode);
        fs.futimesSync(fd, mtime, mtime); // after the writes, which set mtime
      } finally {
        fs.closeSync(fd);
      }
    });
  }

  /** Applies directory metadata deepest first (writing children changes a dir's mtime). */
  async finish(): Promise<LayerWriteResult> {
    if (this.writing) this.entryEnd();
    this.sendBatch();
    await this.work;
    const dirs = [...this.pendingDirs.values()].sort((a, b) => b.rel.length - a.rel.length);
    const budget = new LoopBudget();
    for (const { rel, entry } of dirs) {
      const fd = openInRoot(this.root(), rel, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0, CONFINED);
      try {
        if (this.chowns) fs.fchownSync(fd, entry.uid, entry.gid);
        fs.fchmodSync(fd, entry.mode);
        fs.futimesSync(fd, entry.mtime, entry.mtime);
      } finally {
        fs.closeSync(fd);
      }
      await budget.pause();
    }
    this.closeRoot();
    return { entries: [...this.entries.values()], skippedDevices: this.skippedDevices, skippedDevicePaths: this.skippedDevicePaths };
  }

  /** Closes what is open after a failure, once no step runs any more; the caller then removes `dest`. */
  async abort(): Promise<void> {
    this.batch = [];
    await this.work.catch(() => undefined);
    if (this.fd !== null) fs.closeSync(this.fd);
    this.fd = null;
    this.closeRoot();
  }

  /** Queues `step` after every step before it (the batch gathered so far included); it does not run if one of them failed. */
  private then(step: () => void | Promise<void>): void {
    this.sendBatch();
    this.chain(step);
  }

  private chain(step: () => void | Promise<void>): void {
    this.work = this.work.then(step);
    this.work.catch(() => undefined); // the failure is the caller's, through settled(), finish() or abort()
  }

  /** Adds a new entry to the batch; a full batch goes to the threadpool. */
  private batchEntry(entry: NewEntry): void {
    this.batch.push(entry);
    if (entry.kind === 'file') this.batchBytes += entry.data.length;
    if (this.batch.length >= BATCH_ENTRIES || this.batchBytes >= BATCH_BYTES) this.sendBatch();
  }

  /** Queues the batch gathered so far as one step. */
  private sendBatch(): void {
    if (this.batch.length === 0) return;
    const entries = this.batch;
    this.batch = [];
    this.batchBytes = 0;
    this.beforeLastBatch = this.work;
    this.chain(() => makeEntriesInRoot(this.root(), entries, CONFINED));
    this.lastBatch = this.work;
  }

  /** The small file just read, whole, into the batch: its content copied out of the reader's input. */
  private batchSmallFile(): void {
    const { name, header } = this.small!;
    this.small = null;
    const data = Buffer.concat(this.pendingData, this.pendingBytes);
    this.pendingData = [];
    this.pendingBytes = 0;
    const owner = this.chowns ? { uid: header.uid, gid: header.gid } : undefined;
    this.batchEntry({ kind: 'file', path: name, mode: this.fileMode, mtime: this.fileMtime, data, ...(owner ? { owner } : {}) });
  }

  /**
   * Queues the content gathered so far for the current file, in one step on the threadpool:
   * the file's open with it (and its owner given), the first time; a write after that.
   */
  private queueWrite(): void {
    const chunks = this.pendingData;
    this.pendingData = [];
    this.pendingBytes = 0;
    if (this.unopened) {
      const { name, header } = this.unopened;
      this.unopened = null;
      this.then(async () => {
        const fd = await openInRootAsync(this.root(), name, NEW_FILE, CONFINED, 0o600, chunks);
        this.fd = fd;
        if (this.chowns) fs.fchownSync(fd, header.uid, header.gid);
      });
      this.applyXattrs(name, header);
      return;
    }
    if (chunks.length === 0) return;
    this.then(() => writeAll(this.fd!, chunks));
  }

  /** The fd every write is confined to, opened on the first entry. */
  private root(): number {
    this.rootFd ??= openRoot(this.options.dest);
    return this.rootFd;
  }

  private closeRoot(): void {
    if (this.rootFd !== null) fs.closeSync(this.rootFd);
    this.rootFd = null;
  }

  /** Queues `act` on the entry `relPath` (never '') through an fd of its parent directory. */
  private at(relPath: string, act: (entry: string) => void): void {
    this.then(() => atInRoot(this.root(), relPath, act, CONFINED));
  }

  /** at() for an act that makes the entry: it runs on the threadpool. */
  private make(relPath: string, act: (entry: string) => Promise<void>): void {
    this.then(() => atInRootAsync(this.root(), relPath, act, CONFINED));
  }

  /** Every ancestor must be a directory this writer made; missing ones are made (0755). */
  private ensureParentDirs(name: string): void {
    const parent = parentOf(name);
    if (this.dirs.has(parent)) return;
    this.ensureParentDirs(parent);
    const existing = this.entries.get(parent);
    if (existing) {
      const why = existing.kind === 'symlink' ? `its parent ${JSON.stringify(parent)} is a symlink` : `its parent ${JSON.stringify(parent)} is not a directory`;
      throw hostile('entry', name, why);
    }
    this.batchEntry({ kind: 'dir', path: parent, mode: 0o755 });
    this.dirs.add(parent);
    this.recordDir(parent, { path: parent, kind: 'dir', size: 0, mode: 0o755, uid: 0, gid: 0, mtime: 0 });
  }

  private recordDir(relPath: string, entry: LayerEntry): void {
    this.entries.set(relPath, entry);
    this.pendingDirs.set(relPath, { rel: relPath, entry });
  }

  /** Clears the way for a new entry at `name`: tar semantics, the later entry wins. */
  private replaceExisting(name: string, keepDirectory: boolean): void {
    const existing = this.entries.get(name);
    if (!existing) return;
    if (existing.kind === 'dir') {
      if (keepDirectory) return;
      this.then(() => removeInRoot(this.root(), name, CONFINED));
      const prefix = name + '/';
      for (const key of [...this.entries.keys()]) if (key === name || key.startsWith(prefix)) this.forget(key);
    } else {
      this.at(name, (entry) => fs.unlinkSync(entry));
      this.forget(name);
    }
  }

  private forget(relPath: string): void {
    this.entries.delete(relPath);
    this.dirs.delete(relPath);
    this.pendingDirs.delete(relPath);
  }

  private baseEntry(name: string, header: TarEntry, kind: LayerEntry['kind']): LayerEntry {
    return { path: name, kind, size: 0, mode: header.mode & 0o7777, uid: header.uid, gid: header.gid, mtime: header.mtime };
  }

  private writeDirectory(name: string, header: TarEntry): void {
    this.replaceExisting(name, true);
    const existing = this.entries.get(name);
    if (!existing) this.batchEntry({ kind: 'dir', path: name, mode: 0o700 });
    this.dirs.add(name);
    const entry = this.baseEntry(name, header, 'dir');
    if (existing?.opaque) entry.opaque = true;
    this.recordDir(name, entry);
    this.applyXattrs(name, header);
  }

  private openFile(name: string, header: TarEntry): void {
    this.replaceExisting(name, false);
    // A small file is made whole in the batch; a larger one is opened with its first content
    // (queueWrite), not in one trip for the open and one for the write.
    if (header.size <= SMALL_FILE && header.xattrs.size === 0) this.small = { name, header };
    else this.unopened = { name, header };
    this.writing = true;
    this.fileMtime = header.mtime;
    this.fileMode = header.mode & 0o7777; // set once the content is in (entryEnd)
    this.entries.set(name, { ...this.baseEntry(name, header, 'file'), size: header.size });
  }

  private writeSymlink(name: string, header: TarEntry): void {
    const targetBytes = Buffer.byteLength(header.linkname);
    if (targetBytes >= PATH_MAX) throw hostile('symlink', name, `its target is ${targetBytes} bytes, more than the ${PATH_MAX - 1} a link may hold`);
    this.replaceExisting(name, false);
    this.make(name, async (entry) => {
      await fs.promises.symlink(header.linkname, entry);
      this.finishNonFile(entry, header);
    });
    this.entries.set(name, { ...this.baseEntry(name, header, 'symlink'), mode: 0o777, link: header.linkname });
    this.applyXattrs(name, header);
  }

  private writeHardlink(name: string, header: TarEntry): void {
    const target = normalizeEntryName(header.linkname, 'hardlink target');
    const targetEntry = this.entries.get(target);
    if (!targetEntry || targetEntry.kind === 'dir' || targetEntry.kind === 'whiteout') {
      throw hostile('hardlink', name, `its target ${JSON.stringify(header.linkname)} is not a file earlier in this layer`);
    }
    if (target === name) return;
    this.replaceExisting(name, false);
    this.then(() => atInRootAsync(this.root(), target, (existing) => atInRootAsync(this.root(), name, (entry) => fs.promises.link(existing, entry), CONFINED), CONFINED));
    const source = targetEntry.kind === 'hardlink' ? (targetEntry.link ?? target) : target;
    this.entries.set(name, { ...targetEntry, path: name, kind: 'hardlink', size: 0, link: source });
  }

  private writeSpecial(name: string, header: TarEntry): void {
    const type = header.type === 'char' ? S_IFCHR : header.type === 'block' ? S_IFBLK : S_IFIFO;
    if (type !== S_IFIFO && this.options.privilege !== 'root') {
      // mknod of a device is refused in a user namespace (and outside as a user): the
      // image runs without it, as under rootless podman; the runtime gives /dev its own.
      this.skippedDevices++;
      if (this.skippedDevicePaths.length < SKIPPED_NAMED) this.skippedDevicePaths.push(name);
      return;
    }
    this.replaceExisting(name, false);
    this.at(name, (entry) => {
      mknod(entry, type | (header.mode & 0o7777), header.devmajor, header.devminor);
      this.finishNonFile(entry, header);
      // mknod's mode passes through the umask (0666 would become 0644); chmod does not.
      // After the chown, which may clear setuid and setgid bits.
      fs.chmodSync(entry, header.mode & 0o7777);
    });
    const kind = header.type === 'char' ? 'char' : header.type === 'block' ? 'block' : 'fifo';
    this.entries.set(name, this.baseEntry(name, header, kind));
    this.applyXattrs(name, header);
  }

  private writeWhiteout(target: string, header: TarEntry): void {
    if (target === '' || baseName(target) === '') throw hostile('whiteout', header.name, 'names no file');
    // A 0/0 character device is overlay's whiteout in both forms; since Linux 5.8 anyone
    // may make one (the kernel exempts it from CAP_MKNOD).
    this.replaceExisting(target, false);
    this.at(target, (entry) => {
      mknod(entry, S_IFCHR, 0, 0);
      this.finishNonFile(entry, header);
    });
    this.entries.set(target, { ...this.baseEntry(target, header, 'whiteout'), mode: 0 });
  }

  private markOpaque(dir: string, header: TarEntry): void {
    if (dir !== '') {
      this.ensureParentDirs(dir + '/x');
      if (!this.dirs.has(dir)) throw hostile('opaque marker', header.name, 'its directory is not a directory');
    }
    // The layer root is `dest` itself, which is ours; anything below goes through its parent's fd.
    const name = this.opaqueName;
    if (dir === '') this.then(() => lsetxattr(this.options.dest, name, Buffer.from('y')));
    else this.at(dir, (entry) => lsetxattr(entry, name, Buffer.from('y')));
    const entry = this.entries.get(dir);
    if (entry) entry.opaque = true;
    else if (dir === '') this.entries.set('', { path: '', kind: 'dir', size: 0, mode: 0o755, uid: 0, gid: 0, mtime: 0, opaque: true });
  }

  /**
   * Rootless: an owner the namespace has no id for cannot be given (chown fails with
   * EINVAL midway). Refused before anything of the entry is written, naming the path and
   * the id, as podman does ("potentially insufficient UIDs or GIDs"); the importer throws
   * the staged layer away, so the store is as it was.
   */
  private checkOwner(name: string, header: TarEntry): void {
    // A hard link has its target's owner; a device node is skipped, whoever owns it.
    if (this.options.privilege !== 'rootless' || header.type === 'hardlink' || header.type === 'char' || header.type === 'block') return;
    const maps = (this.options.idMaps ??= engineIdMaps());
    for (const [what, id, map] of [['uid', header.uid, maps.uid], ['gid', header.gid, maps.gid]] as const) {
      if (map.length === 0 || isMappedId(map, id)) continue;
      throw new StrataError(
        'UNSUPPORTED',
        `the layer's ${JSON.stringify(name)} is owned by ${what} ${id}, which this user namespace cannot represent (it maps ${what}s ${describeIdMap(map)}): give the user a larger range in /etc/sub${what} (usermod --add-sub${what}s) and restart the rootless engine`,
      );
    }
  }

  private finishNonFile(entry: string, header: TarEntry): void {
    if (this.chowns) fs.lchownSync(entry, header.uid, header.gid);
    fs.lutimesSync(entry, header.mtime, header.mtime);
  }

  private applyXattrs(name: string, header: TarEntry): void {
    if (header.xattrs.size === 0) return;
    this.at(name, (entry) => {
      for (const [key, value] of header.xattrs) {
        if (isOverlayXattr(key)) continue; // only the unpacker speaks overlay
        if (this.options.privilege !== 'root' && (key.startsWith('trusted.') || key.startsWith('security.'))) continue;
        lsetxattr(entry, key, value);
      }
    });
  }
}

/**
 * Names are stored as UTF-8 text (layer index, API, window). Bytes that are not UTF-8 would
 * be re-spelt on disk, where they could land on another entry that spells the same text
 * in UTF-8 and silently replace it: refused instead, with the bytes shown.
 */
function checkNamesAreUtf8(header: TarEntry): void {
  const why = 'its name is not UTF-8 (Strata keeps file names as UTF-8 text; re-create the archive with UTF-8 names)';
  if (header.nameNotUtf8) throw notUtf8('entry', Buffer.from(header.name, 'latin1'), why);
  if (header.linknameNotUtf8 && (header.type === 'symlink' || header.type === 'hardlink')) {
    throw notUtf8(`${header.type} ${JSON.stringify(header.name)} pointing to`, Buffer.from(header.linkname, 'latin1'), 'the target is not UTF-8 (Strata keeps link targets as UTF-8 text)');
  }
}

/** Writes every byte of `chunks` at the fd's offset, on the threadpool (a short write goes on where it stopped). */
export async function writeAll(fd: number, chunks: Buffer[]): Promise<void> {
  let rest = chunks;
  while (rest.length > 0) {
    let written = await new Promise<number>((resolve, reject) => fs.writev(fd, rest, (error, bytes) => (error ? reject(error) : resolve(bytes))));
    if (written === 0) throw Object.assign(new Error('EIO: i/o error, write made no progress'), { code: 'EIO', syscall: 'write' });
    const left: Buffer[] = [];
    for (const chunk of rest) {
      if (written >= chunk.length) written -= chunk.length;
      else {
        left.push(written > 0 ? chunk.subarray(written) : chunk);
        written = 0;
      }
    }
    rest = left;
  }
}
