// The image's VOLUMEs, as docker treats them: each path the user did not mount a volume on
// gets an anonymous volume — a directory of the container's own, bind-mounted there — that
// starts as a copy of what the image has at that path. Its contents live outside the
// container's layer, so `diff` and `commit` leave them out, and `rm` removes them.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { openRootAsync } from '../../../native/lib/index';
import { copyTreeFromRoot } from '../layers/confined-copy';
import { pathExists } from '../store/exists';
import type { Store } from '../store/store';
import type { ContainerRecord } from './container';
import { containerFile } from './container-store';
import type { ContainerOptions, VolumeSpec } from './options';

/** The image's volume paths that none of the user's volumes covers, in a stable order. */
export function imageVolumesFor(imageVolumes: Record<string, unknown> | null | undefined, options: ContainerOptions): string[] {
  const taken = new Set((options.volumes ?? []).map((volume) => volume.destination));
  return Object.keys(imageVolumes ?? {})
    .map((destination) => path.posix.normalize(destination).replace(/(.)\/+$/, '$1'))
    .filter((destination) => destination.startsWith('/') && destination !== '/' && !taken.has(destination))
    .sort();
}

/**
 * The anonymous volumes as bind mounts, each made and seeded from the mounted root on the
 * container's first start (later starts find it and keep what the container wrote).
 */
export async function anonymousVolumes(store: Store, record: ContainerRecord, rootfs: string): Promise<VolumeSpec[]> {
  const volumes: VolumeSpec[] = [];
  for (const destination of record.imageVolumes ?? []) {
    const source = path.join(containerFile(store, record.id, 'volumes'), createHash('sha256').update(destination).digest('hex').slice(0, 16));
    if (!(await pathExists(source))) await seed(rootfs, destination, source);
    volumes.push({ source, destination, readonly: false });
  }
  return volumes;
}

/** The copy itself is layers/confined-copy.ts's (through fds, off the event loop). */
async function seed(rootfs: string, destination: string, volume: string): Promise<void> {
  const staging = `${volume}.new`;
  await fs.promises.rm(staging, { recursive: true, force: true });
  await fs.promises.mkdir(path.dirname(staging), { recursive: true, mode: 0o755 });
  // Read inside the root through fds: an image's /var -> / (or a link swapped in while we
  // copy) must not make us copy the host's files. What the image had is kept exactly.
  const rootFd = await openRootAsync(rootfs);
  let copied: boolean;
  try {
    copied = await copyTreeFromRoot(rootFd, destination, staging);
  } finally {
    await new Promise<void>((resolve) => fs.close(rootFd, () => resolve()));
  }
  if (!copied) await fs.promises.mkdir(staging, { mode: 0o755 });
  await fs.promises.rename(staging, volume);
}
