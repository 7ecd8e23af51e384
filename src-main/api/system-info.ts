// `system.info`: the facts about this machine and engine that the UI shows or plans by.
import os from 'node:os';
import { detectCgroupLayout } from '../engine/cgroups/detect';
import type { Engine } from '../engine/index';
import { readUserName } from '../connections/access-denied';
import { engineCapabilities } from '../engine/rootless/engine-capabilities';
import { enginePrivilege, readIdMapAsync } from '../engine/rootless/privilege';
import type { StoreSupervisor } from '../engine/supervisor/store-supervisor';
import type { SystemInfo } from '@shared/api/types/system';

/** Mounts do not change under a running app: detect once. */
let cgroupVersion: Promise<SystemInfo['cgroupVersion']> | undefined;

/**
 * Who the engine acts as on the host: inside the rootless engine's namespace getuid() is 0,
 * so the user is the uid that 0 maps to (the uid map), named from the host's passwd. Read
 * once, without blocking: neither changes while the engine runs.
 */
let user: Promise<SystemInfo['capabilities']['hostUser']> | undefined;
function hostUser(): Promise<SystemInfo['capabilities']['hostUser']> {
  user ??= (async () => {
    const own = process.getuid?.() ?? 0;
    const map = enginePrivilege() === 'rootless' ? await readIdMapAsync() : [];
    const uid = map.find((mapping) => mapping.inside === 0)?.outside ?? own;
    return { uid, name: (await readUserName(uid)) ?? null };
  })();
  return user;
}

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
    capabilities: await engineCapabilities(await hostUser()),
    storeSupervisor: supervisor?.supervising ?? false,
    storeSupervisorPid: (await supervisor?.supervisorPid()) ?? null,
  };
}
