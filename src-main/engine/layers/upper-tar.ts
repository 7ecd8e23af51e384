// An overlay upper directory as an OCI layer tar: the container's changes in the notation
// other tools read. 0/0 character devices (and fuse-overlayfs's own `.wh.` files, read by
// overlay-upper.ts) become `.wh.<name>` files, opaque directories get a `.wh..wh..opq`
// entry, files sharing an inode become hard links, and overlayfs's own xattrs stay behind.
// The tar streams out chunk by chunk; nothing is held but one chunk.
import fs from 'node:fs';
import { Readable } from 'node:stream';
import { LoopBudget } from '../store/loop-budget';
import { TAR_END, type TarHeaderFields, tarHeader, tarPadding } from './tar-header-writer';
import { type UpperEntry, contentXattrs, walkUpper } from './overlay-upper';
import { OPAQUE_MARKER, type UpperNotation, WHITEOUT_PREFIX, upperNotation } from './whiteouts';

const CHUNK = 1 << 20;

export interface UpperTarOptions {
  /** How the upper dir marks what it hides (whiteouts.ts; this engine's by default). */
  notation?: UpperNotation;
  /**
   * The paths the layers below have. A whiteout of anything else deletes nothing, and an
   * opaque marker on a directory they do not have hides nothing: both are left out.
   * fuse-overlayfs writes both (it whites out a directory the container made and removed,
   * and makes every new directory opaque). Without it, every one is kept.
   */
  lower?: { has(path: string): boolean };
}

export function upperTarStream(upperDir: string, options: UpperTarOptions = {}): Readable {
  return Readable.from(upperTarChunks(upperDir, options), { objectMode: false, highWaterMark: CHUNK });
}

async function* upperTarChunks(upperDir: string, { notation = upperNotation(), lower }: UpperTarOptions): AsyncGenerator<Buffer> {
  const below = (relPath: string) => lower?.has(relPath) ?? true;
  const firstPathOfInode = new Map<bigint, string>();
  // The stream pulls chunks in a chain of microtasks until its buffer is full: without
  // pauses, a megabyte of small entries would hold the event loop for the whole walk.
  const budget = new LoopBudget();
  for await (const entry of walkUpper(upperDir, notation)) {
    await budget.pause();
    if (entry.kind === 'whiteout') {
      if (below(entry.path)) yield tarHeader(whiteoutFields(entry, whiteoutName(entry.path)));
      continue;
    }
    const fields = await fieldsOf(entry);
    if (entry.kind === 'file' && entry.stat.nlink > 1n) {
      const first = firstPathOfInode.get(entry.stat.ino);
      if (first !== undefined) {
        yield tarHeader({ ...fields, type: 'hardlink', size: 0, linkname: first });
        continue;
      }
      firstPathOfInode.set(entry.stat.ino, entry.path);
    }
    yield tarHeader(fields);
    if (entry.kind === 'file') yield* fileContent(entry.abs, fields.size);
    if (entry.opaque && below(entry.path)) yield tarHeader(whiteoutFields(entry, `${entry.path}/${OPAQUE_MARKER}`));
  }
  yield TAR_END;
}

async function fieldsOf(entry: UpperEntry): Promise<TarHeaderFields> {
  const { stat } = entry;
  const fields: TarHeaderFields = {
    name: entry.path,
    type: entry.kind === 'whiteout' ? 'file' : entry.kind,
    size: entry.kind === 'file' ? Number(stat.size) : 0,
    mode: Number(stat.mode & 0o7777n),
    uid: Number(stat.uid),
    gid: Number(stat.gid),
    mtime: Number(stat.mtimeMs / 1000n),
    xattrs: await contentXattrs(entry.abs),
  };
  if (entry.kind === 'symlink') fields.linkname = await fs.promises.readlink(entry.abs);
  if (entry.kind === 'char' || entry.kind === 'block') {
    // Linux's dev_t encoding: major in bits 8–19 and 32–43, minor in bits 0–7 and 20–31.
    const rdev = stat.rdev;
    fields.devmajor = Number(((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn));
    fields.devminor = Number((rdev & 0xffn) | ((rdev >> 12n) & ~0xffn));
  }
  return fields;
}

function whiteoutFields(entry: UpperEntry, name: string): TarHeaderFields {
  return { name, type: 'file', size: 0, mode: 0o600, uid: 0, gid: 0, mtime: Number(entry.stat.mtimeMs / 1000n) };
}

function whiteoutName(relPath: string): string {
  const slash = relPath.lastIndexOf('/');
  return slash < 0 ? WHITEOUT_PREFIX + relPath : `${relPath.slice(0, slash + 1)}${WHITEOUT_PREFIX}${relPath.slice(slash + 1)}`;
}

/**
 * Exactly `size` bytes (the size the header announced), then the padding. Read on the
 * threadpool: a megabyte that is not in the page cache is a disk read the loop must not wait on.
 */
async function* fileContent(abs: string, size: number): AsyncGenerator<Buffer> {
  const file = await fs.promises.open(abs, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
  try {
    let done = 0;
    while (done < size) {
      const chunk = Buffer.allocUnsafe(Math.min(CHUNK, size - done));
      const { bytesRead: read } = await file.read(chunk, 0, chunk.length, done);
      // A file that shrank while we read it (a running container) is padded with zeros,
      // so the archive stays well-formed.
      if (read === 0) {
        chunk.fill(0);
        done += chunk.length;
        yield chunk;
        continue;
      }
      done += read;
      yield read === chunk.length ? chunk : chunk.subarray(0, read);
    }
  } finally {
    await file.close();
  }
  if (size % 512 !== 0) yield tarPadding(size);
}
