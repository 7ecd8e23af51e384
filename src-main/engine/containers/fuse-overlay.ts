// fuse-overlayfs (Debian's package of that name): the rootless engine's overlay where the
// kernel will not mount overlayfs in a user namespace (before Linux 5.11), or where
// STRATA_OVERLAY=fuse-overlayfs says so (overlay-driver.ts decides).
//
// The engine makes the FUSE mount itself and hands fuse-overlayfs the /dev/fuse fd (libfuse's
// `/dev/fd/N` mount point, for a parent that mounts), running it in the foreground, detached
// in a session of its own: a container outlives the engine, and so must its root's daemon.
// Its pid is then known from the start, not guessed after a daemonizing fork; it is recorded
// with its start time beside the mount point (`<target>.fuse-overlayfs.json`), and whoever
// unmounts ends it by them, never a recycled pid (a detached mount loses its connection and
// the daemon exits by itself; SIGTERM makes sure, should something still hold the mount). The
// mount is there before the daemon runs: the first readdir through it waits for the daemon's
// answer, or fails (ENOTCONN) when it exited — its output, `<target>.fuse-overlayfs.log`, says why.
//
// The options, and why:
//  - allow_other, default_permissions (the kernel's): the container's processes run as other
//    ids of the namespace than the mounter (0), and the kernel checks their access by mode,
//    as on overlayfs;
//  - writeback=0 (fuse-overlayfs's): no write-back cache in the kernel, so every write is in the
//    upper dir at once — diff and commit read what the container wrote, as with overlayfs.
// What fuse-overlayfs writes into the upper dir (0/0 devices where it may mknod them, else
// `.wh.<name>` files; opaque directories as user.fuseoverlayfs.opaque plus `.wh..wh..opq`) is
// read by layers/whiteouts.ts upperNotation's readers; it reads the store's layers' own form
// (0/0 devices, user.overlay.opaque) as overlayfs does.
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import { MNT_DETACH, mount, parseStatStartTime, umount } from '../../../native/lib/index';
import { StrataError } from '@shared/errors';
import { type FsSteps, fsCall, runAsync, runSync } from '../store/fs-steps';
import { type ProcessOwner, endOwner, ownerAlive } from '../store/process-owner';

export const FUSE_OVERLAYFS = 'fuse-overlayfs';
export const FUSE_DEVICE = '/dev/fuse';

export interface FuseOverlayMount {
  /** fuse-overlayfs's path (overlay-driver.ts found it). */
  binary: string;
  /** Read-only layer directories, top first. */
  lowerdirs: readonly string[];
  upper: string;
  work: string;
  target: string;
}

type Daemon = Pick<ProcessOwner, 'pid' | 'pidStartTime'>;

/** The daemon's record and output, beside the mount point. */
function daemonFiles(target: string): { record: string; log: string } {
  return { record: `${target}.${FUSE_OVERLAYFS}.json`, log: `${target}.${FUSE_OVERLAYFS}.log` };
}

export function mountFuseOverlay(m: FuseOverlayMount): void {
  runSync(mountSteps(m));
}

/** mountFuseOverlay with its file calls off the event loop: for containers started through the API. */
export function mountFuseOverlayAsync(m: FuseOverlayMount): Promise<void> {
  return runAsync(mountSteps(m));
}

function* mountSteps(m: FuseOverlayMount): FsSteps<void> {
  const files = daemonFiles(m.target);
  const fuse = yield* fsCall('open', FUSE_DEVICE, 'r+');
  let mounted = false;
  let daemon: ChildProcess;
  try {
    try {
      mount(FUSE_OVERLAYFS, m.target, `fuse.${FUSE_OVERLAYFS}`, 0, kernelOptions(fuse));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EPERM') throw error;
      throw new StrataError('UNSUPPORTED', `${FUSE_OVERLAYFS}: the kernel refused a FUSE mount in the user namespace (EPERM; Linux 4.18 and later allow one)`, { cause: error });
    }
    mounted = true;
    const log = yield* fsCall('open', files.log, 'w', 0o600);
    try {
      daemon = spawn(m.binary, ['-f', '-o', daemonOptions(m), '/dev/fd/3'], { detached: true, stdio: ['ignore', log, log, fuse], cwd: '/' });
    } finally {
      yield* fsCall('close', log);
    }
    // Kept for the daemon's life: an 'error' without a listener would end the engine.
    daemon.on('error', () => undefined);
    if (daemon.pid === undefined) throw new StrataError('INTERNAL', `could not start ${m.binary}`);
  } catch (error) {
    if (mounted) umount(m.target, MNT_DETACH);
    throw error;
  } finally {
    // The daemon has its own copy: once it exits, the connection ends and nothing waits on it.
    yield* fsCall('close', fuse);
  }
  daemon.unref(); // the engine may exit while it runs
  const pid = daemon.pid;
  try {
    yield* fsCall('readdir', m.target);
  } catch (error) {
    umount(m.target, MNT_DETACH);
    if (daemon.exitCode === null && daemon.signalCode === null) daemon.kill('SIGKILL');
    const output = yield* outputSteps(files.log);
    throw new StrataError('INTERNAL', `${FUSE_OVERLAYFS} did not serve ${m.target} (${(error as NodeJS.ErrnoException).code}): ${output}`, { cause: error });
  }
  const pidStartTime = parseStatStartTime(yield* fsCall('readFile', `/proc/${pid}/stat`)).toString();
  const record: Daemon = { pid, pidStartTime };
  yield* fsCall('writeFile', files.record, JSON.stringify(record), { mode: 0o600 });
}

/**
 * The FUSE mount's own options, as libfuse gives them: the fd the daemon will serve, a
 * directory as its root (the daemon answers its mode), the mounter's ids, and who may use it.
 */
function kernelOptions(fuseFd: number): string {
  const rootMode = fs.constants.S_IFDIR.toString(8);
  return `fd=${fuseFd},rootmode=${rootMode},user_id=${process.getuid?.() ?? 0},group_id=${process.getgid?.() ?? 0},allow_other,default_permissions`;
}

function daemonOptions(m: FuseOverlayMount): string {
  return `lowerdir=${m.lowerdirs.join(':')},upperdir=${m.upper},workdir=${m.work},writeback=0`;
}

/** The last lines the daemon wrote (it says which directory it could not use, and why). */
function* outputSteps(log: string): FsSteps<string> {
  try {
    // libfuse warns of an option it does not know (lazytime) at every start: not the reason.
    const lines = (yield* fsCall('readText', log)).split('\n').filter((line) => line.trim() !== '' && !line.startsWith('unknown argument ignored'));
    return lines.slice(-3).join('; ') || '(no output)';
  } catch {
    return '(no output)';
  }
}

/**
 * Once `target` is unmounted: ends the daemon recorded for it (waiting, bounded) and removes
 * the record. Nothing recorded (the kernel's overlay, or none) is nothing to do.
 */
export async function endFuseOverlayAsync(target: string): Promise<void> {
  const files = daemonFiles(target);
  const daemon = await runAsync(recordSteps(files.record));
  if (daemon === undefined) return;
  await endOwner(daemon);
  await fs.promises.rm(files.record, { force: true });
}

/** endFuseOverlayAsync for the builder's synchronous path: SIGTERM, not waited for. */
export function endFuseOverlay(target: string): void {
  const files = daemonFiles(target);
  const daemon = runSync(recordSteps(files.record));
  if (daemon === undefined) return;
  if (ownerAlive(daemon)) {
    try {
      process.kill(daemon.pid, 'SIGTERM');
    } catch {
      // exited meanwhile
    }
  }
  fs.rmSync(files.record, { force: true });
}

function* recordSteps(file: string): FsSteps<Daemon | undefined> {
  try {
    return JSON.parse(yield* fsCall('readText', file)) as Daemon;
  } catch {
    return undefined;
  }
}
