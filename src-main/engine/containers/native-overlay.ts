// The kernel's overlayfs, as the engine mounts it (overlay-driver.ts says when: always as
// root; in the rootless engine where the kernel mounts it in a user namespace).
//
// The mount options must fit in one page. Layer paths are long, so each layer gets a short
// link, l/<8 chars> → ../layers/<chain id>/diff (rootfs.ts, as containers/storage does); a
// deep image whose absolute links still do not fit is mounted with relative links from l/.
//
// A rootless engine (uid 0 in the user's namespace) mounts with `userxattr`: overlay then
// reads and writes its whiteout and opaque xattrs as user.overlay.*, the form the rootless
// store's layers are unpacked in (layers/whiteouts.ts; Linux 5.11).
import fs from 'node:fs';
import path from 'node:path';
import { mount, mountDataMax } from '../../../native/lib/index';
import { StrataError } from '@shared/errors';
import { enginePrivilege } from '../rootless/privilege';
import { pathExists } from '../store/exists';

export interface NativeMount {
  /** The store's l/ directory, which the short links are in. */
  linkDir: string;
  /** The layers' short links in l/, top first. */
  shorts: readonly string[];
  /** The init layer's directory, when there is one: above the image's. */
  init?: string;
  upper: string;
  work: string;
  target: string;
}

/** Mounts overlay; `options` is nativeOptions()'s (or the async form's). */
export function mountNativeOverlay(m: NativeMount, options: string): void {
  // The init dir is given absolute either way; relative paths are only for the layer links.
  const init = m.init === undefined ? '' : `${m.init}:`;
  const absolute = `lowerdir=${init}${m.shorts.map((s) => path.join(m.linkDir, s)).join(':')},upperdir=${m.upper},workdir=${m.work}${options}`;
  if (Buffer.byteLength(absolute) <= mountDataMax()) {
    mount('overlay', m.target, 'overlay', 0, absolute);
    return;
  }
  const relative = `lowerdir=${init}${m.shorts.join(':')},upperdir=${m.upper},workdir=${m.work}${options}`;
  if (Buffer.byteLength(relative) > mountDataMax()) {
    throw new StrataError('UNSUPPORTED', `the image has ${m.shorts.length} layers: too many for one overlay mount`);
  }
  // The kernel resolves relative lowerdirs against the caller's cwd; mount is synchronous,
  // so nothing else in this process runs between the two chdirs.
  const cwd = process.cwd();
  process.chdir(m.linkDir);
  try {
    mount('overlay', m.target, 'overlay', 0, relative);
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

/** The options after upperdir and workdir, with their leading comma. */
export function nativeOptions(): string {
  plainOptions ??= offOptions(OVERLAY_FEATURES.filter((feature) => fs.existsSync(featureFile(feature))));
  return plainOptions;
}

export async function nativeOptionsAsync(): Promise<string> {
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
