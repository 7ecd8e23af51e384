// The OCI runtime config.json of a container: the image's run config and the user's
// options, merged as Docker and Podman merge them, secure by default. Pure: the caller
// has mounted the rootfs and chosen the cgroup; this file only decides what goes in.
//
// Not here on purpose: the network (the caller sets it up and says which namespace to
// join, see network/container-network.ts) and the image's Volumes (the caller passes them
// as volumes); the default device nodes, which strata-runtime creates itself. The device
// rules are written out (device-policy.ts): every container, build steps included, gets
// Docker's default policy unless --privileged lifts it; so is the seccomp filter
// (seccomp-profile.ts): Docker's default profile unless the options or --privileged say otherwise.
import fs from 'node:fs';
import path from 'node:path';
import { StrataError } from '@shared/errors';
import { layoutFromMountinfo } from '../cgroups/detect';
import { type ContainerOptions, validateResources, validateVolume } from '../containers/options';
import { DEFAULT_PATH } from '../images/changes';
import type { RunConfig } from '../images/oci';
import { type HostDevice, devicePolicy, statHostDevice } from './device-policy';
import { resolveUser } from './image-user';
import { containerCapabilities } from './capabilities';
import { seccompFor } from './seccomp-profile';
import { enginePrivilege } from '../rootless/privilege';
import {
  ALL_CAPABILITIES,
  DEFAULT_MASKED_PATHS,
  DEFAULT_READONLY_PATHS,
  type OciCapability,
  type OciConfig,
  type OciMount,
  defaultMounts,
  readonlyRootfsMounts,
} from './oci-config';

export interface SpecInput {
  /** The 64-hex container id. */
  id: string;
  /** The image's config.config (may be {}). */
  image: RunConfig;
  options: ContainerOptions;
  /** Absolute path where the engine mounted the overlay. */
  rootfs: string;
  /** e.g. `/strata/<id>`; absent when the container gets no cgroup (rootless on cgroup v1, rootless/cgroup-access.ts). */
  cgroupsPath?: string;
  /** A file of the image as the container will see it, or undefined when absent. */
  readImageFile: (absPath: string) => Buffer | undefined;
  /**
   * Whether the host's cgroups can limit swap (v1 memsw, v2 memory.swap.max). When true
   * and --memory is given without --memory-swap, swap is limited to the memory limit
   * again (memory+swap = 2 × memory), Docker's default. Off unless the caller knows.
   */
  swapLimit?: boolean;
  /** RLIMIT_NOFILE soft and hard; defaults to openFilesLimit(). */
  maxOpenFiles?: number;
  /** The network namespace: a new one (the default: loopback only), one made before (path), or the host's. */
  networkNamespace?: { path?: string } | 'host';
  /** How a --device host path is looked up; defaults to stat(2) of the host's node. */
  hostDevice?: (hostPath: string) => HostDevice;
  /**
   * A cgroup namespace of its own and its cgroup at /sys/fs/cgroup (read-only unless
   * --privileged): Docker's default (`--cgroupns private`) on a cgroup v2 host, where the
   * container then sees `0::/` and its own limits, not the host's tree. Defaults to whether
   * this host is v2 (hostCgroupV2()); v1 hosts keep the host's namespace, as Docker does.
   */
  cgroupNamespace?: boolean;
}

export const OCI_VERSION = '1.2.0';
/** Docker daemon's default open-files limit for containers. */
export const DEFAULT_NOFILE = 1048576;
const CAP_SYS_RESOURCE = 24n;
export const CPU_PERIOD = 100000;
/** A terminal's size until a client says otherwise (the attach socket's resize), as docker's. */
export const DEFAULT_CONSOLE_SIZE = { height: 24, width: 80 } as const;
export const ANNOTATION_ID = 'io.strata.container.id';
export const ANNOTATION_LABEL_PREFIX = 'io.strata.label.';

function invalid(message: string): StrataError {
  return new StrataError('INVALID_ARGUMENT', message);
}

export function buildSpec(input: SpecInput): OciConfig {
  const { id, image, options } = input;
  if (!/^[0-9a-f]{64}$/.test(id)) throw invalid(`container id ${JSON.stringify(id)}: expected 64 hex digits`);
  if (!input.rootfs.startsWith('/')) throw invalid(`rootfs ${JSON.stringify(input.rootfs)}: must be an absolute path`);
  validateResources(options);

  const args = commandLine(image, options);
  const cwd = options.workdir ?? (image.WorkingDir || '/');
  if (!cwd.startsWith('/')) throw invalid(`working directory ${JSON.stringify(cwd)}: must be an absolute path`);
  const hostname = options.hostname ?? id.slice(0, 12);
  const user = resolveUser(options.user ?? image.User, input.readImageFile);
  const nofile = input.maxOpenFiles ?? openFilesLimit();
  const privileged = options.privileged === true;
  const capabilities = containerCapabilities(options, () => privilegedCapabilities());
  const devices = devicePolicy(options, input.hostDevice ?? statHostDevice);
  const cgroupNamespace = input.cgroupNamespace ?? hostCgroupV2();
  // Docker's default profile unless the options say otherwise, for the capabilities given
  const seccomp = seccompFor(options, capabilities);

  return {
    ociVersion: OCI_VERSION,
    process: {
      // -t: the shim keeps the pty's master, logs it and serves it on the attach socket
      terminal: options.tty === true,
      ...(options.tty === true ? { consoleSize: { ...DEFAULT_CONSOLE_SIZE } } : {}),
      args,
      env: environment(image, options, hostname, user.home),
      cwd,
      user: { uid: user.uid, gid: user.gid, ...(user.additionalGids.length ? { additionalGids: user.additionalGids } : {}) },
      capabilities: {
        bounding: [...capabilities],
        effective: [...capabilities],
        permitted: [...capabilities],
        inheritable: [],
        ambient: [],
      },
      rlimits: [{ type: 'RLIMIT_NOFILE', soft: nofile, hard: nofile }],
      // Security by default (Docker's default is off): no setuid binary or file capability
      // can raise privileges beyond what the container started with, unless the user
      // turns it off (`--security-opt no-new-privileges=false`).
      noNewPrivileges: options.noNewPrivileges ?? true,
      oomScoreAdj: 0,
    },
    root: { path: input.rootfs, readonly: options.readonlyRootfs === true },
    hostname,
    mounts: mounts(options, cgroupNamespace),
    annotations: annotations(id, image, options),
    linux: {
      namespaces: [
        { type: 'pid' },
        { type: 'mount' },
        { type: 'uts' },
        { type: 'ipc' },
        ...networkNamespace(input.networkNamespace ?? {}),
        ...(cgroupNamespace ? [{ type: 'cgroup' as const }] : []),
      ],
      ...(devices.devices.length ? { devices: devices.devices } : {}),
      // Docker's --privileged unmasks /proc as well: the container is the host's root anyway.
      maskedPaths: privileged ? [] : [...DEFAULT_MASKED_PATHS],
      readonlyPaths: privileged ? [] : [...DEFAULT_READONLY_PATHS],
      ...(input.cgroupsPath === undefined ? {} : { cgroupsPath: input.cgroupsPath }),
      resources: { ...resources(options, input.swapLimit ?? false), devices: devices.rules },
      ...(seccomp ? { seccomp } : {}),
    },
  };
}

function networkNamespace(choice: { path?: string } | 'host'): { type: 'network'; path?: string }[] {
  if (choice === 'host') return [];
  return [choice.path === undefined ? { type: 'network' } : { type: 'network', path: choice.path }];
}

/**
 * Docker's rule: `--entrypoint` replaces the image's Entrypoint and drops its Cmd; a
 * command replaces only the Cmd, after whichever Entrypoint applies.
 */
function commandLine(image: RunConfig, options: ContainerOptions): string[] {
  const entrypoint = options.entrypoint ?? image.Entrypoint ?? [];
  const command = options.command ?? (options.entrypoint !== undefined ? [] : (image.Cmd ?? []));
  const args = [...entrypoint, ...command];
  if (args.length === 0) throw invalid('no command: the image has no Cmd or Entrypoint; give one');
  if (args[0] === '') throw invalid('the command is an empty string: give a program to run');
  return args;
}

/** PATH and HOSTNAME first, then the image's Env, then the user's, each key once; HOME last if unset. */
function environment(image: RunConfig, options: ContainerOptions, hostname: string, home: string): string[] {
  const env = new Map<string, string>([
    ['PATH', DEFAULT_PATH.slice('PATH='.length)],
    ['HOSTNAME', hostname],
  ]);
  for (const entry of [...(image.Env ?? []), ...(options.env ?? [])]) {
    const equals = entry.indexOf('=');
    if (equals <= 0) continue; // a malformed image entry: no key to set
    env.set(entry.slice(0, equals), entry.slice(equals + 1));
  }
  if (!env.has('HOME')) env.set('HOME', home);
  return [...env].map(([key, value]) => `${key}=${value}`);
}

/**
 * The runtime's default mounts (and --read-only's tmpfs), then each volume as a recursive
 * private bind, parents before children. A volume on a default mount's destination
 * replaces it (as Docker lets `-v` replace /dev/shm); validateVolume keeps them off /,
 * /dev and /proc.
 */
function mounts(options: ContainerOptions, cgroupNamespace: boolean): OciMount[] {
  const seen = new Set<string>();
  const volumes = (options.volumes ?? []).map((given) => {
    const volume = validateVolume(given);
    if (seen.has(volume.destination)) throw invalid(`duplicate mount point: ${volume.destination}`);
    seen.add(volume.destination);
    return {
      destination: volume.destination,
      type: 'bind',
      source: volume.source,
      options: ['rbind', 'rprivate', volume.readonly ? 'ro' : 'rw'],
    } satisfies OciMount;
  });
  const depth = (m: OciMount) => m.destination.split('/').length;
  volumes.sort((a, b) => depth(a) - depth(b)); // stable: equal depths keep the user's order
  // --privileged: /sys writable too, as Docker mounts it
  // the container's cgroup2 view (the runtime mounts cgroup2 inside its cgroup namespace)
  const cgroup: OciMount[] = cgroupNamespace ? [{ destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'relatime', 'ro'] }] : [];
  const writable = (m: OciMount) => options.privileged === true && (m.type === 'sysfs' || m.type === 'cgroup');
  const defaults = [
    ...[...defaultMounts(), ...cgroup].map((m) => (writable(m) ? { ...m, options: m.options?.filter((o) => o !== 'ro') } : m)),
    ...(options.readonlyRootfs === true ? readonlyRootfsMounts() : []),
  ];
  return [...defaults.filter((m) => !seen.has(m.destination)), ...volumes];
}

function annotations(id: string, image: RunConfig, options: ContainerOptions): Record<string, string> {
  const out: Record<string, string> = { [ANNOTATION_ID]: id };
  // Containers inherit the image's labels; the user's win, as with Docker.
  for (const [key, value] of Object.entries({ ...(image.Labels ?? {}), ...(options.labels ?? {}) })) {
    out[`${ANNOTATION_LABEL_PREFIX}${key}`] = value;
  }
  return out;
}

type Resources = NonNullable<OciConfig['linux']['resources']>;

/** Docker's flags onto OCI resources; absent flags leave the kernel's defaults (unlimited). */
function resources(options: ContainerOptions, swapLimit: boolean): Resources {
  const out: Resources = {};
  const memory: NonNullable<Resources['memory']> = {};
  if (options.memory !== undefined) memory.limit = options.memory;
  if (options.memoryReservation !== undefined) memory.reservation = options.memoryReservation;
  // OCI's swap, like Docker's --memory-swap, is memory + swap; -1 lifts the swap limit.
  if (options.memorySwap !== undefined) memory.swap = options.memorySwap;
  else if (options.memory !== undefined && swapLimit) memory.swap = 2 * options.memory;
  if (Object.keys(memory).length) out.memory = memory;

  const cpu: NonNullable<Resources['cpu']> = {};
  if (options.cpus !== undefined) {
    cpu.period = CPU_PERIOD;
    cpu.quota = Math.round(options.cpus * CPU_PERIOD);
  }
  if (options.cpuShares !== undefined) cpu.shares = options.cpuShares;
  if (Object.keys(cpu).length) out.cpu = cpu;

  if (options.pidsLimit !== undefined && options.pidsLimit > 0) out.pids = { limit: options.pidsLimit };
  return out;
}

let cachedPrivileged: OciCapability[] | undefined;

/**
 * --privileged's capabilities, and what --cap-add may ask for: every one this process
 * holds, as Docker gives every one the daemon holds. The runtime is this process's child and cannot grant a capability it lacks
 * (capset fails), which happens where the host runs Strata with a reduced bounding set.
 * procRoot is for tests; the answer for /proc is computed once.
 */
export function privilegedCapabilities(procRoot = '/proc'): OciCapability[] {
  if (procRoot === '/proc' && cachedPrivileged !== undefined) return cachedPrivileged;
  const caps = heldCapabilities(readProcFile(procRoot, 'self/status'));
  if (procRoot === '/proc') cachedPrivileged = caps;
  return caps;
}

/** No /proc (status undefined): offer them all and let the runtime say what fails. */
function heldCapabilities(status: string | undefined): OciCapability[] {
  const hex = /^CapEff:\s*([0-9a-f]+)$/m.exec(status ?? '')?.[1];
  const held = hex === undefined ? undefined : BigInt(`0x${hex}`);
  return ALL_CAPABILITIES.filter((_, bit) => held === undefined || ((held >> BigInt(bit)) & 1n) === 1n);
}

let cachedOpenFiles: number | undefined;
let cachedCgroupV2: boolean | undefined;

/** Whether this host's cgroups are the unified v2 hierarchy (cgroups/detect.ts's rules), read once. */
export function hostCgroupV2(): boolean {
  cachedCgroupV2 ??= cgroupV2From(readProcFile('/proc', 'self/mountinfo'));
  return cachedCgroupV2;
}

function cgroupV2From(mountinfo: string | undefined): boolean {
  try {
    return layoutFromMountinfo(mountinfo ?? '').version === 'v2';
  } catch {
    return false; // no cgroup hierarchy at all: the runtime says what that means for limits
  }
}

/**
 * Docker's open-files limit where the runtime may raise its own hard limit that far;
 * where it may not (no CAP_SYS_RESOURCE, as in many CI containers, or only a user
 * namespace's: the rootless engine), the hard limit it
 * inherits — asking for more would make every start fail with EPERM. The runtime is
 * this process's child, so this process's limits and capabilities are the runtime's.
 * procRoot is for tests; the answer for /proc is computed once.
 */
export function openFilesLimit(procRoot = '/proc'): number {
  if (procRoot === '/proc' && cachedOpenFiles !== undefined) return cachedOpenFiles;
  const [status, limits, nrOpen] = OPEN_FILES_SOURCES.map((file) => readProcFile(procRoot, file));
  const limit = openFilesFrom(status, limits, nrOpen);
  if (procRoot === '/proc') cachedOpenFiles = limit;
  return limit;
}

const OPEN_FILES_SOURCES = ['self/status', 'self/limits', 'sys/fs/nr_open'];

/**
 * What buildSpec asks of /proc (capabilities, the open-files limit, the cgroup version), read off the event
 * loop and kept: call it before buildSpec on a path the window waits on. These do not
 * change while the process runs.
 */
export async function loadHostFacts(): Promise<void> {
  if (cachedPrivileged !== undefined && cachedOpenFiles !== undefined && cachedCgroupV2 !== undefined) return;
  const read = (file: string) => fs.promises.readFile(path.join('/proc', file), 'utf8').catch(() => undefined);
  const [status, limits, nrOpen, mountinfo] = await Promise.all([...OPEN_FILES_SOURCES, 'self/mountinfo'].map(read));
  cachedPrivileged ??= heldCapabilities(status);
  cachedOpenFiles ??= openFilesFrom(status, limits, nrOpen);
  cachedCgroupV2 ??= cgroupV2From(mountinfo);
}

function readProcFile(procRoot: string, file: string): string | undefined {
  try {
    return fs.readFileSync(path.join(procRoot, file), 'utf8');
  } catch {
    return undefined;
  }
}

function openFilesFrom(status: string | undefined, limits: string | undefined, nrOpenText: string | undefined): number {
  const capEff = /^CapEff:\s*([0-9a-f]+)$/m.exec(status ?? '')?.[1];
  const hard = /^Max open files\s+\S+\s+(\d+)/m.exec(limits ?? '')?.[1];
  const nrOpen = Number(nrOpenText?.trim() ?? NaN);
  let limit = DEFAULT_NOFILE;
  if (Number.isSafeInteger(nrOpen) && nrOpen > 0) limit = Math.min(limit, nrOpen);
  // CAP_SYS_RESOURCE of a user namespace (the rootless engine's) does not raise a hard
  // limit past the one it inherited: only the host's does.
  const canRaise = enginePrivilege() !== 'rootless' && capEff !== undefined && ((BigInt(`0x${capEff}`) >> CAP_SYS_RESOURCE) & 1n) === 1n;
  if (!canRaise && hard !== undefined) limit = Math.min(limit, Number(hard));
  return limit;
}
