// What the store tests share: a writer in another process (store-writer.mjs, or the CLI),
// the kernel's view of who waits on the store lock, and a consistency check of a store —
// every reference leads to content that is there.
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { chainIds } from '../../../src-main/engine/store/digest';
import { readImageIndex } from '../../../src-main/engine/store/image-index';
import { type StorePaths, blobPath, layerDir } from '../../../src-main/engine/store/paths';

const WRITER = path.resolve('test/engine/store/store-writer.mjs');
const CLI = path.resolve('bin/strata.js');

export function requireBuild(): void {
  for (const file of ['out/main/engine.js', 'out/main/cli.js']) {
    if (!fs.existsSync(path.resolve(file))) throw new Error(`${file} is not built: run \`npm run build\` (npm test does)`);
  }
}

export interface Child {
  process: ChildProcessWithoutNullStreams;
  /** Resolves when the child has printed a line matching `pattern`. */
  line(pattern: RegExp): Promise<string>;
  /** Resolves with the exit code (or the signal's name) once the child has ended. */
  exited: Promise<number | string>;
  stdout(): string;
  stderr(): string;
}

/** A child process whose output is kept and whose lines can be waited for. */
export function watch(child: ChildProcessWithoutNullStreams): Child {
  let out = '';
  let err = '';
  const waiters: (() => void)[] = [];
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    for (const wake of waiters.splice(0)) wake();
  });
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  let ended = false;
  void exited.then(() => {
    ended = true;
    for (const wake of waiters.splice(0)) wake();
  });
  const line = async (pattern: RegExp): Promise<string> => {
    for (;;) {
      const found = out.split('\n').find((text) => pattern.test(text));
      if (found !== undefined) return found;
      if (ended) throw new Error(`the child ended without printing ${pattern}: ${out}${err}`);
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
  };
  return { process: child, line, exited, stdout: () => out, stderr: () => err };
}

/** store-writer.mjs in a process of its own. */
export function spawnWriter(root: string, mode: string, ...args: string[]): Child {
  return watch(spawn(process.execPath, [WRITER, root, mode, ...args], { stdio: ['pipe', 'pipe', 'pipe'] }));
}

/** A Node script in a process of its own. */
export function spawnScript(script: string, ...args: string[]): Child {
  return watch(spawn(process.execPath, [script, ...args], { stdio: ['pipe', 'pipe', 'pipe'] }));
}

/** The `strata` command in a process of its own. */
export function spawnCli(root: string, ...args: string[]): Child {
  return watch(spawn(process.execPath, [CLI, '--root', root, ...args], { stdio: ['pipe', 'pipe', 'pipe'] }));
}

/** Whether some process waits in flock() for `file` (the kernel's /proc/locks, "->" lines). */
export function someoneWaitsFor(file: string): boolean {
  const inode = fs.statSync(file).ino;
  return fs
    .readFileSync('/proc/locks', 'utf8')
    .split('\n')
    .some((line) => line.includes('->') && line.includes('FLOCK') && line.split(/\s+/).some((field) => field.endsWith(`:${inode}`)));
}

export async function until(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 3000; i++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`gave up waiting: ${what}`);
}

function readJson(file: string): Record<string, unknown> {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
}

/**
 * Every image in index.json and every container's image: its manifest, config and layer
 * blobs are there, and so is each layer of its chain (with meta.json, which a layer has
 * only once it is complete). Returns how many images were checked.
 */
export function expectConsistent(paths: StorePaths): number {
  const manifests = new Set(readImageIndex(paths).map((image) => image.manifestDigest));
  for (const id of fs.readdirSync(paths.containers)) {
    const record = readJson(path.join(paths.containers, id, 'container.json')) as { image: { manifestDigest: string } };
    manifests.add(record.image.manifestDigest);
  }
  for (const digest of manifests) {
    expect(fs.existsSync(blobPath(paths, digest)), `manifest ${digest}`).toBe(true);
    const manifest = readJson(blobPath(paths, digest)) as { config: { digest: string }; layers: { digest: string }[] };
    for (const blob of [manifest.config, ...manifest.layers]) expect(fs.existsSync(blobPath(paths, blob.digest)), `blob ${blob.digest}`).toBe(true);
    const config = readJson(blobPath(paths, manifest.config.digest)) as { rootfs: { diff_ids: string[] } };
    for (const chainId of chainIds(config.rootfs.diff_ids)) expect(fs.existsSync(path.join(layerDir(paths, chainId), 'meta.json')), `layer ${chainId}`).toBe(true);
  }
  expect(fs.readdirSync(paths.tmp)).toEqual([]);
  expect(fs.existsSync(paths.commitJournal)).toBe(false);
  return manifests.size;
}
