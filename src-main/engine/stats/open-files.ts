// Reading the same few kernel files every second, cheaply and without blocking the loop.
//
// Measured on this project's 2-core test machine, for 100 containers: fs.promises.readFile
// costs ~200 µs of CPU per file (open, fstat, read until EOF, close: four thread-pool round
// trips plus promise machinery), so reading ~15 cgroup files per container took ~45 % of a
// core. Keeping each file open and re-reading it with one pread(2) at offset 0 costs
// ~15 µs. That works because cgroup interface files and /proc files are seq_files: a read
// at offset 0 makes the kernel generate the contents afresh (fs/seq_file.c resets its
// iterator when the position is 0), and a read that returns less than the buffer holds
// has reached the end. Regular files (test fixtures) behave the same way as long as they
// are rewritten in place.
//
// A kept file descriptor goes stale when its file is removed: a removed cgroup's files
// answer ENODEV. The handle is then closed and the path opened again once, so a cgroup
// that was removed and created anew (a container restart) is read from its new files and
// the caller is told (`reopened`), which is how a counter reset is recognised. A path that
// no longer exists reads as null.
//
// A tick reads hundreds of files. They go out as one batch (readBatch): the kept files in
// a single piece of pool work (the addon's preadBatch: one pread after another on one
// pool thread, one callback for the lot), the others each with fs.read, and a single
// promise for everything. Per file, fs.read costs a pool wake-up, a completion wake-up
// of the loop and a callback with its microtask checkpoint; for 50 idle containers that
// per-file cost was most of the engine's idle CPU (bench/loop.js). Batches asked for in
// the same turn (a tick's cgroup files and its /proc files) share one preadBatch.
//
// Descriptors are bounded (`maxOpen`, by default a quarter of the process's limit): past
// the bound, files are read the slow way (open/read/close) instead of risking EMFILE for
// the rest of the process. Files read only now and then (`occasional`) are kept only
// while half the bound is free, so they never crowd out the files read at every tick. A
// descriptor is never closed while a read on it is in flight, so a number the kernel
// hands out again can never be read by mistake.
import fs from 'node:fs';
import path from 'node:path';
import util from 'node:util';
import { hasPreadBatch, preadBatch } from '../../../native/lib/index';

/** Reads a whole file as text; null when it does not exist (or its cgroup or process is gone). */
export interface FileReader {
  read(file: string): Promise<string | null>;
}

export interface ReadResult {
  text: string | null;
  /** The kept descriptor was stale (file removed and perhaps created anew) and was opened again. */
  reopened: boolean;
  /** A failure other than absence (EIO, EMFILE…): `text` is null and this says why. */
  error?: unknown;
}

export interface OpenFilesOptions {
  /** Most descriptors kept open at once (1024; openFilesBudget() gives a quarter of the process's limit). */
  maxOpen?: number;
  /** Starting buffer per file (bytes); grows by doubling when a file fills it. */
  initialBufferBytes?: number;
}

interface Handle {
  fd: number;
  buffer: Buffer;
  busy: boolean;
  /** Released while a read was in flight: close when it ends. */
  released: boolean;
}

/** Errors that mean "this file, cgroup or process is not there" rather than a failure. */
const ABSENT = new Set(['ENOENT', 'ENODEV', 'ESRCH', 'ENOTDIR', 'EACCES', 'EPERM']);
/** What a kept descriptor answers once its file was removed (kernfs: ENODEV; a dead task's /proc: ESRCH). */
const STALE = new Set(['ENODEV', 'ESRCH']);

/**
 * Whether kept files are read through the addon's preadBatch: one pool trip a tick instead
 * of one per file (for 50 containers, ~200 fewer wake-ups and callbacks a second). Off
 * where the addon cannot load (then each file is read with fs.read, as before).
 */
let batching: boolean | undefined;
function nativeBatch(): boolean {
  batching ??= hasPreadBatch();
  return batching;
}

/** A -errno from the addon as the error fs would have given. */
function errnoError(negative: number): NodeJS.ErrnoException {
  const code = util.getSystemErrorName(negative);
  return Object.assign(new Error(`${code}: pread`), { code, errno: negative, syscall: 'pread' });
}

function errnoOf(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

// The callback forms, wrapped once: cheaper than fs.promises' FileHandle machinery.
function openFile(file: string): Promise<number> {
  return new Promise((resolve, reject) => fs.open(file, 'r', (error, fd) => (error ? reject(error) : resolve(fd))));
}

function pread(fd: number, buffer: Buffer, position: number): Promise<number> {
  return new Promise((resolve, reject) =>
    fs.read(fd, buffer, 0, buffer.length, position, (error, bytes) => (error ? reject(error) : resolve(bytes))),
  );
}

function closeFile(fd: number): void {
  fs.close(fd, () => undefined);
}

/** A kept file waiting for the turn's preadBatch: where its result goes. */
interface BatchedRead {
  i: number;
  file: string;
  handle: Handle;
  keep: number;
  done: (i: number, result: ReadResult) => void;
}

export class OpenFiles implements FileReader {
  private readonly handles = new Map<string, Handle>();
  /** Kept files asked for in this turn, read together at its end (queueBatched). */
  private readonly queued: BatchedRead[] = [];
  /** Kept files by their directory, so a cgroup's are closed without a scan of them all. */
  private readonly byDir = new Map<string, Set<string>>();
  private readonly maxOpen: number;
  private readonly initialBufferBytes: number;

  constructor(options: OpenFilesOptions = {}) {
    this.maxOpen = options.maxOpen ?? 1024;
    this.initialBufferBytes = options.initialBufferBytes ?? 1024;
  }

  get openCount(): number {
    return this.handles.size;
  }

  async read(file: string): Promise<string | null> {
    const [result] = await this.readBatch([file]);
    if (result!.error !== undefined) throw result!.error;
    return result!.text;
  }

  async readText(file: string): Promise<ReadResult> {
    const [result] = await this.readBatch([file]);
    return result!;
  }

  /**
   * Reads every file (results in the same order). Never rejects: a file that failed has
   * `error` set, so one bad file does not lose the others.
   */
  readBatch(files: readonly string[], options: { occasional?: readonly boolean[] } = {}): Promise<ReadResult[]> {
    return new Promise((resolve) => {
      const results = new Array<ReadResult>(files.length);
      let left = files.length;
      if (left === 0) {
        resolve(results);
        return;
      }
      const done = (i: number, result: ReadResult): void => {
        results[i] = result;
        if (--left === 0) resolve(results);
      };
      // Kept files go to the pool as one batch (preadBatch); the rest one by one.
      const batched: BatchedRead[] = [];
      files.forEach((file, i) => {
        const keep = options.occasional?.[i] ? this.maxOpen / 2 : this.maxOpen;
        const handle = this.handles.get(file);
        if (handle === undefined) {
          this.readFresh(file, keep).then((text) => done(i, { text, reopened: false }), (error: unknown) => done(i, { text: null, reopened: false, error }));
        } else if (handle.busy) {
          // The same file twice at once (two targets sharing a pid): the buffer is in use.
          readOnce(file).then((text) => done(i, { text, reopened: false }), (error: unknown) => done(i, { text: null, reopened: false, error }));
        } else if (nativeBatch()) {
          handle.busy = true;
          batched.push({ i, file, handle, keep, done });
        } else {
          this.readHandle(handle, (error, text) => this.handleRead(file, handle, keep, error, text, (result) => done(i, result)));
        }
      });
      if (batched.length > 0) this.queueBatched(batched);
    });
  }

  /**
   * Kept files wait for the end of the current turn, so that every batch asked for in it
   * (a tick's cgroup files and its /proc files) goes to the pool in one preadBatch: one
   * pool wake-up and one completion a tick, not one per batch.
   */
  private queueBatched(reads: BatchedRead[]): void {
    if (this.queued.length === 0) queueMicrotask(() => this.readBatched(this.queued.splice(0)));
    for (const each of reads) this.queued.push(each);
  }

  /**
   * The kept files queued in a turn, read by one preadBatch (one pool trip for the lot). A
   * file that filled its buffer may hold more: it is read again alone with a bigger one.
   */
  private readBatched(batched: BatchedRead[]): void {
    const fds = new Int32Array(batched.length);
    const buffers = batched.map(({ handle }, k) => ((fds[k] = handle.fd), handle.buffer));
    const settle = (each: BatchedRead, error: NodeJS.ErrnoException | null, text: string): void => {
      each.handle.busy = false;
      if (each.handle.released) closeFile(each.handle.fd);
      this.handleRead(each.file, each.handle, each.keep, error, text, (result) => each.done(each.i, result));
    };
    preadBatch(fds, buffers).then(
      (counts) => {
        batched.forEach((each, k) => {
          const bytes = counts[k]!;
          const { handle } = each;
          if (bytes < 0) return settle(each, errnoError(bytes), '');
          if (bytes < handle.buffer.length) return settle(each, null, handle.buffer.toString('latin1', 0, bytes));
          // Full: grow and read alone (readHandle keeps doubling until the text fits; the
          // handle stays busy throughout, so a release meanwhile still waits to close).
          handle.buffer = Buffer.allocUnsafe(handle.buffer.length * 2);
          this.readHandle(handle, (error, text) => this.handleRead(each.file, handle, each.keep, error, text, (result) => each.done(each.i, result)));
        });
      },
      (error: unknown) => batched.forEach((each) => settle(each, error as NodeJS.ErrnoException, '')),
    );
  }

  /** What one read of a kept file comes to; a failed read opens the file again (see the header). */
  private handleRead(file: string, handle: Handle, keep: number, error: NodeJS.ErrnoException | null, text: string, finish: (result: ReadResult) => void): void {
    if (error === null) {
      finish({ text, reopened: false });
      return;
    }
    // Stale: the file was removed (ENODEV: its cgroup is gone, perhaps made anew by a
    // restart) — open it again. Any other failure gets one more try too, but says
    // nothing about the file being new.
    const reopened = STALE.has(error.code ?? '');
    this.drop(file, handle);
    this.readFresh(file, keep).then((fresh) => finish({ text: fresh, reopened }), (e: unknown) => finish({ text: null, reopened, error: e }));
  }

  /** Closes the descriptor of one file (its cgroup or process is gone, or no longer watched). */
  release(file: string): void {
    const handle = this.handles.get(file);
    if (handle) this.drop(file, handle);
  }

  /** Closes every kept descriptor of a file directly in `dir` (a cgroup's directory). */
  releaseDir(dir: string): void {
    const files = this.byDir.get(path.resolve(dir));
    if (files === undefined) return;
    for (const file of [...files]) this.release(file);
  }

  close(): void {
    for (const [file, handle] of this.handles) this.drop(file, handle);
  }

  /** Opens, keeps (when fewer than `keepBelow` are kept) and reads; null when the file does not exist. */
  private async readFresh(file: string, keepBelow: number): Promise<string | null> {
    if (this.handles.size >= keepBelow) return readOnce(file);
    let fd: number;
    try {
      fd = await openFile(file);
    } catch (error) {
      if (ABSENT.has(errnoOf(error) ?? '')) return null;
      throw error;
    }
    // Another read of the same file may have opened it meanwhile: keep one descriptor.
    const existing = this.handles.get(file);
    if (existing !== undefined) {
      closeFile(fd);
      return readOnce(file);
    }
    const handle = this.keep(file, fd);
    return new Promise((resolve, reject) => {
      this.readHandle(handle, (error, text) => {
        if (error === null) {
          resolve(text);
          return;
        }
        this.drop(file, handle);
        if (ABSENT.has(errnoOf(error) ?? '')) resolve(null);
        else reject(error);
      });
    });
  }

  /** Keeps an opened descriptor of `file`. */
  private keep(file: string, fd: number): Handle {
    const handle: Handle = { fd, buffer: Buffer.allocUnsafe(this.initialBufferBytes), busy: false, released: false };
    this.handles.set(file, handle);
    const dir = path.dirname(path.resolve(file));
    let files = this.byDir.get(dir);
    if (files === undefined) this.byDir.set(dir, (files = new Set()));
    files.add(file);
    return handle;
  }

  /** One pread at 0; a full buffer may mean more text, so it doubles and reads again. */
  private readHandle(handle: Handle, callback: (error: NodeJS.ErrnoException | null, text: string) => void): void {
    handle.busy = true;
    const finish = (error: NodeJS.ErrnoException | null, text: string): void => {
      handle.busy = false;
      if (handle.released) closeFile(handle.fd);
      callback(error, text);
    };
    const attempt = (): void => {
      fs.read(handle.fd, handle.buffer, 0, handle.buffer.length, 0, (error, bytes) => {
        if (error) return finish(error, '');
        if (bytes < handle.buffer.length) return finish(null, handle.buffer.toString('latin1', 0, bytes));
        handle.buffer = Buffer.allocUnsafe(handle.buffer.length * 2);
        attempt();
      });
    };
    attempt();
  }

  private drop(file: string, handle: Handle): void {
    if (this.handles.get(file) === handle) {
      this.handles.delete(file);
      const dir = path.dirname(path.resolve(file));
      const files = this.byDir.get(dir);
      files?.delete(file);
      if (files?.size === 0) this.byDir.delete(dir);
    }
    if (handle.released) return;
    handle.released = true;
    if (!handle.busy) closeFile(handle.fd);
  }
}

/** The slow way, for files past the bound: open, read to the end, close. */
export async function readOnce(file: string): Promise<string | null> {
  let fd: number;
  try {
    fd = await openFile(file);
  } catch (error) {
    if (ABSENT.has(errnoOf(error) ?? '')) return null;
    throw error;
  }
  try {
    const chunks: Buffer[] = [];
    let position = 0;
    for (;;) {
      const buffer = Buffer.allocUnsafe(16384);
      const bytes = await pread(fd, buffer, position);
      if (bytes === 0) break;
      chunks.push(buffer.subarray(0, bytes));
      position += bytes;
    }
    return Buffer.concat(chunks).toString('latin1');
  } catch (error) {
    if (ABSENT.has(errnoOf(error) ?? '')) return null;
    throw error;
  } finally {
    await new Promise<void>((resolve) => fs.close(fd, () => resolve()));
  }
}

/**
 * A quarter of this process's soft limit on open files (from /proc/self/limits), between
 * 256 and 8192; 1024 when the limit cannot be read. The rest is the engine's.
 */
export async function openFilesBudget(limitsFile = '/proc/self/limits'): Promise<number> {
  const text = await readOnce(limitsFile).catch(() => null);
  const soft = text === null ? NaN : Number(/^Max open files\s+(\d+)/m.exec(text)?.[1]);
  if (!Number.isFinite(soft)) return 1024;
  return Math.max(256, Math.min(8192, Math.floor(soft / 4)));
}
