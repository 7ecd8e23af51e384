// Undoing a build's working directory (build-workspace.ts): when the build ends, and for a
// build whose process died — killed in the middle of a RUN, its step's container may still
// be running, on an overlay mount, in a network namespace with a veth and an address, in a
// cgroup. The engine clears such leftovers when it starts, in `prune`, and before each build
// (once the owner's process is gone: build.json, pid + start time).
//
// Every step is safe to repeat and to race with another engine doing the same: a teardown
// that finds something already gone goes on.
import fs from 'node:fs';
import path from 'node:path';
import { MNT_DETACH, umount } from '../../../native/lib/index';
import { cgroupsPathOption, engineCgroupAccess } from '../rootless/cgroup-access';
import { runtimeRoot } from '../containers/runtime-root';
import { endFuseOverlayAsync } from '../containers/fuse-overlay';
import { defaultNetworkMode, networkConfig, tearDownNetwork } from '../network/index';
import { runRuntime } from '../runtime/runtime-binary';
import type { Store } from '../store/store';
import { staleBuildDirs } from './build-refs';
import { CONTAINER_ID_FILE, runCgroup } from './run-step';

/** Per store root: the clean-up under way in this process, so that callers share one. */
const inFlight = new Map<string, Promise<void>>();

/** Tears down every build directory whose owner has gone; resolves when they are. */
export function removeStaleBuilds(store: Store): Promise<void> {
  const root = store.paths.root;
  const running = inFlight.get(root);
  if (running) return running;
  const work = (async () => {
    for (const dir of staleBuildDirs(store.paths)) await tearDownBuildDir(store, dir);
  })().finally(() => inFlight.delete(root));
  inFlight.set(root, work);
  return work;
}

/** A build directory's containers (with their network and cgroup), mounts and files. */
export async function tearDownBuildDir(store: Store, dir: string): Promise<void> {
  // Containers first: they stand on the mounts.
  const stateRoot = runtimeRoot(store);
  for (const name of safeReaddir(dir)) {
    let id: string;
    try {
      id = fs.readFileSync(path.join(dir, name, CONTAINER_ID_FILE), 'utf8').trim();
    } catch {
      continue;
    }
    if (!/^[0-9a-f]{64}$/.test(id)) continue;
    // `delete --force` kills the container and removes its cgroup; the runtime's `run`
    // waiting on it then exits.
    if (fs.existsSync(path.join(stateRoot, id))) await runRuntime(['delete', '--force', id], { root: stateRoot }).catch(() => undefined);
    await removeCgroup(runCgroup(id));
    await tearDownNetwork(networkConfig(), { mode: defaultNetworkMode(), owner: id, bundleDir: path.join(dir, name) }).catch(() => undefined);
  }
  for (const point of mountsBelow(dir)) {
    try {
      umount(point, MNT_DETACH);
    } catch {
      // unmounted meanwhile (another engine clearing the same directory)
    }
    await endFuseOverlayAsync(point); // a step's root on fuse-overlayfs: its daemon too
  }
  await fs.promises.rm(dir, { recursive: true, force: true });
}

/**
 * A cgroup the runtime's state no longer names (a runtime killed half-way): the runtime
 * kills its processes and removes it (`cgroup-destroy --path`, which finds nothing to do
 * where it does not exist). The engine never writes a cgroup itself.
 */
async function removeCgroup(name: string): Promise<void> {
  // A failure (a cgroup still in use, cgroups not ours to write) leaves it for the next
  // clean-up: at start, in prune, before a build. The teardown goes on either way.
  const cgroup = cgroupsPathOption(await engineCgroupAccess(), name).cgroupsPath;
  if (cgroup === undefined) return; // an engine whose containers get no cgroup (rootless on v1) made none
  await runRuntime(['cgroup-destroy', '--path', cgroup]).catch(() => undefined);
}

/** Mount points at or below `dir`, deepest first. */
function mountsBelow(dir: string): string[] {
  const prefix = path.resolve(dir) + '/';
  const points: string[] = [];
  for (const line of fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const field = line.split(' ')[4];
    if (field === undefined) continue;
    const point = field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
    if (point.startsWith(prefix)) points.push(point);
  }
  return points.sort((a, b) => b.length - a.length);
}

function safeReaddir(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}
