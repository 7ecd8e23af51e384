// What a build in progress holds on to. A build publishes each step's layer as soon as the
// step is done but tags nothing until the end, and it mounts its base image's layers the
// whole time: without a reference of its own, an `rmi` or `prune` run meanwhile (from the
// window, another shell) would sweep layers the build is standing on. So every build keeps
// `builds/<id>/refs.json` — the manifests and layers it uses — and garbage collection counts
// those as references for as long as the build's process is alive (pid + start time, so a
// crashed build whose pid was reused holds nothing).
//
// Only this file knows the layout of builds/; gc.ts reads it through activeBuildReferences
// (as steps, store/fs-steps.ts: a sweep runs at opening and in jobs, and from the API).
import fs from 'node:fs';
import path from 'node:path';
import type { StorePaths } from '../store/paths';
import { type FsSteps, fsCall, runSync } from '../store/fs-steps';
import { type ProcessOwner, ownerAlive, ownerAliveSteps, readOwnerFile, readOwnerSteps } from '../store/process-owner';

export interface BuildReferences {
  /** Images the build stands on (its FROM images): their config, layers and blobs. */
  manifests: string[];
  /** Layers published or reused by the build, each with its blob. */
  layers: { chainId: string; digest: string }[];
}

export const OWNER_FILE = 'build.json';
export const REFS_FILE = 'refs.json';
/** A build directory without an owner file younger than this is still being set up. */
const SETUP_GRACE_MS = 60_000;

export function buildsDir(paths: StorePaths): string {
  return path.join(paths.root, 'builds');
}

export function readOwner(dir: string): ProcessOwner | undefined {
  return readOwnerFile(path.join(dir, OWNER_FILE));
}

/**
 * Build directories whose process has gone (a crashed or killed build): cheap to ask — no
 * more than a directory listing when no build ever crashed — so the engine asks at start.
 */
export function staleBuildDirs(paths: StorePaths): string[] {
  return buildDirs(paths).filter((dir) => {
    const owner = readOwner(dir);
    return owner ? !ownerAlive(owner) : ageMs(dir) >= SETUP_GRACE_MS;
  });
}

/** The references of every build whose process is still running. */
export function* activeBuildReferences(paths: StorePaths): FsSteps<BuildReferences[]> {
  const out: BuildReferences[] = [];
  for (const dir of yield* buildDirSteps(paths)) {
    const owner = yield* readOwnerSteps(path.join(dir, OWNER_FILE));
    if (owner === undefined || !(yield* ownerAliveSteps(owner))) continue;
    try {
      const refs = JSON.parse(yield* fsCall('readText', path.join(dir, REFS_FILE))) as Partial<BuildReferences>;
      out.push({ manifests: refs.manifests ?? [], layers: refs.layers ?? [] });
    } catch {
      // a build that has not taken any reference yet
    }
  }
  return out;
}

function buildDirs(paths: StorePaths): string[] {
  return runSync(buildDirSteps(paths));
}

function* buildDirSteps(paths: StorePaths): FsSteps<string[]> {
  try {
    return (yield* fsCall('readdir', buildsDir(paths))).map((name) => path.join(buildsDir(paths), name));
  } catch {
    return [];
  }
}

function ageMs(dir: string): number {
  try {
    return Date.now() - fs.statSync(dir).mtimeMs;
  } catch {
    return 0; // gone meanwhile: nothing to clear
  }
}
