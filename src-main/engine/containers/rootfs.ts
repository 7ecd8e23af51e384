// A container's root: an overlay of the image's layer directories (read-only, top first)
// under the container's own upper/work directories (the thin read-write layer).
//
// The mount options must fit in one page. Layer paths are long, so each layer gets a short
// link, l/<8 chars> → ../layers/<chain id>/diff (as containers/storage does); a deep image
// whose absolute links still do not fit is mounted with relative links from l/.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { MNT_DETACH, mount, mountDataMax, umount } from '../../../native/lib/index';
import { StrataError } from '@shared/errors';
import { LAYER_FILES } from '../layers/layer-store';
import { type RootView, layerStackRoot, readFileInRoot } from '../layers/root-path';
import { layerDir } from '../store/paths';
import type { Store } from '../store/store';

export interface OverlayDirs {
  /** A read-only layer above the image's (the container's init layer), when it has one. */
  init?: string;
  upper: string;
  work: string;
  target: string;
}

/** l/<short> → ../layers/<hex>/diff, made once per layer. */
function shortLink(store: Store, chainId: string): string {
  const hex = chainId.slice('sha256:'.length);
  const short = createHash('sha256').update(hex).digest('base64url').slice(0, 8);
  const link = path.join(store.paths.layerLinks, short);
  fs.mkdirSync(store.paths.layerLinks, { recursive: true });
  try {
    fs.symlinkSync(path.join('..', 'layers', hex, 'diff'), link);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return short;
}

export function mountOverlay(store: Store, layers: readonly string[], dirs: OverlayDirs): void {
  if (isMounted(dirs.target)) return;
  const shorts = [...layers].reverse().map((chainId) => shortLink(store, chainId));
  const linkDir = store.paths.layerLinks;
  // The init dir is given absolute either way; relative paths are only for the layer links.
  const init = dirs.init !== undefined && fs.existsSync(dirs.init) ? `${dirs.init}:` : '';
  const absolute = `lowerdir=${init}${shorts.map((s) => path.join(linkDir, s)).join(':')},upperdir=${dirs.upper},workdir=${dirs.work}${plainUpperOptions()}`;
  if (Buffer.byteLength(absolute) <= mountDataMax()) {
    mount('overlay', dirs.target, 'overlay', 0, absolute);
    return;
  }
  const relative = `lowerdir=${init}${shorts.join(':')},upperdir=${dirs.upper},workdir=${dirs.work}${plainUpperOptions()}`;
  if (Buffer.byteLength(relative) > mountDataMax()) {
    throw new StrataError('UNSUPPORTED', `the image has ${layers.length} layers: too many for one overlay mount`);
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
function plainUpperOptions(): string {
  return ['redirect_dir', 'metacopy']
    .filter((feature) => fs.existsSync(`/sys/module/overlay/parameters/${feature}`))
    .map((feature) => `,${feature}=off`)
    .join('');
}

export function unmountOverlay(target: string): void {
  if (!isMounted(target)) return;
  umount(target, MNT_DETACH);
}

export function isMounted(target: string): boolean {
  return mountPoints().includes(path.resolve(target));
}

/** Every mount point of this process's mount namespace, as paths. */
export function mountPoints(): string[] {
  const mountinfo = fs.readFileSync('/proc/self/mountinfo', 'utf8');
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
  return layerStackRoot([...layers].reverse().map((chainId) => path.join(layerDir(store.paths, chainId), LAYER_FILES.diff)));
}

/**
 * Reads a file from the image as the container will see it: whiteouts respected, links
 * resolved inside the image (an image's `etc -> /etc` must not read the host's passwd).
 */
export function readImageFile(store: Store, layers: readonly string[], absPath: string): Buffer | undefined {
  return readFileInRoot(imageRoot(store, layers), absPath);
}
