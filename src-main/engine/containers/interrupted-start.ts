// A start that was interrupted — the engine killed between mounting the container's root
// and recording it running — leaves parts of a container on the host while the record
// still says created (or exited): the root's overlay mount, the network namespace's bind
// mount, the veth, port rules and an address, the runtime's container with its cgroups,
// init and shim. Nothing reads them back, and they break the next start (the namespace file
// is an nsfs mount: it cannot be opened for writing, EPERM). So a start clears them first,
// and `ps` says they are there rather than showing a plain "Created".
//
// The root is mounted first and unmounted last, so whatever else a start leaves comes with
// that mount: the mounts, the veth and the runtime's state directory are enough to look at.
import fs from 'node:fs';
import path from 'node:path';
import { hostVethName } from '../network/veth-name';
import type { Store } from '../store/store';
import { type ContainerRecord, isLive } from './container';
import { containerDir } from './container-store';
import { mountPointsAsync } from './mount-points';
import { runtimeRoot } from './runtime-root';
import { releaseRuntime } from './settle';
import { pathExists } from '../store/exists';

/** How long an earlier start's shim may take to finish creating, or to exit once killed. */
const SHIM_WAIT_MS = 5000;

/**
 * What a start of this container left on the host, in words ('rootfs mount', 'veth' …);
 * empty when nothing, or when the record says it runs (then they are its own). Pass
 * `mounts` (mountPointsAsync()) when asking for many.
 */
export async function startLeftovers(store: Store, record: ContainerRecord, mounts?: readonly string[]): Promise<string[]> {
  if (isLive(record.state.status)) return [];
  const dir = `${containerDir(store, record.id)}/`;
  const left = (mounts ?? (await mountPointsAsync())).filter((point) => point.startsWith(dir)).map((point) => `${path.basename(point)} mount`);
  const [veth, runtime] = await Promise.all([pathExists(`/sys/class/net/${hostVethName(record.id)}`), pathExists(path.join(runtimeRoot(store), record.id))]);
  if (veth) left.push('veth');
  if (runtime) left.push('runtime container');
  return left;
}

/**
 * Undoes what an interrupted start left (nothing to do is the common case: a mountinfo
 * read and two stats). The caller holds the store lock.
 */
export async function clearInterruptedStart(store: Store, record: ContainerRecord): Promise<void> {
  if ((await startLeftovers(store, record)).length === 0) return;
  const shims = await shimsOf(store, record.id);
  const allGone = async () => (await Promise.all(shims.map(gone))).every(Boolean);
  // A shim may still be creating the container (its caller was killed, not it): let it
  // finish, so that `delete` finds a whole container to delete.
  const stateFile = path.join(runtimeRoot(store), record.id, 'state.json');
  await until(async () => (await pathExists(stateFile)) || !(await pathExists(path.dirname(stateFile))) || (await allGone()));
  await releaseRuntime(store, record);
  // Its init is dead now, and its shim records that in exit.json on the way out: wait, or
  // the record could land after the new start and read as the new container's exit.
  await until(allGone);
}

/** `strata-runtime --root <this store's> shim … <id>` processes: the shims of this container. */
async function shimsOf(store: Store, id: string): Promise<number[]> {
  const root = runtimeRoot(store);
  const pids = (await fs.promises.readdir('/proc')).filter((name) => /^\d+$/.test(name));
  const found = await Promise.all(
    pids.map(async (name) => {
      let argv: string[];
      try {
        argv = (await fs.promises.readFile(`/proc/${name}/cmdline`, 'utf8')).split('\0').filter(Boolean);
      } catch {
        return []; // exited meanwhile
      }
      const isShim = argv.includes('shim') && argv.at(-1) === id && argv[argv.indexOf('--root') + 1] === root;
      return isShim && !(await gone(Number(name))) ? [Number(name)] : [];
    }),
  );
  return found.flat();
}

/** Exited: no such process, or a zombie waiting for a parent that is not ours. */
async function gone(pid: number): Promise<boolean> {
  try {
    const stat = await fs.promises.readFile(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
  } catch {
    return true;
  }
}

/** Polls `condition` every 10 ms up to SHIM_WAIT_MS; a shim that hangs is not waited on for ever. */
async function until(condition: () => Promise<boolean>): Promise<void> {
  for (let waited = 0; !(await condition()) && waited < SHIM_WAIT_MS; waited += 10) await new Promise((resolve) => setTimeout(resolve, 10));
}
