// Where the engine's cgroups are on this machine, found the way the engine finds them
// (detect.ts on /proc/self/mountinfo), never assumed: the same test reads the kernel's own
// files on a v1 (or hybrid) host and on a v2 one. Tests read the files directly, not through
// the engine's drivers, so a driver that wrote the wrong file would be caught.
import fs from 'node:fs';
import path from 'node:path';
import { type CgroupLayout, layoutFromMountinfo } from '../../src-main/engine/cgroups/detect';
import { DEFAULT_PARENT } from '../../src-main/engine/cgroups/paths';

let layout: CgroupLayout | undefined;

/** This machine's cgroup layout (read once). */
export function cgroupLayout(): CgroupLayout {
  layout ??= layoutFromMountinfo(fs.readFileSync('/proc/self/mountinfo', 'utf8'));
  return layout;
}

/** Every place `strata/<rel>` can be: one per v1 hierarchy (and the hybrid cgroup2 mount), or the one v2 tree. */
export function strataCgroupDirs(rel = ''): string[] {
  const current = cgroupLayout();
  const mounts = current.version === 'v2' ? [current.mountPoint] : [...current.hierarchies, ...(current.unified ? [current.unified] : [])];
  return mounts.map((mount) => path.join(mount, DEFAULT_PARENT, rel));
}

/** Those of them that exist: a cgroup left behind shows here. */
export function existingCgroupDirs(rel: string): string[] {
  return strataCgroupDirs(rel).filter((dir) => fs.existsSync(dir));
}

/** The directory of `strata/<rel>` that holds a controller's files (its v1 hierarchy, or the v2 tree). */
export function controllerDir(controller: string, rel: string): string {
  const current = cgroupLayout();
  if (current.version === 'v2') return path.join(current.mountPoint, DEFAULT_PARENT, rel);
  const mount = current.controllers[controller];
  if (!mount) throw new Error(`cgroup v1 controller ${controller} is not mounted here`);
  return path.join(mount, DEFAULT_PARENT, rel);
}

function read(controller: string, rel: string, file: string): string {
  return fs.readFileSync(path.join(controllerDir(controller, rel), file), 'utf8').trim();
}

/** The memory limit in bytes as the kernel has it (v1 memory.limit_in_bytes, v2 memory.max). */
export function memoryLimit(rel: string): string {
  return read('memory', rel, cgroupLayout().version === 'v2' ? 'memory.max' : 'memory.limit_in_bytes');
}

/** The CFS quota in µs per period, '-1' or 'max' for none (v1 cpu.cfs_quota_us, v2 cpu.max's first field). */
export function cpuQuota(rel: string): string {
  return cgroupLayout().version === 'v2' ? read('cpu', rel, 'cpu.max').split(' ')[0]! : read('cpu', rel, 'cpu.cfs_quota_us');
}

/** The CFS period in µs (v1 cpu.cfs_period_us, v2 cpu.max's second field). */
export function cpuPeriod(rel: string): string {
  return cgroupLayout().version === 'v2' ? read('cpu', rel, 'cpu.max').split(' ')[1]! : read('cpu', rel, 'cpu.cfs_period_us');
}

/** How many CFS periods the kernel throttled the cgroup in (cpu.stat's nr_throttled, both versions). */
export function throttledPeriods(rel: string): number {
  const line = read('cpu', rel, 'cpu.stat').split('\n').find((l) => l.startsWith('nr_throttled '));
  return Number(line?.split(' ')[1] ?? NaN);
}

export function pidsMax(rel: string): string {
  return read('pids', rel, 'pids.max');
}

/** v1 freezer.state; on v2 cgroup.events' `frozen` (what the kernel reached) in the same words. */
export function freezerState(rel: string): string {
  if (cgroupLayout().version === 'v1') return read('freezer', rel, 'freezer.state');
  const frozen = read('freezer', rel, 'cgroup.events').split('\n').includes('frozen 1');
  return frozen ? 'FROZEN' : 'THAWED';
}
