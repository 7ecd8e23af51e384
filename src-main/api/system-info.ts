// `system.info`: the facts about this machine and engine that the UI shows or plans by.
import os from 'node:os';
import { detectCgroupLayout } from '../engine/cgroups/detect';
import type { Engine } from '../engine/index';
import { enginePrivilege } from '../engine/rootless/privilege';
import type { StoreSupervisor } from '../engine/supervisor/store-supervisor';
import type { SystemInfo } from '@shared/api/types/system';

/** Mounts do not change under a running app: detect once. */
let cgroupVersion: Promise<SystemInfo['cgroupVersion']> | undefined;

export async function systemInfo(engine: Engine, version: string, supervisor?: StoreSupervisor): Promise<SystemInfo> {
  cgroupVersion ??= detectCgroupLayout().then(
    (layout) => layout.version,
    () => null,
  );
  const uid = process.getuid?.() ?? -1;
  return {
    version,
    platform: process.platform,
    arch: process.arch,
    kernel: os.release(),
    storeRoot: engine.root,
    cgroupVersion: await cgroupVersion,
    rootless: enginePrivilege() === 'unprivileged',
    privilege: enginePrivilege(),
    uid,
    cpus: os.availableParallelism(),
    memoryBytes: os.totalmem(),
    storeSupervisor: supervisor?.supervising ?? false,
    storeSupervisorPid: (await supervisor?.supervisorPid()) ?? null,
  };
}
