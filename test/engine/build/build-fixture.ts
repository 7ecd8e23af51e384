// What the builder's integration tests share: an engine on a temp store holding a busybox
// image (the test images' base layer, built from Debian's busybox-static), build contexts
// written from a file map, and the checks that a build left nothing behind.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { Engine } from '../../../src-main/engine/index';
import type { BuildOptions, BuildResult } from '../../../src-main/engine/build/execute';
import { runtimeRoot } from '../../../src-main/engine/containers/runtime-root';
import { runtimeStateIds } from '../../../src-main/engine/runtime';
import { runCgroup } from '../../../src-main/engine/build/run-step';
import { blobPath } from '../../../src-main/engine/store/paths';
import { existingCgroupDirs, strataCgroupDirs } from '../../helpers/cgroups';
import { makeTempDir, testImages, writeOciLayout } from '../../helpers/test-images';

export const BASE = 'test/busybox:1';

export interface Fixture {
  work: string;
  engine: Engine;
  /** Writes a context directory from `files` (path → content, or [content, mode]). */
  context(name: string, files: Record<string, string | Buffer | [string | Buffer, number]>): string;
  build(contextDir: string, options?: Partial<BuildOptions>): Promise<BuildResult>;
  /** Runs the image to its end; its stdout and stderr lines. */
  run(image: string, command?: string[]): Promise<string>;
  /** Ids of every runtime container this fixture's store has had (RUN steps and run()), seen as they appeared. */
  runtimeIds: Set<string>;
  cleanup(): Promise<void>;
}

export async function openFixture(label: string): Promise<Fixture> {
  const work = makeTempDir(label);
  const { layers } = testImages(work);
  const engine = Engine.open({ root: path.join(work, 'store') });
  await engine.importImage({ path: writeOciLayout(path.join(work, 'layout'), [{ tag: BASE, layers: [layers.base], cmd: ['/bin/sh'] }]) });
  const watcher = watchRuntimeIds(engine);
  return {
    work,
    engine,
    runtimeIds: watcher.ids,
    context(name, files) {
      const dir = path.join(work, 'contexts', name);
      fs.rmSync(dir, { recursive: true, force: true });
      fs.mkdirSync(dir, { recursive: true });
      for (const [rel, spec] of Object.entries(files)) {
        const [content, mode] = Array.isArray(spec) ? spec : [spec, 0o644];
        const file = path.join(dir, rel);
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, content);
        fs.chmodSync(file, mode);
      }
      return dir;
    },
    build(contextDir, options = {}) {
      return engine.buildImage({ contextDir, ...options });
    },
    async run(image, command) {
      const container = await engine.createContainer(image, command ? { command } : {});
      await engine.startContainer(container.id);
      await engine.waitContainer(container.id);
      const lines = fs
        .readFileSync(engine.containerLogPath(container.id), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => (JSON.parse(line) as { log: string }).log.replace(/\n$/, ''));
      await engine.removeContainer(container.id, { force: true });
      return lines.join('\n');
    },
    async cleanup() {
      watcher.close();
      for (const container of await engine.listContainers({ all: true })) await engine.removeContainer(container.id, { force: true });
      const mounts = fs.readFileSync('/proc/self/mountinfo', 'utf8');
      fs.rmSync(work, { recursive: true, force: true });
      expect(mounts).not.toContain(work);
    },
  };
}

/**
 * The runtime containers of one store, as they come: strata-runtime keeps each one's state in
 * `<runtime root>/<id>/` (one root per store), so an inotify watch on that root sees every id
 * this store used, however short-lived, and no other store's.
 */
function watchRuntimeIds(engine: Engine): { ids: Set<string>; close(): void } {
  const ids = new Set<string>();
  const root = runtimeRoot(engine.store);
  fs.mkdirSync(root, { recursive: true, mode: 0o700 });
  const watcher = fs.watch(root, (_, name) => {
    if (name && /^[0-9a-f]{64}$/.test(name)) ids.add(name);
  });
  return { ids, close: () => watcher.close() };
}

/** RUN steps' cgroups (strata/build-<id>) in every hierarchy this machine has (detected), of any store. */
export function buildCgroups(): Set<string> {
  const out = new Set<string>();
  for (const parent of strataCgroupDirs()) {
    try {
      for (const name of fs.readdirSync(parent)) if (name.startsWith('build-')) out.add(path.join(parent, name));
    } catch {
      // no strata parent in this hierarchy
    }
  }
  return out;
}

/**
 * What a finished build (successful or not) must not leave: mounts under the store, build
 * directories, runtime containers, and the cgroups of the RUN steps it ran — its own, by the
 * ids its store's runtime root showed (builds of other test files come and go meanwhile).
 * `strata-runtime run` removes a RUN's cgroup before it exits, so none may be there now.
 */
export async function expectNothingLeft(fixture: Fixture): Promise<void> {
  const root = fixture.engine.root;
  expect(fs.readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(root);
  const builds = path.join(root, 'builds');
  expect(fs.existsSync(builds) ? fs.readdirSync(builds) : []).toEqual([]);
  const state = runtimeRoot(fixture.engine.store);
  expect(fs.existsSync(state) ? runtimeStateIds(fs.readdirSync(state)) : []).toEqual([]);
  // the watch's events for the last RUN are read on the next turn of the event loop
  await new Promise((resolve) => setImmediate(resolve));
  const left = [...fixture.runtimeIds].flatMap((id) => [...existingCgroupDirs(runCgroup(id)), ...existingCgroupDirs(id)]);
  expect(left).toEqual([]);
}

/** Entry names of a layer blob (gzip'd tar), as `tar -t` lists them. */
export function layerTarNames(fixture: Fixture, digest: string): string[] {
  return execFileSync('tar', ['-tzf', blobPath(fixture.engine.store.paths, digest)], { encoding: 'utf8' }).split('\n').filter(Boolean);
}

/** The unpacked directory of a layer in the store. */
export function layerDiff(fixture: Fixture, chainId: string): string {
  return path.join(fixture.engine.root, 'layers', chainId.slice('sha256:'.length), 'diff');
}
