// Which device nodes a container may open: Docker's default device policy, written into
// every config.json (linux.resources.devices), the host devices `--device` adds, and
// `--privileged`, which lifts the policy. Containers keep CAP_MKNOD as Docker's do, so
// without these rules a container could make a node for the host's disk and read it; the
// cgroup (v1 devices.allow/deny, v2 an eBPF program strata-runtime attaches) is what
// stops it. strata-runtime appends the same defaults itself (device_rules.c), so configs
// from other tools get them too; the engine writes them out so config.json says it all.
import fs from 'node:fs';
import { StrataError } from '@shared/errors';
import type { DeviceSpec } from '../containers/options';
import type { OciConfig } from './oci-config';

export type OciDeviceRule = NonNullable<NonNullable<OciConfig['linux']['resources']>['devices']>[number];
export type OciDevice = NonNullable<OciConfig['linux']['devices']>[number];

/**
 * Docker's default: deny everything, allow making any node (what it opens is still
 * decided here) and using the few devices every container has.
 */
export const DEFAULT_DEVICE_RULES: readonly OciDeviceRule[] = [
  { allow: false, access: 'rwm' },
  { allow: true, type: 'c', access: 'm' }, // mknod of any character device
  { allow: true, type: 'b', access: 'm' }, // mknod of any block device
  { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' }, // /dev/null
  { allow: true, type: 'c', major: 1, minor: 5, access: 'rwm' }, // /dev/zero
  { allow: true, type: 'c', major: 1, minor: 7, access: 'rwm' }, // /dev/full
  { allow: true, type: 'c', major: 1, minor: 8, access: 'rwm' }, // /dev/random
  { allow: true, type: 'c', major: 1, minor: 9, access: 'rwm' }, // /dev/urandom
  { allow: true, type: 'c', major: 5, minor: 0, access: 'rwm' }, // /dev/tty
  { allow: true, type: 'c', major: 5, minor: 1, access: 'rwm' }, // /dev/console
  { allow: true, type: 'c', major: 5, minor: 2, access: 'rwm' }, // /dev/ptmx
  { allow: true, type: 'c', major: 136, access: 'rwm' }, // /dev/pts/*
  { allow: true, type: 'c', major: 10, minor: 200, access: 'rwm' }, // /dev/net/tun
];

/** `--privileged`: every device, every access. */
export const PRIVILEGED_DEVICE_RULES: readonly OciDeviceRule[] = [{ allow: true, access: 'rwm' }];

/** A host device node as the kernel numbers it. */
export interface HostDevice {
  type: 'c' | 'b';
  major: number;
  minor: number;
  /** Permission bits of the host's node, which the container's copy keeps. */
  mode: number;
  uid: number;
  gid: number;
}

/** Looks a host device up: NOT_FOUND when the path is missing, INVALID_ARGUMENT when it is no device node. */
export function statHostDevice(hostPath: string): HostDevice {
  let st: fs.BigIntStats;
  try {
    st = fs.statSync(hostPath, { bigint: true });
  } catch (error) {
    throw statFailure(hostPath, error);
  }
  return hostDeviceOf(hostPath, st);
}

/** statHostDevice off the event loop, for each path: a map to give buildSpec as its `hostDevice`. */
export async function statHostDevices(hostPaths: readonly string[]): Promise<Map<string, HostDevice>> {
  const found = new Map<string, HostDevice>();
  for (const hostPath of hostPaths) {
    let st: fs.BigIntStats;
    try {
      st = await fs.promises.stat(hostPath, { bigint: true });
    } catch (error) {
      throw statFailure(hostPath, error);
    }
    found.set(hostPath, hostDeviceOf(hostPath, st));
  }
  return found;
}

function statFailure(hostPath: string, error: unknown): StrataError {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return new StrataError('NOT_FOUND', `--device ${hostPath}: no such file on the host`);
  return new StrataError('INVALID_ARGUMENT', `--device ${hostPath}: ${(error as Error).message}`, { cause: error });
}

function hostDeviceOf(hostPath: string, st: fs.BigIntStats): HostDevice {
  if (!st.isCharacterDevice() && !st.isBlockDevice()) {
    throw new StrataError('INVALID_ARGUMENT', `--device ${hostPath}: not a device node (give a character or block device such as /dev/fuse)`);
  }
  // glibc's dev_t layout: major in bits 8–19 and 32–43, minor in bits 0–7 and 12–31 and 44–63
  const dev = st.rdev;
  const major = Number(((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn & 0xfffff000n));
  const minor = Number((dev & 0xffn) | ((dev >> 12n) & 0xffffff00n));
  return { type: st.isBlockDevice() ? 'b' : 'c', major, minor, mode: Number(st.mode & 0o7777n), uid: Number(st.uid), gid: Number(st.gid) };
}

/** linux.devices and linux.resources.devices for a container's options. */
export function devicePolicy(
  options: { privileged?: boolean; devices?: DeviceSpec[] },
  lookup: (hostPath: string) => HostDevice = statHostDevice,
): { devices: OciDevice[]; rules: OciDeviceRule[] } {
  const devices: OciDevice[] = [];
  const rules: OciDeviceRule[] = [...(options.privileged === true ? PRIVILEGED_DEVICE_RULES : DEFAULT_DEVICE_RULES)];
  for (const spec of options.devices ?? []) {
    const host = lookup(spec.hostPath);
    devices.push({ path: spec.containerPath, type: host.type, major: host.major, minor: host.minor, fileMode: host.mode, uid: host.uid, gid: host.gid });
    rules.push({ allow: true, type: host.type, major: host.major, minor: host.minor, access: spec.permissions });
  }
  return { devices, rules };
}
