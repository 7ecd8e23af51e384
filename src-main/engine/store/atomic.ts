// Every file or directory appears in the store by rename from tmp/: a crash leaves garbage
// in tmp/, never a half-written file where readers look. No fsync: on ext4 (data=ordered)
// one fsync flushes every dirty page of the filesystem — an import's whole layer data —
// and a rename over an existing file already gets its data allocated first
// (auto_da_alloc). Process crashes are what the rename protects against.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { StrataError } from '@shared/errors';
import { type FsSteps, fsCall } from './fs-steps';

/** A fresh, unique path inside `tmpDir` (not created). */
export function tmpPath(tmpDir: string, label: string): string {
  return path.join(tmpDir, `${label}-${process.pid}-${randomBytes(6).toString('hex')}`);
}

export function writeFileAtomic(tmpDir: string, target: string, data: string | Buffer): void {
  const staged = tmpPath(tmpDir, 'write');
  fs.writeFileSync(staged, data, { flag: 'wx', mode: 0o644 });
  fs.renameSync(staged, target);
}

/** writeFileAtomic off the engine's thread: for files big enough to hold the loop (a layer's index). */
export async function writeFileAtomicAsync(tmpDir: string, target: string, data: string | Buffer): Promise<void> {
  const staged = tmpPath(tmpDir, 'write');
  await fs.promises.writeFile(staged, data, { flag: 'wx', mode: 0o644 });
  await fs.promises.rename(staged, target);
}

/** writeFileAtomic as steps (store/fs-steps.ts): for code that runs both ways. */
export function* writeFileAtomicSteps(tmpDir: string, target: string, data: string | Buffer): FsSteps<void> {
  const staged = tmpPath(tmpDir, 'write');
  yield* fsCall('writeFile', staged, data, { flag: 'wx', mode: 0o644 });
  yield* fsCall('rename', staged, target);
}

export function writeJsonAtomic(tmpDir: string, target: string, value: unknown): void {
  writeFileAtomic(tmpDir, target, JSON.stringify(value, null, 2) + '\n');
}

export function writeJsonAtomicAsync(tmpDir: string, target: string, value: unknown): Promise<void> {
  return writeFileAtomicAsync(tmpDir, target, JSON.stringify(value, null, 2) + '\n');
}

/** Moves a directory out of sight first, then deletes it, so no half-removed tree stays visible. */
export function removeTreeAtomic(tmpDir: string, target: string): void {
  const doomed = tmpPath(tmpDir, 'remove');
  try {
    fs.renameSync(target, doomed);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  fs.rmSync(doomed, { recursive: true, force: true });
}

/** removeTreeAtomic as steps (store/fs-steps.ts): for code that runs both ways. */
export function* removeTreeAtomicSteps(tmpDir: string, target: string): FsSteps<void> {
  const doomed = tmpPath(tmpDir, 'remove');
  try {
    yield* fsCall('rename', target, doomed);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  yield* fsCall('rm', doomed, { recursive: true, force: true });
}

/** removeTreeAtomic off the event loop. */
export async function removeTreeAtomicAsync(tmpDir: string, target: string): Promise<void> {
  const doomed = tmpPath(tmpDir, 'remove');
  try {
    await fs.promises.rename(target, doomed);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  await fs.promises.rm(doomed, { recursive: true, force: true });
}

/**
 * A JSON file of the store. Files appear whole by rename, so one that does not parse was
 * damaged outside Strata (a disk, a hand edit, a crash before the data reached the disk):
 * INVALID_ARCHIVE naming the file, not a bare SyntaxError. Errors reading it (ENOENT…) pass
 * through unchanged.
 */
export function readJsonFile<T>(file: string): T {
  return parseJsonFile<T>(file, fs.readFileSync(file, 'utf8'));
}

/** readJsonFile off the event loop. */
export async function readJsonFileAsync<T>(file: string): Promise<T> {
  return parseJsonFile<T>(file, await fs.promises.readFile(file, 'utf8'));
}

/** readJsonFile as steps (store/fs-steps.ts). */
export function* readJsonFileSteps<T>(file: string): FsSteps<T> {
  return parseJsonFile<T>(file, yield* fsCall('readText', file));
}

function parseJsonFile<T>(file: string, text: string): T {
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw new StrataError('INVALID_ARCHIVE', `${file} is damaged: not valid JSON (${(error as Error).message})`);
  }
}
