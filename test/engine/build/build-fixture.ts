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
import { blobPath } from '../../../src-main/engine/store/paths';
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
  cleanup(): Promise<void>;
}

export async function openFixture(label: string): Promise<Fixture> {
  const work = makeTempDir(label);
  const { layers } = testImages(work);
  const engine = Engine.open({ root: path.join(work, 'store') });
  await engine.importImage({ path: writeOciLayout(path.join(work, 'layout'), [{ tag: BASE, layers: [layers.base], cmd: ['/bin/sh'] }]) });
  return {
    work,
    engine,
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
      for (const container of engine.listContainers({ all: true })) await engine.removeContainer(container.id, { force: true });
      const mounts = fs.readFileSync('/proc/self/mountinfo', 'utf8');
      fs.rmSync(work, { recursive: true, force: true });
      expect(mounts).not.toContain(work);
    },
  };
}

/** RUN steps' cgroups (strata/build-<id>) in every hierarchy. */
export function buildCgroups(): Set<string> {
  const out = new Set<string>();
  const base = '/sys/fs/cgroup';
  for (const hierarchy of fs.readdirSync(base)) {
    const parent = path.join(base, hierarchy, 'strata');
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
 * directories, runtime containers, cgroups. Builds in another test file come and go
 * meanwhile; a leftover would stay, so new build cgroups get a moment to go.
 */
export async function expectNothingLeft(fixture: Fixture): Promise<void> {
  const root = fixture.engine.root;
  expect(fs.readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(root);
  const builds = path.join(root, 'builds');
  expect(fs.existsSync(builds) ? fs.readdirSync(builds) : []).toEqual([]);
  const state = runtimeRoot(fixture.engine.store);
  expect(fs.existsSync(state) ? fs.readdirSync(state) : []).toEqual([]);
  let added: string[] = [];
  for (let i = 0; i < 50; i++) {
    added = [...buildCgroups()];
    if (added.length === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  expect(added).toEqual([]);
}

/** Entry names of a layer blob (gzip'd tar), as `tar -t` lists them. */
export function layerTarNames(fixture: Fixture, digest: string): string[] {
  return execFileSync('tar', ['-tzf', blobPath(fixture.engine.store.paths, digest)], { encoding: 'utf8' }).split('\n').filter(Boolean);
}

/** The unpacked directory of a layer in the store. */
export function layerDiff(fixture: Fixture, chainId: string): string {
  return path.join(fixture.engine.root, 'layers', chainId.slice('sha256:'.length), 'diff');
}
