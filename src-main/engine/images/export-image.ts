// Export (`strata save`): images out of the store as an oci-archive, an OCI layout
// directory or a docker-archive — the formats import reads, so a round trip gives back the
// same image IDs, layers and tags. Reads only: the plan is one snapshot of the store taken
// before anything is written (see export-plan.ts), so no store lock is held while bytes flow.
//
// Nothing half-written ever sits at the output path: the archive (or directory) is written
// next to it under a hidden temporary name and renamed into place at the end; a failure or
// a cancel removes the temporary.
import type { ExportResult, ExportFormat } from '@shared/api/types/images';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { StrataError, isStrataError } from '@shared/errors';
import type { Store } from '../store/store';
import { dockerArchiveEntries } from './export-docker';
import { type BlobProgress, type BlobRole, type ExportEntry, tarStream, writeEntriesToDirectory } from './export-entries';
import { ociLayoutEntries } from './export-oci';
import { closePlan, planExport } from './export-plan';

export const EXPORT_FORMATS: readonly ExportFormat[] = ['oci-archive', 'docker-archive', 'oci'];

export interface ExportOptions {
  format: ExportFormat;
  /**
   * A path (file for the archives, directory for `oci`), written atomically; or a stream
   * the archive is piped into (then ended), e.g. standard output. `oci` needs a path.
   */
  output: string | Writable;
  /** Replace an existing output file (or OCI layout directory). Otherwise it is a CONFLICT. */
  overwrite?: boolean;
  signal?: AbortSignal;
  onProgress?: (progress: ExportProgress) => void;
}

export interface ExportProgress {
  /** The blob as named in the output: its digest (a docker-archive layer: its diff_id). */
  digest: string;
  role: BlobRole;
  /** Blobs finished before this one, and blobs in all. */
  done: number;
  total: number;
  /** Bytes of this blob written so far, and all of it (a docker-archive layer: uncompressed). */
  bytes: number;
  size: number;
}

export async function exportImages(store: Store, refs: readonly string[], options: ExportOptions): Promise<ExportResult> {
  const { format } = options;
  if (!EXPORT_FORMATS.includes(format)) throw new StrataError('INVALID_ARGUMENT', `unknown export format ${JSON.stringify(format)}: use ${EXPORT_FORMATS.join(', ')}`);
  if (refs.length === 0) throw new StrataError('INVALID_ARGUMENT', 'name at least one image to export');
  const target = options.output;
  if (format === 'oci' && typeof target !== 'string') throw new StrataError('INVALID_ARGUMENT', 'an OCI layout is a directory: give an output path');
  const output = typeof target === 'string' ? path.resolve(target) : undefined;
  throwIfCancelled(options.signal);

  const plan = planExport(store, refs); // unknown images fail here, before the output is looked at
  try {
    if (output !== undefined) checkOutput(output, format, Boolean(options.overwrite));
    const entries = format === 'docker-archive' ? await cancellable(dockerArchiveEntries(plan, options.signal)) : ociLayoutEntries(plan);
    const onBlob = progressReporter(options.onProgress);
    const bytes = await cancellable(
      typeof target === 'string' ? writeToPath(entries, output!, format, options, onBlob) : writeTar(entries, target, options.signal, onBlob),
    );
    return {
      format,
      output,
      images: plan.images.map((image) => ({ id: image.config.digest, manifestDigest: image.manifest.digest, tags: [...image.tags] })),
      blobs: entries.filter((entry) => entry.kind === 'file' && entry.blob).length,
      bytes,
    };
  } finally {
    closePlan(plan);
  }
}

/** Before any work: the output's directory exists, and the output is new or may be replaced. */
function checkOutput(output: string, format: ExportFormat, overwrite: boolean): void {
  const parent = path.dirname(output);
  let parentStat: fs.Stats;
  try {
    parentStat = fs.statSync(parent);
  } catch {
    throw new StrataError('NOT_FOUND', `${parent}: no such directory to write ${path.basename(output)} in`);
  }
  if (!parentStat.isDirectory()) throw new StrataError('INVALID_ARGUMENT', `${parent} is not a directory`);
  const existing = lstatOrUndefined(output);
  if (!existing) return;
  if (!overwrite) throw new StrataError('CONFLICT', `${output} already exists: remove it or overwrite it (--force)`);
  if (existing.isDirectory()) {
    // Only ever replace what an export would have made: never a user's directory of files.
    if (format !== 'oci') throw new StrataError('CONFLICT', `${output} is a directory: an ${format} is a file`);
    const isLayout = fs.existsSync(path.join(output, 'oci-layout')) || fs.readdirSync(output).length === 0;
    if (!isLayout) throw new StrataError('CONFLICT', `${output} is a directory that is not an OCI layout: refusing to replace it`);
  }
}

async function writeToPath(entries: ExportEntry[], output: string, format: ExportFormat, options: ExportOptions, onBlob: BlobProgress): Promise<number> {
  const staged = path.join(path.dirname(output), `.${path.basename(output)}.${process.pid}-${randomBytes(6).toString('hex')}.strata-tmp`);
  try {
    if (format === 'oci') {
      fs.mkdirSync(staged, { mode: 0o755 });
      await writeEntriesToDirectory(entries, staged, options.signal, onBlob);
    } else {
      await writeTar(entries, fs.createWriteStream(staged, { flags: 'wx', mode: 0o644 }), options.signal, onBlob);
    }
    const bytes = format === 'oci' ? entries.reduce((sum, entry) => sum + (entry.kind === 'file' ? entry.size : 0), 0) : fs.statSync(staged).size;
    publish(staged, output, Boolean(options.overwrite));
    return bytes;
  } finally {
    fs.rmSync(staged, { recursive: true, force: true });
  }
}

async function writeTar(entries: ExportEntry[], destination: Writable, signal: AbortSignal | undefined, onBlob: BlobProgress): Promise<number> {
  let bytes = 0;
  const count = async function* (chunks: AsyncIterable<Buffer>): AsyncIterable<Buffer> {
    for await (const chunk of chunks) {
      bytes += chunk.length;
      yield chunk;
    }
  };
  await pipeline(tarStream(entries, onBlob), count, destination, { signal });
  return bytes;
}

/**
 * Moves the finished output into place. Without overwrite a file is published by link,
 * which fails rather than replace something that appeared meanwhile.
 */
function publish(staged: string, output: string, overwrite: boolean): void {
  const isDir = fs.statSync(staged).isDirectory();
  if (!overwrite) {
    if (!isDir && tryLink(staged, output)) return;
    if (lstatOrUndefined(output)) throw new StrataError('CONFLICT', `${output} appeared while the export ran: not replacing it`);
    fs.renameSync(staged, output);
    return;
  }
  const existing = lstatOrUndefined(output);
  if (!existing?.isDirectory()) {
    fs.renameSync(staged, output); // replaces a file atomically
    return;
  }
  // A directory cannot be renamed over a non-empty one: move the old one aside first.
  const old = `${staged}.old`;
  fs.renameSync(output, old);
  try {
    fs.renameSync(staged, output);
  } catch (error) {
    fs.renameSync(old, output);
    throw error;
  }
  fs.rmSync(old, { recursive: true, force: true });
}

/** link(2) the staged file to the output; false where the filesystem has no hard links. */
function tryLink(staged: string, output: string): boolean {
  try {
    fs.linkSync(staged, output);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new StrataError('CONFLICT', `${output} appeared while the export ran: not replacing it`);
    if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP' || code === 'EMLINK') return false;
    throw error;
  }
}

function progressReporter(onProgress: ExportOptions['onProgress']): BlobProgress {
  return (entry, done, total, bytes) => onProgress?.({ digest: entry.blob.digest, role: entry.blob.role, done, total, bytes, size: entry.size });
}

/** Streams report a cancel as AbortError; callers see CANCELLED like every long operation. */
async function cancellable<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (!isStrataError(error) && (error as Error)?.name === 'AbortError') throw new StrataError('CANCELLED', 'export cancelled', { cause: error });
    throw error;
  }
}

function throwIfCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new StrataError('CANCELLED', 'export cancelled');
}

function lstatOrUndefined(file: string): fs.Stats | undefined {
  try {
    return fs.lstatSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Wire types, declared once in src-shared. */
export type { ExportResult, ExportFormat };
