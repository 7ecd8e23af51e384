// Test helpers for fixture cgroup trees: a private copy per test, reading files back, and
// the error a promise rejects with.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const FIXTURES = path.join(import.meta.dirname, '../../fixtures/cgroupfs');

/** A private, writable copy of test/fixtures/cgroupfs/<which>. */
export function copyFixture(which: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `strata-cgroupfs-${which.replace(/\W/g, '-')}-`));
  fs.cpSync(path.join(FIXTURES, which), dir, { recursive: true });
  return dir;
}

export function read(file: string): string {
  return fs.readFileSync(file, 'utf8');
}

/** Resolves to the error a promise rejects with (fails the test if it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error('expected the promise to reject');
}
