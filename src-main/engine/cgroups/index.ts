// The engine's entry to cgroups: detect the layout once at start-up, get a manager.
//
//   const cgroups = await openCgroupManager();            // the real machine
//   const cgroups = managerForLayout({ version: 'v2', mountPoint: fixtureDir });  // tests
import { type CgroupLayout, detectCgroupLayout } from './detect';
import type { CgroupManager, CgroupManagerOptions } from './manager';
import { CgroupV1Manager } from './v1/manager';
import { CgroupV2Manager } from './v2/manager';

export type { CgroupLayout, CgroupLayoutV1, CgroupLayoutV2, MountinfoEntry } from './detect';
export { detectCgroupLayout, layoutFromMountinfo, layoutFromMounts, parseMountinfo } from './detect';
export type { CgroupManager, CgroupManagerOptions, CgroupStats, CgroupVersion, FreezerState } from './manager';
export { EMPTY_STATS } from './manager';
export { DEFAULT_PARENT } from './paths';
export { CgroupV1Manager } from './v1/manager';
export { CgroupV2Manager } from './v2/manager';

/** A driver for a known layout (v2: the mount point, or any root such as a fixture tree). */
export function managerForLayout(layout: CgroupLayout, options: CgroupManagerOptions = {}): CgroupManager {
  return layout.version === 'v2' ? new CgroupV2Manager(layout.mountPoint, options) : new CgroupV1Manager(layout, options);
}

export interface OpenCgroupOptions extends CgroupManagerOptions {
  /** Skip detection (tests, or an engine that already knows). */
  layout?: CgroupLayout;
  /** Where to read the mounts from; /proc/self/mountinfo by default. */
  mountinfoPath?: string;
}

/** Detects v1 or v2 from mountinfo and returns the matching driver. UNSUPPORTED if neither is mounted. */
export async function openCgroupManager(options: OpenCgroupOptions = {}): Promise<CgroupManager> {
  const layout = options.layout ?? (await detectCgroupLayout(options.mountinfoPath));
  return managerForLayout(layout, options);
}
