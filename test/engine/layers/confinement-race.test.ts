// Races against the engine's writes into and reads from untrusted roots: another process
// swaps a directory the engine is working in for a symlink out of the root (to a host
// directory), again and again, while the engine unpacks a layer, COPYs into a step's root,
// COPYs from a build context, and seeds a volume from an image. Whatever the interleaving,
// nothing may be written outside the root and nothing outside may be read; errors are
// allowed (the tree changed under us). Each case runs a fixed number of rounds (no timing),
// with openat2 and with the fallback walk forced.
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { forceConfineFallback, openRoot } from '../../../native/lib/index';
import { copyIntoRoot } from '../../../src-main/engine/build/copy-step';
import { resolveCopySources } from '../../../src-main/engine/build/context';
import type { CopyStep } from '../../../src-main/engine/build/plan';
import { copyTreeFromRoot } from '../../../src-main/engine/layers/confined-copy';
import { ingestLayer } from '../../../src-main/engine/layers/ingest';
import { tarArchive } from '../../helpers/tar-writer';

// Turns `target` into a link to `link` and back, as fast as a shell can: rename the
// directory away, put the link in its place, remove it, rename the directory back.
const RACER = `
p=$1; t=$2
while :; do
  if mv -T "$p" "$p.real" 2>/dev/null; then
    ln -s "$t" "$p" 2>/dev/null; rm -f "$p" 2>/dev/null
    mv -T "$p.real" "$p" 2>/dev/null || rm -rf "$p.real"
  else
    rm -rf "$p.real"
  fi
done`;

let work = '';
let racer: ChildProcess | undefined;

beforeEach(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-race-'));
});

afterEach(async () => {
  await stopRacer();
  forceConfineFallback(false);
  // maxRetries: a killed racer's last mv may still be finishing.
  fs.rmSync(work, { recursive: true, force: true, maxRetries: 5 });
});

function race(target: string, link: string): void {
  // Its own process group, so the mv and ln it is running die with it.
  racer = spawn('sh', ['-c', RACER, 'racer', target, link], { stdio: 'ignore', detached: true });
}

async function stopRacer(): Promise<void> {
  const child = racer;
  racer = undefined;
  if (child?.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  process.kill(-child.pid, 'SIGKILL');
  await exited;
}

/** Every entry below `dir`, links not followed, with the contents of regular files. */
function tree(dir: string, rel = ''): { rel: string; content?: string }[] {
  const here = path.join(dir, rel);
  if (!fs.existsSync(here)) return [];
  return fs.readdirSync(here).flatMap((name) => {
    const child = rel === '' ? name : `${rel}/${name}`;
    const info = fs.lstatSync(path.join(dir, child));
    if (info.isDirectory()) return [{ rel: child }, ...tree(dir, child)];
    return [info.isFile() ? { rel: child, content: fs.readFileSync(path.join(dir, child), 'utf8') } : { rel: child }];
  });
}

/** A host directory the racer links to: it must stay empty (writes) or never be read (its file says HOST). */
function hostDir(kind: 'empty' | 'secret'): string {
  const dir = path.join(work, `host-${kind}`);
  fs.mkdirSync(dir);
  if (kind === 'secret') fs.writeFileSync(path.join(dir, 'file'), 'HOST');
  return dir;
}

function copyStep(dest: string): CopyStep {
  return { kind: 'copy', keyword: 'COPY', line: 1, sources: ['d'], dest, destIsDir: true } as unknown as CopyStep;
}

async function quietly(run: () => Promise<unknown>): Promise<void> {
  try {
    await run();
  } catch {
    // The tree changed under us: refusing is fine, escaping is not.
  }
}

describe.each([
  ['openat2', false],
  ['the fallback walk', true],
])('with %s', (_name, fallback) => {
  beforeEach(() => forceConfineFallback(fallback));

  it('layer unpack writes nothing outside its directory while a parent turns into a link', async () => {
    const outside = hostDir('empty');
    const entries = [{ name: 'a/', type: 'directory' as const }, ...Array.from({ length: 300 }, (_, i) => ({ name: `a/f${i}`, content: 'x' }))];
    const layer = path.join(work, 'layer.tar');
    fs.writeFileSync(layer, tarArchive(entries));
    for (let round = 0; round < 15; round++) {
      const dest = path.join(work, `unpack-${round}`);
      fs.mkdirSync(dest);
      fs.mkdirSync(path.join(dest, 'a'));
      race(path.join(dest, 'a'), outside);
      await quietly(() => ingestLayer({ file: layer, unpackTo: { dest, privilege: 'root' } }));
      await stopRacer();
      expect(tree(outside)).toEqual([]);
    }
  });

  it('COPY writes nothing outside the step root while its destination turns into a link', async () => {
    const outside = hostDir('empty');
    const context = path.join(work, 'context');
    fs.mkdirSync(path.join(context, 'd/sub'), { recursive: true });
    for (const name of ['one', 'two', 'sub/three']) fs.writeFileSync(path.join(context, 'd', name), name);
    const { sources } = await resolveCopySources(context, ['d']);
    const root = path.join(work, 'root');
    fs.mkdirSync(path.join(root, 'dst'), { recursive: true });
    race(path.join(root, 'dst'), outside);
    for (let round = 0; round < 150; round++) {
      const scratch = path.join(work, `scratch-${round}`);
      await quietly(() => copyIntoRoot({ root, step: copyStep('/dst'), sources, readImageFile: () => undefined, scratch }));
    }
    expect(tree(outside)).toEqual([]);
  });

  it('COPY reads nothing outside the build context while a source directory turns into a link', async () => {
    const secret = hostDir('secret');
    const context = path.join(work, 'context');
    fs.mkdirSync(path.join(context, 'd/sub'), { recursive: true });
    fs.writeFileSync(path.join(context, 'd/sub/file'), 'context');
    race(path.join(context, 'd/sub'), secret);
    for (let round = 0; round < 150; round++) {
      const root = path.join(work, `root-${round}`);
      fs.mkdirSync(root);
      await quietly(async () => {
        const { sources } = await resolveCopySources(context, ['d']);
        await copyIntoRoot({ root, step: copyStep('/dst'), sources, readImageFile: () => undefined, scratch: path.join(work, 'scratch') });
      });
      expect(tree(root).filter((entry) => entry.content === 'HOST')).toEqual([]);
    }
  });

  it('volume seeding reads nothing outside the image root while a directory in the volume turns into a link', async () => {
    const secret = hostDir('secret');
    const root = path.join(work, 'rootfs');
    fs.mkdirSync(path.join(root, 'vol/sub'), { recursive: true });
    fs.writeFileSync(path.join(root, 'vol/sub/file'), 'image');
    fs.writeFileSync(path.join(root, 'vol/top'), 'image');
    const rootFd = openRoot(root);
    race(path.join(root, 'vol/sub'), secret);
    try {
      for (let round = 0; round < 300; round++) {
        const staging = path.join(work, `volume-${round}`);
        try {
          await copyTreeFromRoot(rootFd, '/vol', staging);
        } catch {
          // changed under us
        }
        expect(tree(staging).filter((entry) => entry.content === 'HOST')).toEqual([]);
        fs.rmSync(staging, { recursive: true, force: true });
      }
    } finally {
      fs.closeSync(rootFd);
    }
  });
});
