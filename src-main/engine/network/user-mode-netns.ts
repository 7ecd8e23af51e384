// What the two user-mode drivers (slirp-driver.ts, pasta-driver.ts) share: the container's
// namespace, made empty by the engine (uid 0 of its user namespace may; the addon's call,
// as the bridge's), the host ports chosen before the helper binds them, and the teardown.
// The teardown ends whichever helper is recorded beside the namespace file — slirp4netns
// or pasta, by its record, not by the mode the caller names: a build step found after a
// crash is torn down with the engine's default of now, which need not be the one it ran
// with (an engine whose PATH differs).
import fs from 'node:fs';
import { MNT_DETACH, createNetns, umount } from '../../../native/lib/index';
import { isMountedAsync } from '../containers/mount-points';
import { bindable } from './attach';
import { netlinkStep } from './host-command';
import { stopPasta } from './pasta';
import { stopSlirp } from './slirp4netns';
import type { PortSpec } from '@shared/ports';
import { StrataError } from '@shared/errors';

/** A new network namespace with only `lo`, bound on `netnsFile` (one an interrupted attach left there is unmounted first). */
export async function makeNamespace(owner: string, netnsFile: string): Promise<void> {
  if (await isMountedAsync(netnsFile)) umount(netnsFile, MNT_DETACH);
  await netlinkStep(`make the network namespace of ${owner.slice(0, 12)}`, () => createNetns(netnsFile));
}

/** The helper first (its ports go with it), then the namespace. Safe to repeat, and after a crash. */
export async function removeNamespace(netnsFile: string): Promise<void> {
  await stopSlirp(netnsFile);
  await stopPasta(netnsFile);
  if (await isMountedAsync(netnsFile)) umount(netnsFile, MNT_DETACH);
  await fs.promises.rm(netnsFile, { force: true });
}

/**
 * Host ports for the specs: each must be free on the host (another container's is held by
 * its helper, so it shows as taken), 0 gets a free one. The helper binds them a moment later.
 */
export async function chooseHostPorts(specs: readonly PortSpec[]): Promise<PortSpec[]> {
  const chosen: PortSpec[] = [];
  for (const spec of specs) {
    if (spec.hostPort !== 0 && chosen.some((port) => port.protocol === spec.protocol && port.hostPort === spec.hostPort)) {
      throw new StrataError('CONFLICT', `port ${spec.hostPort}/${spec.protocol} is already published by this container`);
    }
    chosen.push({ ...spec, hostPort: await bindable(spec) });
  }
  return chosen;
}
