// Where Strata is installed and which version it is: its package.json, found by walking up
// from this module (native/lib/load.ts does the walk), which works from the sources
// (tests), the bundle (out/main, any chunk depth) and the packaged app (app.asar).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findPackageRoot } from '../../native/lib/load';

let found: { root: string; version: string } | null | undefined;

function locate(): { root: string; version: string } | null {
  try {
    const root = findPackageRoot(path.dirname(fileURLToPath(import.meta.url)));
    const { version } = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { version?: string };
    return { root, version: version ?? 'unknown' };
  } catch {
    return null;
  }
}

/** The directory holding Strata's package.json, or undefined if it cannot be found. */
export function packageRoot(): string | undefined {
  found ??= locate();
  return found?.root;
}

export function packageVersion(): string {
  found ??= locate();
  return found?.version ?? 'unknown';
}

let reading: Promise<string> | undefined;

/** The version, read without blocking (system.info on an API path); once per process. */
export function packageVersionAsync(): Promise<string> {
  if (found !== undefined) return Promise.resolve(found?.version ?? 'unknown');
  reading ??= (async () => {
    // The same walk as findPackageRoot's, each package.json read without blocking.
    for (let dir = path.dirname(fileURLToPath(import.meta.url)); ; dir = path.dirname(dir)) {
      const manifest = await fs.promises.readFile(path.join(dir, 'package.json'), 'utf8').then(
        (text) => JSON.parse(text) as { name?: unknown; version?: unknown },
        () => undefined,
      );
      if (manifest?.name === 'strata') return typeof manifest.version === 'string' ? manifest.version : 'unknown';
      if (path.dirname(dir) === dir) return 'unknown';
    }
  })().catch(() => 'unknown');
  return reading;
}
