// start: mount the container's root, write its config.json (the bundle is the container's
// directory), hand it to a shim — which outlives this process — and let the program run.
import fs from 'node:fs';
import { StrataError } from '@shared/errors';
import { readImageConfigAsync } from '../images/image-store';
import { defaultHostname, defaultNetworkMode, networkConfig, setUpNetwork } from '../network/index';
import { statHostDevices } from '../runtime/device-policy';
import { buildSpec, loadHostFacts } from '../runtime/spec-builder';
import { writeJsonAtomicAsync } from '../store/atomic';
import { startTimeOf } from '../store/process-owner';
import type { Store } from '../store/store';
import { type ContainerRecord, hasStdinPipe } from './container';
import { containerDir, containerFile, writeRecord } from './container-store';
import { anonymousVolumes } from './anonymous-volumes';
import { clearInterruptedStart } from './interrupted-start';
import { imageUserFiles, mountOverlayAsync } from './rootfs';
import { runtimeVerb } from './runtime-root';
import { withContainer } from './container-lock';
import { releaseRuntime } from './settle';
import { cgroupsPathOption, engineCgroupAccess } from '../rootless/cgroup-access';
import { checkTransition } from './transition';

export async function startContainer(store: Store, ref: string): Promise<ContainerRecord> {
  return withContainer(store, ref, (record) => startLocked(store, record));
}

export interface StartHooks {
  /**
   * Called once the shim holds the created container and before its program runs: a
   * terminal's client attaches here (open-terminal.ts), so it misses no output and no exit.
   */
  beforeRun?: () => Promise<void>;
}

/**
 * Starts a settled record (the caller holds the container's lock). A user's start resets the
 * restart policy's count; the policy's own restarts pass theirs on.
 */
export async function startLocked(store: Store, record: ContainerRecord, restart: { count: number; backoffMs: number } = { count: 0, backoffMs: 0 }, hooks: StartHooks = {}): Promise<ContainerRecord> {
  if (checkTransition('start', record) === 'noop') return record; // docker: starting a running container is a no-op
  await clearInterruptedStart(store, record);
  const file = (name: Parameters<typeof containerFile>[2]) => containerFile(store, record.id, name);
  const rootfs = file('rootfs');
  // What the spec takes from the image and the host is only read, so it is read while the
  // root is mounted; awaited inside the try, where a failure unmounts the root again.
  const reads = Promise.all([
    readImageConfigAsync(store, record.image.manifestDigest),
    statHostDevices((record.options.devices ?? []).map((device) => device.hostPath)),
    imageUserFiles(store, record.layers),
    loadHostFacts(),
  ]);
  reads.catch(() => undefined); // not an unhandled rejection while the mount is under way
  await mountOverlayAsync(store, record.layers, { init: file('init'), upper: file('upper'), work: file('work'), target: rootfs });
  try {
    const [imageConfig, devices, readImageFile] = await reads;
    const image = imageConfig.config ?? {};
    const mode = record.options.network ?? defaultNetworkMode();
    const hostname = record.options.hostname ?? defaultHostname(mode, record.id);
    const network = await setUpNetwork(networkConfig(), { mode, owner: record.id, bundleDir: containerDir(store, record.id), hostname, ports: record.options.publish });
    const userVolumes = record.options.volumes ?? [];
    const volumes = await anonymousVolumes(store, record, rootfs);
    const spec = buildSpec({
      id: record.id,
      image,
      options: {
        ...record.options,
        hostname,
        volumes: [
          ...userVolumes,
          ...volumes,
          // The user's own -v /x:/etc/hosts wins over the generated file.
          ...network.mounts.filter((mount) => !userVolumes.some((volume) => volume.destination === mount.destination)),
        ],
      },
      rootfs,
      ...cgroupsPathOption(await engineCgroupAccess(), record.id),
      readImageFile,
      networkNamespace: network.namespace ? { path: network.namespace.path } : 'host',
      hostDevice: (hostPath) => devices.get(hostPath)!,
    });
    await writeJsonAtomicAsync(store.paths.tmp, file('config'), spec);
    await fs.promises.rm(file('exit'), { force: true });
    // Nothing to do between create and start: the shim starts the program itself (--start), one process fewer.
    const startNow = hooks.beforeRun === undefined;
    const shim = await runtimeVerb(
      store,
      // -i without -t: the shim keeps a pipe to its stdin, served on the attach socket (else /dev/null)
      ['shim', '--bundle', containerDir(store, record.id), '--log', file('log'), '--exit-file', file('exit'), ...(hasStdinPipe(record) ? ['--stdin'] : []), ...(startNow ? ['--start'] : []), record.id],
      `start ${record.name}`,
    );
    const started = JSON.parse(shim.stdout) as { shimPid: number; pid: number; pidStartTime?: string; shimStartTime?: string };
    if (!startNow) {
      await hooks.beforeRun!();
      await runtimeVerb(store, ['start', record.id], `start ${record.name}`);
    }
    // The shim reports both start times (read here when it could not).
    const [pidStartTime, shimStartTime] = await Promise.all([started.pidStartTime ?? startTimeOf(started.pid), started.shimStartTime ?? startTimeOf(started.shimPid)]);
    const running: ContainerRecord = {
      ...record,
      state: {
        status: 'running',
        pid: started.pid,
        shimPid: started.shimPid,
        pidStartTime,
        shimStartTime,
        startedAt: new Date().toISOString(),
        restartCount: restart.count,
        backoffMs: restart.backoffMs,
        ...(network.attachment ? { network: { address: network.attachment.address, gateway: network.attachment.gateway, prefix: network.attachment.prefix, ports: network.attachment.ports } } : {}),
      },
    };
    await writeRecord(store, running);
    return running;
  } catch (error) {
    await releaseRuntime(store, record).catch(() => undefined);
    if (error instanceof StrataError) throw error;
    throw new StrataError('INTERNAL', `start ${record.name}: ${(error as Error).message}`, { cause: error });
  }
}
