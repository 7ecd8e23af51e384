// create: a record and an empty read-write layer for an image. Nothing runs yet, but
// everything start would refuse about the options is refused here, before anything is written.
import fs from 'node:fs';
import path from 'node:path';
import { StrataError } from '@shared/errors';
import { type ImageInfo, findImageAsync } from '../images/image-store';
import { buildSpec, loadHostFacts } from '../runtime/spec-builder';
import type { Store } from '../store/store';
import { writeJsonAtomicAsync, tmpPath } from '../store/atomic';
import { parallelMap } from '../store/parallel-map';
import { CONTAINER_FILES, type ContainerRecord } from './container';
import { containerDir, listRecords, newContainerId } from './container-store';
import { imageVolumesFor } from './anonymous-volumes';
import { mountPointsOf, writeInitLayerAsync } from './init-layer';
import { type HostDevice, statHostDevices } from '../runtime/device-policy';
import { imageUserFiles } from './rootfs';
import { checkLimitsAllowed, engineCgroupAccess } from '../rootless/cgroup-access';
import { checkNetworkMode, defaultNetworkMode } from '../network/index';
import { type ContainerOptions, validateContainerName, validateDevice, validateNetwork, validateResources, validateVolume } from './options';

const ADJECTIVES = ['brave', 'calm', 'eager', 'fond', 'keen', 'lucid', 'merry', 'nimble', 'quiet', 'swift', 'tidy', 'witty'];
const NOUNS = ['otter', 'heron', 'lynx', 'gecko', 'finch', 'ibex', 'koala', 'marten', 'panda', 'raven', 'shrew', 'yak'];

export async function createContainer(store: Store, imageRef: string, options: ContainerOptions = {}): Promise<ContainerRecord> {
  const name = options.name === undefined ? undefined : validateContainerName(options.name);
  validateResources(options);
  checkLimitsAllowed(await engineCgroupAccess(), options);
  validateNetwork(options);
  const network = options.network ?? defaultNetworkMode();
  checkNetworkMode(network);
  const fileSources = new Set<string>();
  for (const volume of options.volumes ?? []) {
    validateVolume(volume);
    const stat = await fs.promises.stat(volume.source).catch(() => undefined);
    if (!stat) throw new StrataError('INVALID_ARGUMENT', `volume source ${volume.source} does not exist`);
    if (!stat.isDirectory()) fileSources.add(volume.source);
  }
  // A missing or non-device --device path fails here, before anything is written (start looks it up again).
  const devices = await statHostDevices((options.devices ?? []).map((device) => validateDevice(device).hostPath));
  await loadHostFacts();
  return store.write(async () => {
    const [image, records] = await Promise.all([findImageAsync(store, imageRef), listRecords(store)]);
    checkStartable(image, options, devices, await imageUserFiles(store, image.layers.map((layer) => layer.chainId)));
    const taken = new Set(records.map((record) => record.name));
    if (name !== undefined && taken.has(name)) throw new StrataError('CONFLICT', `the container name "${name}" is already in use`);
    const id = newContainerId();
    const record: ContainerRecord = {
      id,
      name: name ?? generatedName(taken, id),
      created: new Date().toISOString(),
      image: { ref: imageRef, id: image.id, manifestDigest: image.manifestDigest },
      layers: image.layers.map((layer) => layer.chainId),
      // The rootless engine's default is recorded, so inspect and the window name it, and a
      // later start uses it whatever is installed then; the root engine's, the bridge, stays
      // implicit (as it always was).
      options: { ...options, name: undefined, ...(network !== 'bridge' ? { network } : {}) },
      imageVolumes: imageVolumesFor(image.config.Volumes, options),
      exposedPorts: Object.keys(image.config.ExposedPorts ?? {}).sort(),
      ...((options.stopSignal ?? image.config.StopSignal) ? { stopSignal: options.stopSignal ?? image.config.StopSignal } : {}),
      state: { status: 'created' },
    };
    // Made in tmp/ and renamed into place whole: a create killed midway leaves only
    // garbage in tmp/ (the next writer clears it), never a directory without a record.
    const staged = tmpPath(store.paths.tmp, 'container');
    const file = (name: keyof typeof CONTAINER_FILES) => path.join(staged, CONTAINER_FILES[name]);
    await fs.promises.mkdir(staged, { mode: 0o711 });
    try {
      // Side by side; all are waited for before a failure cleans up.
      const parts = [
        ...(['upper', 'work', 'rootfs'] as const).map((sub) => () => fs.promises.mkdir(file(sub), { mode: 0o755 })),
        () => writeInitLayerAsync(store, record.layers, mountPointsOf(options, record.imageVolumes ?? [], fileSources), file('init')),
      ];
      await parallelMap(parts, parts.length, (make) => make());
      await writeJsonAtomicAsync(store.paths.tmp, file('record'), record);
      await fs.promises.rename(staged, containerDir(store, id));
    } catch (error) {
      await fs.promises.rm(staged, { recursive: true, force: true });
      throw error;
    }
    return record;
  });
}

/**
 * Builds, and throws away, the config.json start would write: the same checks, so a
 * command that is empty, a relative working directory or a user the image does not have
 * fails now with its code rather than at start, after the record, mount and cgroup exist.
 * Start reads users from the image's layers too, so the answer cannot change in between.
 * What only start can know (the network, the runtime's own refusals) start rolls back.
 */
function checkStartable(image: ImageInfo, options: ContainerOptions, devices: ReadonlyMap<string, HostDevice>, readImageFile: (absPath: string) => Buffer | undefined): void {
  buildSpec({
    id: '0'.repeat(64),
    image: image.config,
    options,
    rootfs: '/',
    cgroupsPath: '/strata/check',
    readImageFile,
    networkNamespace: 'host',
    hostDevice: (hostPath) => devices.get(hostPath)!,
  });
}

function generatedName(taken: Set<string>, id: string): string {
  const seed = parseInt(id.slice(0, 8), 16);
  for (let i = 0; ; i++) {
    const name = `${ADJECTIVES[(seed + i) % ADJECTIVES.length]}_${NOUNS[Math.floor((seed + i) / ADJECTIVES.length) % NOUNS.length]}${i >= ADJECTIVES.length * NOUNS.length ? `_${i}` : ''}`;
    if (!taken.has(name)) return name;
  }
}
