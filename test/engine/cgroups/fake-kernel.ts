// Test helpers for fixture cgroup trees: a copy per test, and a stand-in for the one thing
// the kernel does on its own that the drivers wait for — the v2 freezer reaching the state
// that cgroup.freeze asks for, reported in cgroup.events.
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

/**
 * Mirrors cgroup.freeze into cgroup.events ("frozen 0|1") for `dirs`, every few ms, as the
 * kernel does once every task has stopped. Returns the function that stops it.
 */
export function fakeV2Freezer(dirs: string[]): () => void {
  const timer = setInterval(() => {
    for (const dir of dirs) {
      let asked: string;
      try {
        asked = fs.readFileSync(path.join(dir, 'cgroup.freeze'), 'utf8').trim();
      } catch {
        continue;
      }
      const events = path.join(dir, 'cgroup.events');
      const want = `populated 1\nfrozen ${asked === '1' ? 1 : 0}\n`;
      if (fs.readFileSync(events, 'utf8') !== want) fs.writeFileSync(events, want);
    }
  }, 3);
  return () => clearInterval(timer);
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
