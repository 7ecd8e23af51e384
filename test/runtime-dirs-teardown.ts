// After the run: the runtime directories its stores left under /run/strata. Each store a
// test makes gets /run/strata/<hash of its root>/ (runtime-root.ts), which outlives the
// store's temporary directory; by the end only the seccomp filter cache is in them. Those
// made during this run and holding nothing else go; anything else (a user's engine, another
// run's live containers) stays.
import fs from 'node:fs';
import path from 'node:path';

const RUNTIME = '/run/strata';
const CACHE_ONLY = ['+seccomp'];
let before = new Set<string>();

const entries = (dir: string): string[] => {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
};

export function setup(): void {
  before = new Set(entries(RUNTIME));
}

export function teardown(): void {
  if (process.getuid?.() !== 0) return;
  for (const name of entries(RUNTIME)) {
    if (before.has(name) || !/^[0-9a-f]{16}$/.test(name)) continue;
    const dir = path.join(RUNTIME, name);
    const inside = entries(dir);
    if (inside.every((entry) => CACHE_ONLY.includes(entry))) fs.rmSync(dir, { recursive: true, force: true });
  }
}
