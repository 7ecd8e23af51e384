// An image archive (oci-archive, docker-archive) unpacked flat into the store's tmp/: every
// regular file becomes one numbered file, hashed as it streams in. Archive paths are only
// keys in a map, so no archive name ever becomes a path on disk. The staged files are what
// the import later renames into blobs/ — the archive is read once and written once.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { StrataError } from '@shared/errors';
import { decompressor } from '../../layers/compression';
import { compressionOfFile } from '../../layers/file-compression';
import { type SpaceGuard, describeNoSpace } from '../../store/free-space';
import { normalizeEntryName, parentOf, resolveWithin } from '../../layers/safe-path';
import { type TarEntry, TarError, TarReader } from '../../layers/tar-reader';

export interface StagedFile {
  file: string;
  digest: string;
  size: number;
}

export class StagedArchive {
  private readonly files = new Map<string, StagedFile>();
  private readonly links = new Map<string, string>();

  constructor(readonly origin: string) {}

  /** The staged file at an archive path (symlinks and hardlinks followed), or undefined. */
  get(archivePath: string): StagedFile | undefined {
    let key = normalizeEntryName(archivePath, 'archive path');
    for (let hops = 0; hops < 16; hops++) {
      const found = this.files.get(key);
      if (found) return found;
      const next = this.links.get(key);
      if (next === undefined) return undefined;
      key = next;
    }
    throw new StrataError('INVALID_ARCHIVE', `${this.origin}: too many levels of links at ${archivePath}`);
  }

  has(archivePath: string): boolean {
    return this.get(archivePath) !== undefined;
  }

  read(archivePath: string, what: string, limit = 64 << 20): Buffer {
    const staged = this.get(archivePath);
    if (!staged) throw new StrataError('INVALID_ARCHIVE', `${this.origin}: ${what} (${archivePath}) is missing from the archive`);
    if (staged.size > limit) throw new StrataError('INVALID_ARCHIVE', `${this.origin}: ${what} is ${staged.size} bytes, more than a document may be`);
    return fs.readFileSync(staged.file);
  }

  addFile(name: string, staged: StagedFile): void {
    this.files.set(name, staged);
    this.links.delete(name);
  }

  addLink(name: string, target: string): void {
    this.links.set(name, target);
    this.files.delete(name);
  }
}

/**
 * Streams `archive` (plain, gzip or zstd tar) into `stagingDir`, which must exist and be
 * empty; what it writes counts against `space`, the store's free-space reserve.
 */
export async function stageArchive(archive: string, stagingDir: string, signal?: AbortSignal, space?: SpaceGuard): Promise<StagedArchive> {
  const staged = new StagedArchive(archive);
  let counter = 0;
  let current: { fd: number; name: string; file: string; hash: ReturnType<typeof createHash>; size: number } | null = null;

  const reader = new TarReader({
    entry(entry: TarEntry) {
      const name = normalizeEntryName(entry.name, 'archive entry');
      if (entry.type === 'file') {
        const file = path.join(stagingDir, String(counter++));
        current = { fd: fs.openSync(file, 'wx', 0o600), name, file, hash: createHash('sha256'), size: 0 };
      } else if (entry.type === 'symlink') {
        // docker save links repeated layers: <id>/layer.tar -> ../<other id>/layer.tar
        staged.addLink(name, resolveWithin(parentOf(name), entry.linkname, `archive symlink ${entry.name}`));
      } else if (entry.type === 'hardlink') {
        staged.addLink(name, normalizeEntryName(entry.linkname, 'archive hardlink target'));
      }
    },
    data(chunk: Buffer) {
      if (!current) return;
      current.hash.update(chunk);
      current.size += chunk.length;
      space?.wrote(chunk.length);
      fs.writeSync(current.fd, chunk);
    },
    entryEnd() {
      if (!current) return;
      const { fd, name, file, hash, size } = current;
      current = null;
      fs.closeSync(fd);
      staged.addFile(name, { file, digest: 'sha256:' + hash.digest('hex'), size });
    },
  });

  const sink = new Writable({
    highWaterMark: 1 << 20,
    write(chunk: Buffer, _encoding, done) {
      try {
        reader.write(chunk);
        done();
      } catch (error) {
        done(error as Error);
      }
    },
    final(done) {
      try {
        reader.end();
        done();
      } catch (error) {
        done(error as Error);
      }
    },
  });

  try {
    await pipeline(fs.createReadStream(archive, { highWaterMark: 1 << 20 }), decompressor(compressionOfFile(archive)), sink, { signal });
  } catch (error) {
    const open = current as { fd: number } | null;
    if (open) fs.closeSync(open.fd);
    if (error instanceof TarError) throw new StrataError('INVALID_ARCHIVE', `${archive}: ${error.message}`, { cause: error });
    if ((error as Error)?.name === 'AbortError') throw new StrataError('CANCELLED', 'import cancelled', { cause: error });
    throw describeNoSpace(error, space?.dir ?? stagingDir);
  }
  return staged;
}
