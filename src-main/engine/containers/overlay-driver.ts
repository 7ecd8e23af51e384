// Which overlay a container's root (and a build step's) is mounted with — decided here, and
// only here:
//   native          the kernel's overlayfs (native-overlay.ts): always as root; in the
//                   rootless engine with `userxattr`, where the kernel mounts overlay in a user
//                   namespace (Linux 5.11 and later)
//   fuse-overlayfs  Debian's fuse-overlayfs, one FUSE daemon per mount (fuse-overlay.ts): the
//                   rootless engine's fallback where the kernel refuses
//
// The rootless engine decides once per process. `STRATA_OVERLAY=native|fuse-overlayfs` forces
// the choice (any other value is INVALID_ARGUMENT); unset, a probe mount says whether the kernel
// mounts overlay here, else fuse-overlayfs is used where it is installed and /dev/fuse is there,
// else the mount is UNSUPPORTED, naming the package. The probe is an empty overlay under the
// mount's own work directory — on the store's filesystem, in the engine's namespaces, with the
// options a real mount has — made and taken down before the real mount; nothing else in the
// store is touched. A refusal is asked again next time (a package installed meanwhile).
import fs from 'node:fs';
import path from 'node:path';
import { MNT_DETACH, mount, umount } from '../../../native/lib/index';
import { StrataError } from '@shared/errors';
import { findOnPathSteps } from '../rootless/host-program';
import { type Privilege, enginePrivilege } from '../rootless/privilege';
import { type FsSteps, fsCall, runAsync, runSync } from '../store/fs-steps';
import { FUSE_DEVICE, FUSE_OVERLAYFS } from './fuse-overlay';
import { nativeOptions, nativeOptionsAsync } from './native-overlay';

export const OVERLAY_ENV = 'STRATA_OVERLAY';

export type OverlayDriver = { kind: 'native' } | { kind: 'fuse-overlayfs'; binary: string };

/** Decided once per process (a refusal is not kept). */
let chosen: OverlayDriver | undefined;
/** What the probe found: undefined until it ran, null when the kernel mounted, else why not. */
let kernelRefusal: string | null | undefined;

/** The driver for a mount whose work directory is `work` (where the probe, if any, runs). */
export function overlayDriver(work: string): OverlayDriver {
  return runSync(driverSteps(work, nativeOptions()));
}

export async function overlayDriverAsync(work: string): Promise<OverlayDriver> {
  return runAsync(driverSteps(work, await nativeOptionsAsync()));
}

function* driverSteps(work: string, options: string): FsSteps<OverlayDriver> {
  chosen ??= yield* decideSteps({
    privilege: enginePrivilege(),
    forced: process.env[OVERLAY_ENV],
    *kernel() {
      kernelRefusal ??= yield* probeSteps(work, options);
      return kernelRefusal;
    },
    fuse: fuseOverlayfsSteps,
  });
  return chosen;
}

/** What the choice is made from; the kernel's answer and fuse-overlayfs are asked only when needed. */
export interface DriverFacts {
  privilege: Privilege;
  /** STRATA_OVERLAY's value. */
  forced: string | undefined;
  /** null when the kernel mounts overlay here (a probe), else why not. */
  kernel: () => FsSteps<string | null>;
  /** fuse-overlayfs where it can run, else what is missing, in words. */
  fuse: () => FsSteps<OverlayDriver | string>;
}

/** The choice (the facts injected: tested for each case). */
export function* decideSteps(facts: DriverFacts): FsSteps<OverlayDriver> {
  if (facts.privilege !== 'rootless') return { kind: 'native' };
  const forced = forcedDriver(facts.forced);
  if (forced === 'native') return { kind: 'native' };
  if (forced === FUSE_OVERLAYFS) {
    const fuse = yield* facts.fuse();
    if (typeof fuse === 'string') throw new StrataError('UNSUPPORTED', `${OVERLAY_ENV}=${FUSE_OVERLAYFS}, but ${fuse}`);
    return fuse;
  }
  const refusal = yield* facts.kernel();
  if (refusal === null) return { kind: 'native' };
  const fuse = yield* facts.fuse();
  if (typeof fuse === 'string') {
    throw new StrataError('UNSUPPORTED', `the rootless engine cannot mount a container's root: the kernel refused overlay in the user namespace (${refusal}; Linux 5.11 and later mount it with userxattr), and the fallback: ${fuse}`);
  }
  return fuse;
}

/** STRATA_OVERLAY's value: undefined when unset or empty. */
function forcedDriver(value: string | undefined): 'native' | 'fuse-overlayfs' | undefined {
  if (value === undefined || value === '') return undefined;
  if (value === 'native' || value === FUSE_OVERLAYFS) return value;
  throw new StrataError('INVALID_ARGUMENT', `${OVERLAY_ENV}=${value}: the rootless engine's overlay is \`native\` (the kernel's, with userxattr) or \`${FUSE_OVERLAYFS}\`; unset, native where the kernel mounts it, else ${FUSE_OVERLAYFS}`);
}

/** fuse-overlayfs where it can run, else what is missing, in words. */
function* fuseOverlayfsSteps(): FsSteps<OverlayDriver | string> {
  const binary = yield* findOnPathSteps(FUSE_OVERLAYFS);
  if (!binary) return `${FUSE_OVERLAYFS} is not installed (Debian package ${FUSE_OVERLAYFS})`;
  try {
    yield* fsCall('access', FUSE_DEVICE, fs.constants.R_OK | fs.constants.W_OK);
  } catch (error) {
    return `${FUSE_OVERLAYFS} needs ${FUSE_DEVICE}, which cannot be opened here (${(error as NodeJS.ErrnoException).code}: load the fuse module)`;
  }
  return { kind: 'fuse-overlayfs', binary };
}

/** Mounts an empty overlay under `work`: null when the kernel did, else its errno. */
function* probeSteps(work: string, options: string): FsSteps<string | null> {
  const dir = path.join(work, 'overlay-probe');
  const sub = (name: string) => path.join(dir, name);
  yield* fsCall('rm', dir, { recursive: true, force: true });
  for (const name of ['lower', 'upper', 'work', 'merged']) yield* fsCall('mkdir', sub(name), { recursive: true });
  let refusal: string | null = null;
  try {
    mount('overlay', sub('merged'), 'overlay', 0, `lowerdir=${sub('lower')},upperdir=${sub('upper')},workdir=${sub('work')}${options}`);
    umount(sub('merged'), MNT_DETACH);
  } catch (error) {
    refusal = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
  }
  yield* fsCall('rm', dir, { recursive: true, force: true });
  return refusal;
}
