// The init layer (docker's name): a tiny read-only layer between the image and the
// container's own, holding the mount points the runtime needs (/proc, /dev, /sys, volume
// destinations) that the image lacks. Without it the runtime would create them in the
// upper dir, and every `diff` and `commit` would show them as the container's changes.
//
// What to make is planned from the image, read through layers/' root view; a container's
// create plans and makes it off the event loop (writeInitLayerAsync), a build's workspace
// synchronously.
import fs from 'node:fs';
import path from 'node:path';
import { NETWORK_FILES } from '../network/network-files';
import { defaultMounts, readonlyRootfsMounts } from '../runtime/oci-config';
import { parallelMap } from '../store/parallel-map';
import type { Store } from '../store/store';
import type { ContainerOptions } from './options';
import { imageRoot } from './rootfs';

export interface MountPoint {
  destination: string;
  /** A bind mount of a file needs a file to mount on. */
  file: boolean;
}

/**
 * The runtime's default mounts (and --read-only's tmpfs), the network files, the user's
 * volumes and the image's (anonymous) volumes. `fileSources`: the volume sources that are files, not directories.
 */
export function mountPointsOf(options: ContainerOptions, imageVolumes: readonly string[], fileSources: ReadonlySet<string> = new Set()): MountPoint[] {
  return [
    ...[...defaultMounts(), ...(options.readonlyRootfs === true ? readonlyRootfsMounts() : [])].map((mount) => ({ destination: mount.destination, file: false })),
    ...NETWORK_FILES.map((destination) => ({ destination, file: true })),
    ...(options.volumes ?? []).map((volume) => ({ destination: volume.destination, file: fileSources.has(volume.source) })),
    ...imageVolumes.map((destination) => ({ destination, file: false })),
  ];
}

/**
 * Makes `initDir` hold every mount point of the container that the image does not have.
 * A directory the image has is made here only on the way to a deeper one, and then with
 * the image's owner, mode and time: the topmost layer decides what a merged directory
 * looks like, so a plain 0755 here would turn the image's /tmp (1777) into 0755.
 */
export function writeInitLayer(store: Store, layers: readonly string[], points: readonly MountPoint[], initDir: string): void {
  fs.mkdirSync(initDir, { mode: 0o755 });
  const view = imageRoot(store, layers);
  for (const entry of initLayerPlan(points, initDir, points.map((point) => prefixesOf(point).map((parts) => view.lookup(parts)?.stat)))) {
    if (entry.file) fs.writeFileSync(entry.target, '', { mode: 0o644 });
    else fs.mkdirSync(entry.target, { mode: 0o755 });
    if (!entry.image) continue;
    fs.lchownSync(entry.target, entry.image.uid, entry.image.gid);
    fs.chmodSync(entry.target, entry.image.mode & 0o7777);
    fs.utimesSync(entry.target, entry.image.atime, entry.image.mtime);
  }
}

/** writeInitLayer with its writes off the event loop. */
export async function writeInitLayerAsync(store: Store, layers: readonly string[], points: readonly MountPoint[], initDir: string): Promise<void> {
  await fs.promises.mkdir(initDir, { mode: 0o755 });
  const view = imageRoot(store, layers);
  const inImage = await Promise.all(points.map((point) => Promise.all(prefixesOf(point).map(async (parts) => (await view.lookupAsync(parts))?.stat))));
  // Each entry after its parent's (whose times must be set before its children are made
  // in it), the others side by side: a dozen sequential pool trips were 2.5 ms of a create.
  const made = new Map<string, Promise<void>>();
  await parallelMap(initLayerPlan(points, initDir, inImage), 8, (entry) => {
    const parent = made.get(path.dirname(entry.target));
    const work = (async () => {
      await parent;
      if (entry.file) await fs.promises.writeFile(entry.target, '', { mode: 0o644 });
      else await fs.promises.mkdir(entry.target, { mode: 0o755 });
      if (!entry.image) return;
      await fs.promises.lchown(entry.target, entry.image.uid, entry.image.gid);
      await fs.promises.chmod(entry.target, entry.image.mode & 0o7777);
      await fs.promises.utimes(entry.target, entry.image.atime, entry.image.mtime);
    })();
    made.set(entry.target, work);
    return work;
  });
}

interface InitEntry {
  target: string;
  file: boolean;
  /** What the image has at this path (a directory on the way): its owner, mode and times are kept. */
  image?: fs.Stats;
}

/**
 * The paths on the way to a mount point and the point itself (`/a/b`: a, a/b), as components.
 * What the image has at each is looked up in the layer stack, so a link in any layer on the
 * way never leads to the host's files; the last component's link is not followed.
 */
function prefixesOf(point: MountPoint): string[][] {
  const parts = point.destination.split('/').filter(Boolean);
  return parts.map((_, i) => parts.slice(0, i + 1));
}

/**
 * What the init layer holds, parents before children, each path once. `found[k][i]`: what
 * the image has at prefixesOf(points[k])[i].
 */
function initLayerPlan(points: readonly MountPoint[], initDir: string, found: readonly (fs.Stats | undefined)[][]): InitEntry[] {
  const plan: InitEntry[] = [];
  const planned = new Set<string>();
  for (const [k, point] of points.entries()) {
    const parts = point.destination.split('/').filter(Boolean);
    const inImage = found[k]!;
    // A file or symlink on the way: the runtime deals with it (and refuses what escapes).
    if (inImage.slice(0, -1).some((stat) => stat !== undefined && !stat.isDirectory())) continue;
    if (inImage[parts.length - 1] !== undefined) continue; // the image has the mount point
    for (let i = 0; i < parts.length; i++) {
      const target = path.join(initDir, ...parts.slice(0, i + 1));
      if (planned.has(target)) continue;
      planned.add(target);
      plan.push({ target, file: i === parts.length - 1 && point.file, image: inImage[i] });
    }
  }
  return plan;
}
