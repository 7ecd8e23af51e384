// A container's root: an overlay of the image's layer directories (read-only, top first)
// under the container's own upper/work directories (the thin read-write layer).
//
// The overlay is the kernel's (native-overlay.ts) or, in a rootless engine where the kernel
// will not mount one, fuse-overlayfs (fuse-overlay.ts); overlay-driver.ts decides which.
// Either way each layer is reached through a short link, l/<8 chars> → ../layers/<chain
// id>/diff (as containers/storage does), so that the kernel's options fit in one page.
//
// Containers mount and unmount from the API (the *Async functions: every file call off the
// event loop, only the mount syscall itself stays in the addon); the builder's workspace
// uses the synchronous ones. Files of the image are read the same two ways (readImageFile
// for builds, imageUserFiles for the API's create, start and exec -u).
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { MNT_DETACH, umount, umountAsync } from '../../../native/lib/index';
import { LAYER_FILES } from '../layers/layer-store';
import { type RootView, layerStackRoot, readFileInRoot, readFileInRootAsync } from '../layers/root-path';
import { upperNotation } from '../layers/whiteouts';
import { USER_FILES } from '../runtime/image-user';
import { layerDir } from '../store/paths';
import type { Store } from '../store/store';
import { pathExists } from '../store/exists';
import { containerFile } from './container-store';
import { isMounted, isMountedAsync } from './mount-points';
import { type FuseOverlayMount, endFuseOverlay, endFuseOverlayAsync, mountFuseOverlay, mountFuseOverlayAsync } from './fuse-overlay';
import { type NativeMount, mountNativeOverlay, nativeOptions, nativeOptionsAsync } from './native-overlay';
import { overlayDriver, overlayDriverAsync } from './overlay-driver';

export interface OverlayDirs {
  /** A read-only layer above the image's (the container's init layer), when it has one. */
  init?: string;
  upper: string;
  work: string;
  target: string;
}

/** The short name of a layer's link in l/, and what the link points to. */
function shortLinkOf(chainId: string): { short: string; target: string } {
  const hex = chainId.slice('sha256:'.length);
  return { short: createHash('sha256').update(hex).digest('base64url').slice(0, 8), target: path.join('..', 'layers', hex, 'diff') };
}

/** l/<short> → ../layers/<hex>/diff, made once per layer. */
function shortLink(store: Store, chainId: string): string {
  const { short, target } = shortLinkOf(chainId);
  fs.mkdirSync(store.paths.layerLinks, { recursive: true });
  try {
    fs.symlinkSync(target, path.join(store.paths.layerLinks, short));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return short;
}

async function shortLinkAsync(store: Store, chainId: string): Promise<string> {
  const { short, target } = shortLinkOf(chainId);
  await fs.promises.mkdir(store.paths.layerLinks, { recursive: true });
  try {
    await fs.promises.symlink(target, path.join(store.paths.layerLinks, short));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return short;
}

export function mountOverlay(store: Store, layers: readonly string[], dirs: OverlayDirs): void {
  if (isMounted(dirs.target)) return;
  const shorts = [...layers].reverse().map((chainId) => shortLink(store, chainId));
  const hasInit = dirs.init !== undefined && fs.existsSync(dirs.init);
  const mount = mountOf(store, shorts, hasInit, dirs);
  const driver = overlayDriver(dirs.work);
  if (driver.kind === 'fuse-overlayfs') mountFuseOverlay(fuseMountOf(driver.binary, mount));
  else mountNativeOverlay(mount, nativeOptions());
}

/** mountOverlay with its file calls off the event loop: for containers started through the API. */
export async function mountOverlayAsync(store: Store, layers: readonly string[], dirs: OverlayDirs): Promise<void> {
  // Reads only, side by side (a start waits for them); the layers' links matter only when it is not mounted yet.
  const links = Promise.all([...layers].reverse().map((chainId) => shortLinkAsync(store, chainId)));
  links.catch(() => undefined);
  const [mounted, hasInit] = await Promise.all([isMountedAsync(dirs.target), dirs.init !== undefined && pathExists(dirs.init)]);
  if (mounted) return;
  const mount = mountOf(store, await links, hasInit, dirs);
  const driver = await overlayDriverAsync(dirs.work);
  if (driver.kind === 'fuse-overlayfs') await mountFuseOverlayAsync(fuseMountOf(driver.binary, mount));
  else mountNativeOverlay(mount, await nativeOptionsAsync());
}

function mountOf(store: Store, shorts: string[], hasInit: boolean, dirs: OverlayDirs): NativeMount {
  return { linkDir: store.paths.layerLinks, shorts, ...(hasInit ? { init: dirs.init } : {}), upper: dirs.upper, work: dirs.work, target: dirs.target };
}

/** fuse-overlayfs takes the layers as an argument (no page limit): absolute, top first. */
function fuseMountOf(binary: string, mount: NativeMount): FuseOverlayMount {
  const lowerdirs = [...(mount.init === undefined ? [] : [mount.init]), ...mount.shorts.map((short) => path.join(mount.linkDir, short))];
  return { binary, lowerdirs, upper: mount.upper, work: mount.work, target: mount.target };
}

/** Unmounts the root (lazily: it goes once unused) and ends its fuse-overlayfs, if it had one. */
export function unmountOverlay(target: string): void {
  if (isMounted(target)) umount(target, MNT_DETACH);
  endFuseOverlay(target);
}

/** unmountOverlay off the event loop: taking an overlay down syncs the filesystem under its upper dir. */
export async function unmountOverlayAsync(target: string): Promise<void> {
  if (await isMountedAsync(target)) await umountAsync(target, MNT_DETACH);
  await endFuseOverlayAsync(target);
}

/** The image's layers as a root to resolve paths in: top first, as the overlay stacks them. */
export function imageRoot(store: Store, layers: readonly string[]): RootView {
  return layerStackRoot(imageLayerDirs(store, layers));
}

/**
 * A container's root as its overlay shows it (its own layer, its init layer, the image's),
 * read from the layer directories: the same whether or not the overlay is mounted where
 * this process can see it.
 */
export function containerRoot(store: Store, record: { id: string; layers: readonly string[] }): RootView {
  return layerStackRoot([containerFile(store, record.id, 'upper'), containerFile(store, record.id, 'init'), ...imageLayerDirs(store, record.layers)], upperNotation());
}

function imageLayerDirs(store: Store, layers: readonly string[]): string[] {
  return [...layers].reverse().map((chainId) => path.join(layerDir(store.paths, chainId), LAYER_FILES.diff));
}

/**
 * Reads a file from the image as the container will see it: whiteouts respected, links
 * resolved inside the image (an image's `etc -> /etc` must not read the host's passwd).
 */
export function readImageFile(store: Store, layers: readonly string[], absPath: string): Buffer | undefined {
  return readFileInRoot(imageRoot(store, layers), absPath);
}

/**
 * The image's user database (USER_FILES), read off the event loop before a spec is built,
 * as a reader for SpecInput.readImageFile / resolveUser. A file whose read failed (a loop
 * of links: INVALID_ARGUMENT) fails when it is asked for, where the synchronous reader would.
 */
export async function imageUserFiles(store: Store, layers: readonly string[]): Promise<(absPath: string) => Buffer | undefined> {
  const view = imageRoot(store, layers);
  const paths: string[] = Object.values(USER_FILES);
  const read = await Promise.allSettled(paths.map((absPath) => readFileInRootAsync(view, absPath)));
  return (absPath) => {
    const index = paths.indexOf(absPath);
    if (index < 0) throw new Error(`${absPath} was not read ahead: only ${paths.join(' and ')} are`);
    const result = read[index]!;
    if (result.status === 'rejected') throw result.reason;
    return result.value;
  };
}
