// A container's root: an overlay of the image's layer directories (read-only, top first)
// under the container's own upper/work directories (the thin read-write layer).
//
// The mount options must fit in one page. Layer paths are long, so each layer gets a short
// link, l/<8 chars> → ../layers/<chain id>/diff (as containers/storage does); a deep image
// whose absolute links still do not fit is mounted with relative links from l/.
//
// A rootless engine (uid 0 in the user's namespace) mounts with `userxattr`: overlay then
// reads and writes its whiteout and opaque xattrs as user.overlay.*, the form the rootless
// store's layers are unpacked in (layers/whiteouts.ts; Linux 5.11).
//
// Containers mount and unmount from the API (the *Async functions: every file call off the
// event loop, only the mount syscall itself stays in the addon); the builder's workspace
// uses the synchronous ones. Files of the image are read the same two ways (readImageFile
// for builds, imageUserFiles for the API's create, start and exec -u).
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { MNT_DETACH, mount, mountDataMax, umount } from '../../../native/lib/index';
import { StrataError } from '@shared/errors';
import { LAYER_FILES } from '../layers/layer-store';
import { type RootView, layerStackRoot, readFileInRoot, readFileInRootAsync } from '../layers/root-path';
import { enginePrivilege } from '../rootless/privilege';
import { USER_FILES } from '../runtime/image-user';
import { layerDir } from '../store/paths';
import type { Store } from '../store/store';
import { pathExists } from '../store/exists';
import { containerFile } from './container-store';

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
  mountWith(store, layers.length, shorts, hasInit, dirs, plainUpperOptions());
}

/** mountOverlay with its file calls off the event loop: for containers started through the API. */
export async function mountOverlayAsync(store: Store, layers: readonly string[], dirs: OverlayDirs): Promise<void> {
  if (await isMountedAsync(dirs.target)) return;
  const shorts = await Promise.all([...layers].reverse().map((chainId) => shortLinkAsync(store, chainId)));
  const hasInit = dirs.init !== undefined && (await pathExists(dirs.init));
  mountWith(store, layers.length, shorts, hasInit, dirs, await plainUpperOptionsAsync());
}

function mountWith(store: Store, layerCount: number, shorts: string[], hasInit: boolean, dirs: OverlayDirs, plain: string): void {
  const linkDir = store.paths.layerLinks;
  // The init dir is given absolute either way; relative paths are only for the layer links.
  const init = hasInit ? `${dirs.init}:` : '';
  const absolute = `lowerdir=${init}${shorts.map((s) => path.join(linkDir, s)).join(':')},upperdir=${dirs.upper},workdir=${dirs.work}${plain}`;
  if (Buffer.byteLength(absolute) <= mountDataMax()) {
    mount('overlay', dirs.target, 'overlay', 0, absolute);
    return;
  }
  const relative = `lowerdir=${init}${shorts.join(':')},upperdir=${dirs.upper},workdir=${dirs.work}${plain}`;
  if (Buffer.byteLength(relative) > mountDataMax()) {
    throw new StrataError('UNSUPPORTED', `the image has ${layerCount} layers: too many for one overlay mount`);
  }
  // The kernel resolves relative lowerdirs against the caller's cwd; mount is synchronous,
  // so nothing else in this process runs between the two chdirs.
  const cwd = process.cwd();
  process.chdir(linkDir);
  try {
    mount('overlay', dirs.target, 'overlay', 0, relative);
  } finally {
    process.chdir(cwd);
  }
}

/**
 * The upper dir must hold whole files and real directories: `diff`, `commit` and the builder
 * read it as a layer. Where the kernel has redirect_dir or metacopy (and may default them
 * on), they are turned off for our mounts; a kernel without them needs nothing said.
 */
const OVERLAY_FEATURES = ['redirect_dir', 'metacopy'];
/** The kernel's overlay module does not change while we run: asked once. */
let plainOptions: string | undefined;

function plainUpperOptions(): string {
  plainOptions ??= offOptions(OVERLAY_FEATURES.filter((feature) => fs.existsSync(featureFile(feature))));
  return plainOptions;
}

async function plainUpperOptionsAsync(): Promise<string> {
  if (plainOptions === undefined) {
    const present = await Promise.all(OVERLAY_FEATURES.map((feature) => pathExists(featureFile(feature))));
    plainOptions = offOptions(OVERLAY_FEATURES.filter((_, index) => present[index]));
  }
  return plainOptions;
}

function featureFile(feature: string): string {
  return `/sys/module/overlay/parameters/${feature}`;
}

function offOptions(features: string[]): string {
  // userxattr refuses redirect_dir=off (only `nofollow`, which makes none either: Linux's
  // ovl_fs_params_verify) and wants the store's xattr form said (whiteouts.ts).
  if (enginePrivilege() === 'rootless') return features.map((feature) => `,${feature}=${feature === 'redirect_dir' ? 'nofollow' : 'off'}`).join('') + ',userxattr';
  return features.map((feature) => `,${feature}=off`).join('');
}

export function unmountOverlay(target: string): void {
  if (!isMounted(target)) return;
  umount(target, MNT_DETACH);
}

export async function unmountOverlayAsync(target: string): Promise<void> {
  if (!(await isMountedAsync(target))) return;
  umount(target, MNT_DETACH);
}

export function isMounted(target: string): boolean {
  return mountPoints().includes(path.resolve(target));
}

export async function isMountedAsync(target: string): Promise<boolean> {
  return (await mountPointsAsync()).includes(path.resolve(target));
}

/** Every mount point of this process's mount namespace, as paths. */
export function mountPoints(): string[] {
  return parseMountPoints(fs.readFileSync('/proc/self/mountinfo', 'utf8'));
}

export async function mountPointsAsync(): Promise<string[]> {
  return parseMountPoints(await fs.promises.readFile('/proc/self/mountinfo', 'utf8'));
}

function parseMountPoints(mountinfo: string): string[] {
  return mountinfo.split('\n').flatMap((line) => {
    const point = line.split(' ')[4];
    return point === undefined ? [] : [unescapeMountPath(point)];
  });
}

function unescapeMountPath(text: string): string {
  return text.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
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
  return layerStackRoot([containerFile(store, record.id, 'upper'), containerFile(store, record.id, 'init'), ...imageLayerDirs(store, record.layers)]);
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
