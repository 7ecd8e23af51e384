// What a user asks for when creating a container, parsed from docker-style flag text and
// validated. The parsers take the CLI's strings; containerOptionsSchema checks the parsed
// form where it arrives from elsewhere (the typed API, a container record).
import type { VolumeSpec, DeviceSpec, RestartPolicy, ContainerOptions, ContainerUpdate } from '@shared/api/types/containers';
import { MIN_MEMORY } from '@shared/limits';
import os from 'node:os';
import path from 'node:path';
import { z } from '@shared/zod';
import { StrataError } from '@shared/errors';
import { parseByteSize } from '@shared/sizes';
import { NETWORK_MODES, type NetworkMode, isNetworkMode, publishesPorts } from '@shared/network-modes';
import { validatePortSpec } from '@shared/ports';
import { normalizeCapabilities, unknownCapabilityMessage } from './security-options';
import { MAX_SECCOMP_PROFILE_BYTES, SECCOMP_UNCONFINED, parseSeccompProfile } from '../runtime/seccomp-profile';

/** The CFS quota must be at least 1 ms of a 100 ms period, so --cpus goes down to 0.01. */
export const MIN_CPUS = 0.01;
/**
 * The most pids.max takes: the kernel's PID_MAX_LIMIT on 64-bit (4 × 1024 × 1024); it
 * refuses anything above with EINVAL, at start, long after the container was made.
 */
export const MAX_PIDS_LIMIT = 4 * 1024 * 1024;
/** cpu.shares as the cgroup v1 kernel and the runtimes take it (v2's weight is mapped from it). */
export const CPU_SHARES_RANGE = { min: 2, max: 262144 } as const;
/** --pids-limit: 0 and -1 mean unlimited, as with Docker. */
export const PIDS_LIMIT_RANGE = { min: -1, max: MAX_PIDS_LIMIT } as const;
/** --stop-timeout in seconds: up to what a Node timer can wait (2^31 - 1 ms), beyond which it would fire at once. */
export const STOP_TIMEOUT_RANGE = { min: 0, max: Math.floor((2 ** 31 - 1) / 1000) } as const;

function invalid(message: string): StrataError {
  return new StrataError('INVALID_ARGUMENT', message);
}

/** `512m` → 536870912 (see parseByteSize), at least MIN_MEMORY. */
export function parseMemory(text: string, flag: string): number {
  const bytes = parseByteSize(text, flag);
  if (bytes < MIN_MEMORY) throw invalid(`${flag} ${JSON.stringify(text)}: the minimum is 6m (${MIN_MEMORY} bytes)`);
  return bytes;
}

/** A whole-number flag within its range (`--pids-limit 100`); anything else is INVALID_ARGUMENT here, not a runtime error at start. */
export function parseWholeNumber(text: string, flag: string, range: { readonly min: number; readonly max: number }): number {
  if (!/^-?\d+$/.test(text.trim())) throw invalid(`${flag} takes a whole number, not ${JSON.stringify(text)}`);
  const value = Number(text);
  if (!(value >= range.min && value <= range.max)) throw invalid(`${flag} ${text}: the range is ${range.min} to ${range.max}`);
  return value;
}

/** `-w /srv`: the working directory is a path in the container, so it must be absolute. */
export function parseWorkdir(text: string): string {
  if (!path.posix.isAbsolute(text) || text.includes('\0')) throw invalid(`-w ${JSON.stringify(text)}: the working directory must be an absolute path`);
  return text;
}

/** `0.5` → half a CPU; at most the CPUs this host has. */
export function parseCpus(text: string): number {
  if (!/^(\d+(\.\d+)?|\.\d+)$/.test(text.trim())) throw invalid(`--cpus ${JSON.stringify(text)}: expected a number of CPUs such as 0.5 or 2`);
  const cpus = Number(text);
  checkCpus(cpus, `--cpus ${JSON.stringify(text)}`);
  return cpus;
}

function checkCpus(cpus: number, what: string): void {
  const host = os.availableParallelism();
  if (!(cpus >= MIN_CPUS && cpus <= host)) {
    throw invalid(`${what}: the range is ${MIN_CPUS} to ${host}, as this host has ${host} CPU${host === 1 ? '' : 's'}`);
  }
}

/** `/host:/ctr`, `/host:/ctr:ro`, `/host:/ctr:rw`. Named and anonymous volumes are a later slice. */
export function parseVolume(text: string): VolumeSpec {
  const what = `-v ${JSON.stringify(text)}`;
  const parts = text.split(':');
  if (parts.length < 2 || parts.length > 3 || parts.some((part) => part === '')) {
    throw invalid(`${what}: expected /host/path:/container/path[:ro|rw]`);
  }
  const [source, destination, mode = 'rw'] = parts as [string, string, string?];
  if (mode !== 'ro' && mode !== 'rw') throw invalid(`${what}: unknown mode ${JSON.stringify(mode)} (use ro or rw)`);
  return validateVolume({ source, destination, readonly: mode === 'ro' }, what);
}

/**
 * Checks a volume however it arrived and returns it with clean paths. Refuses / and the
 * places the runtime itself fills — /dev (it makes device nodes there: they would land
 * in the host directory) and /proc or below (procfs is the kernel's view; runc refuses too).
 */
export function validateVolume(volume: VolumeSpec, what = 'volume'): VolumeSpec {
  if (!path.posix.isAbsolute(volume.source)) {
    throw invalid(`${what}: the source ${JSON.stringify(volume.source)} must be an absolute host path (named volumes are not supported yet)`);
  }
  if (!path.posix.isAbsolute(volume.destination)) throw invalid(`${what}: the destination ${JSON.stringify(volume.destination)} must be an absolute path`);
  if (`${volume.source}${volume.destination}`.includes('\0')) throw invalid(`${what}: paths cannot contain NUL bytes`);
  const destination = cleanPath(volume.destination);
  if (destination === '/' || destination === '/dev' || destination === '/proc' || destination.startsWith('/proc/')) {
    throw invalid(`${what}: the destination cannot be ${destination}`);
  }
  return { source: cleanPath(volume.source), destination, readonly: volume.readonly };
}

/** `/a/b/../c/` → `/a/c`: how volume paths are compared and mounted. */
function cleanPath(p: string): string {
  const clean = path.posix.normalize(p);
  return clean.length > 1 ? clean.replace(/\/+$/, '') : clean;
}

const DEVICE_PERMISSIONS = /^(?!.*(.).*\1)[rwm]{1,3}$/;

/**
 * `HOST[:CONTAINER][:PERMS]` as docker reads it: a second part made only of r, w and m is
 * the permissions; the container path defaults to the host path, the permissions to rwm.
 */
export function parseDevice(text: string): DeviceSpec {
  const what = `--device ${JSON.stringify(text)}`;
  const parts = text.split(':');
  if (parts.length > 3 || parts.some((part) => part === '')) throw invalid(`${what}: expected /host/device[:/container/path][:rwm]`);
  const [hostPath, second, third] = parts as [string, string?, string?];
  let containerPath = hostPath;
  let permissions = 'rwm';
  if (third !== undefined) {
    containerPath = second!;
    permissions = third;
  } else if (second !== undefined) {
    if (DEVICE_PERMISSIONS.test(second)) permissions = second;
    else containerPath = second;
  }
  return validateDevice({ hostPath, containerPath, permissions }, what);
}

/** Checks a device spec however it arrived; the host node itself is looked up at create and start. */
export function validateDevice(device: DeviceSpec, what = 'device'): DeviceSpec {
  if (!path.posix.isAbsolute(device.hostPath)) throw invalid(`${what}: the host path ${JSON.stringify(device.hostPath)} must be absolute`);
  if (!path.posix.isAbsolute(device.containerPath)) throw invalid(`${what}: the container path ${JSON.stringify(device.containerPath)} must be absolute`);
  if (`${device.hostPath}${device.containerPath}`.includes('\0')) throw invalid(`${what}: paths cannot contain NUL bytes`);
  if (!DEVICE_PERMISSIONS.test(device.permissions)) throw invalid(`${what}: permissions ${JSON.stringify(device.permissions)}: use r, w and m, each at most once`);
  const containerPath = cleanPath(device.containerPath);
  // A node goes where a file can: not over a directory the runtime mounts (/dev itself, /proc, /sys).
  if (containerPath === '/' || containerPath === '/dev' || /^\/(proc|sys)(\/|$)/.test(containerPath)) {
    throw invalid(`${what}: the container path cannot be ${containerPath}`);
  }
  return { hostPath: cleanPath(device.hostPath), containerPath, permissions: device.permissions };
}

/** `no`, `always`, `unless-stopped`, `on-failure[:N]`. */
export function parseRestartPolicy(text: string): RestartPolicy {
  const [name, count, extra] = text.split(':');
  const what = `--restart ${JSON.stringify(text)}`;
  if (extra !== undefined) throw invalid(`${what}: expected no, always, unless-stopped or on-failure[:N]`);
  switch (name) {
    case '':
    case 'no':
    case 'always':
    case 'unless-stopped':
      if (count !== undefined) throw invalid(`${what}: a retry count goes only with on-failure`);
      return { name: name === '' ? 'no' : name };
    case 'on-failure':
      if (count === undefined) return { name };
      if (!/^\d+$/.test(count) || !Number.isSafeInteger(Number(count))) throw invalid(`${what}: the retry count must be a whole number ≥ 0`);
      return { name, maxRetries: Number(count) };
    default:
      throw invalid(`${what}: unknown policy (use no, always, unless-stopped or on-failure[:N])`);
  }
}

/**
 * `KEY=VALUE` entries, later keys replacing earlier ones in place. A bare `KEY` takes its
 * value from callerEnv (the CLI's own environment, as docker does) and is dropped when
 * unset there; without callerEnv a bare KEY is an error.
 */
export function parseEnv(entries: readonly string[], callerEnv?: Readonly<Record<string, string | undefined>>): string[] {
  const env = new Map<string, string>();
  for (const entry of entries) {
    const equals = entry.indexOf('=');
    const key = equals < 0 ? entry : entry.slice(0, equals);
    if (key === '' || /\s/.test(key)) throw invalid(`-e ${JSON.stringify(entry)}: expected KEY=VALUE with a non-empty KEY without spaces`);
    if (entry.includes('\0')) throw invalid(`-e ${JSON.stringify(entry)}: environment entries cannot contain NUL bytes`);
    if (equals >= 0) {
      env.set(key, entry.slice(equals + 1));
      continue;
    }
    if (callerEnv === undefined) throw invalid(`-e ${JSON.stringify(entry)}: expected KEY=VALUE`);
    const inherited = callerEnv[key];
    if (inherited !== undefined) env.set(key, inherited);
  }
  return [...env].map(([key, value]) => `${key}=${value}`);
}

/** `key=value` or a bare `key` (empty value). */
export function parseLabels(entries: readonly string[]): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const entry of entries) {
    const equals = entry.indexOf('=');
    const key = equals < 0 ? entry : entry.slice(0, equals);
    if (key === '') throw invalid(`--label ${JSON.stringify(entry)}: the label has no name`);
    if (/\s/.test(key)) throw invalid(`--label ${JSON.stringify(entry)}: label names cannot contain whitespace`);
    labels[key] = equals < 0 ? '' : entry.slice(equals + 1);
  }
  return labels;
}

const NAME_PATTERN = /^\/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

/** Docker's rule for names: two or more of [a-zA-Z0-9_.-], starting alphanumeric; a leading `/` is dropped. */
export function validateContainerName(name: string): string {
  if (!NAME_PATTERN.test(name)) {
    throw invalid(`invalid container name ${JSON.stringify(name)}: only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed, at least two characters`);
  }
  return name.startsWith('/') ? name.slice(1) : name;
}

/** One of NETWORK_MODES (slirp4netns and pasta are the rootless engine's; which engine may use which is checkNetworkMode's). */
export function parseNetworkMode(text: string): NetworkMode {
  if (isNetworkMode(text)) return text;
  throw invalid(`--network ${JSON.stringify(text)}: expected ${NETWORK_MODES.slice(0, -1).join(', ')} or ${NETWORK_MODES.at(-1)} (named networks are not supported yet)`);
}

/** Published ports need the bridge (slirp4netns or pasta rootless), and each host port once. Throws INVALID_ARGUMENT. */
export function validateNetwork(options: ContainerOptions): void {
  const ports = options.publish ?? [];
  if (ports.length && options.network !== undefined && !publishesPorts(options.network)) {
    throw invalid(`publishing ports needs the bridge network (slirp4netns or pasta on the rootless engine); with --network ${options.network} the container has ${options.network === 'host' ? "the host's ports already" : 'no network to publish'}`);
  }
  const seen = new Set<string>();
  for (const port of ports) {
    const key = `${port.hostPort}/${port.protocol}`;
    if (port.hostPort !== 0 && seen.has(key)) throw invalid(`host port ${key} is published twice`);
    seen.add(key);
  }
}

/**
 * Checks between fields, as the Docker daemon makes them: swap and reservation are
 * relative to the memory limit. Throws INVALID_ARGUMENT.
 */
export function validateResources(options: ContainerOptions): void {
  const { memory, memorySwap, memoryReservation } = options;
  if (memorySwap !== undefined && memorySwap !== -1) {
    if (memory === undefined) throw invalid('--memory-swap needs --memory too: it is the limit of memory and swap together');
    if (memorySwap < memory) throw invalid(`--memory-swap ${memorySwap} is below --memory ${memory}: it counts memory and swap together`);
  }
  if (memoryReservation !== undefined && memory !== undefined && memoryReservation > memory) {
    throw invalid(`--memory-reservation ${memoryReservation} is above --memory ${memory}: a soft limit must be below the hard one`);
  }
}

function checkResources(options: ContainerOptions, ctx: z.core.$RefinementCtx): void {
  try {
    validateResources(options);
    validateNetwork(options);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message });
  }
}

/** A transform's refusal: zod/mini hands a transform the parse payload, to which the issue is added. */
function refuse(payload: z.core.ParsePayload, message: string, path: PropertyKey[] = []): never {
  payload.issues.push({ code: 'custom', message, input: payload.value, path });
  return z.NEVER;
}

// The schemas are made at their first use, not at import: zod's construction costs
// milliseconds, and the CLI imports this file for its parsers (issue 18).
function makeSchemas(): { options: z.ZodMiniType<ContainerOptions>; update: z.ZodMiniType<ContainerUpdate> } {
  const bytes = z.int().check(z.gte(MIN_MEMORY), z.lte(Number.MAX_SAFE_INTEGER));
  const absolute = z.string().check(z.refine((p) => path.posix.isAbsolute(p), 'must be an absolute path'));

  const volumeSchema = z.strictObject({ source: absolute, destination: absolute, readonly: z.boolean() }).check(
    z.superRefine((volume, ctx) => {
      try {
        validateVolume(volume);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
      }
    }),
  );

  const deviceSchema = z.pipe(
    z.strictObject({ hostPath: absolute, containerPath: absolute, permissions: z.string() }),
    z.transform((device, payload) => {
      try {
        return validateDevice(device);
      } catch (error) {
        return refuse(payload, (error as Error).message);
      }
    }),
  );

  const restartSchema = z.union([
    z.strictObject({ name: z.enum(['no', 'always', 'unless-stopped']) }),
    z.strictObject({ name: z.literal('on-failure'), maxRetries: z.optional(z.int().check(z.nonnegative())) }),
  ]);

  /** Capability names in any of the spellings users type, kept in their one spelling, each once. */
  const capabilityList = z.pipe(
    z.array(z.string()),
    z.transform((names, payload) => {
      const result = normalizeCapabilities(names);
      if ('capabilities' in result) return result.capabilities;
      return refuse(payload, unknownCapabilityMessage(names[result.unknownAt]!), [result.unknownAt]);
    }),
  );

  const envEntry = z.string().check(z.regex(/^[^=\s\0]+=[^\0]*$/, 'must be KEY=VALUE'));

  const portSchema = z.pipe(
    z.strictObject({
      hostIp: z.optional(z.string()),
      hostPort: z.optional(z.int().check(z.gte(0), z.lte(65535))),
      containerPort: z.int().check(z.gte(1), z.lte(65535)),
      protocol: z.optional(z.enum(['tcp', 'udp'])),
    }),
    z.transform((spec, payload) => {
      try {
        return validatePortSpec(spec);
      } catch (error) {
        return refuse(payload, (error as Error).message);
      }
    }),
  );

  const seccompProfile = z.string().check(
    z.maxLength(MAX_SECCOMP_PROFILE_BYTES),
    z.superRefine((text, ctx) => {
      try {
        if (text !== SECCOMP_UNCONFINED) parseSeccompProfile(text);
      } catch (error) {
        // UNSUPPORTED (a notify listener) keeps its code: create refuses it with that
        if (!(error instanceof StrataError) || error.code === 'INVALID_ARGUMENT') ctx.addIssue({ code: 'custom', message: (error as Error).message });
      }
    }),
  );

  const options = z.strictObject({
    name: z.optional(z.string().check(z.regex(NAME_PATTERN, 'only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed, at least two characters'))),
    command: z.optional(z.array(z.string())),
    entrypoint: z.optional(z.array(z.string())),
    env: z.optional(z.array(envEntry)),
    workdir: z.optional(absolute),
    user: z.optional(z.string().check(z.regex(/^[^\s:]*(:[^\s:]*)?$/, 'expected user[:group]'))),
    hostname: z.optional(z.string().check(z.regex(/^[^\s\0/]{1,64}$/, 'expected 1 to 64 characters, no whitespace or /'))),
    volumes: z.optional(z.array(volumeSchema)),
    memory: z.optional(bytes),
    memorySwap: z.optional(z.union([bytes, z.literal(-1)])),
    memoryReservation: z.optional(bytes),
    cpus: z.optional(z.number().check(z.gte(MIN_CPUS), z.refine((cpus) => cpus <= os.availableParallelism(), 'more CPUs than this host has'))),
    cpuShares: z.optional(z.int().check(z.gte(CPU_SHARES_RANGE.min), z.lte(CPU_SHARES_RANGE.max))),
    pidsLimit: z.optional(z.int().check(z.gte(PIDS_LIMIT_RANGE.min), z.lte(PIDS_LIMIT_RANGE.max))),
    restart: z.optional(restartSchema),
    labels: z.optional(z.record(z.string().check(z.regex(/^\S+$/, 'label names cannot be empty or contain whitespace')), z.string())),
    stopSignal: z.optional(z.string().check(z.regex(/^([A-Z][A-Z0-9+-]*|\d+)$/, 'expected a signal name or number'))),
    stopTimeout: z.optional(z.int().check(z.gte(STOP_TIMEOUT_RANGE.min), z.lte(STOP_TIMEOUT_RANGE.max))),
    network: z.optional(z.enum(NETWORK_MODES)),
    publish: z.optional(z.array(portSchema)),
    devices: z.optional(z.array(deviceSchema)),
    privileged: z.optional(z.boolean()),
    capAdd: z.optional(capabilityList),
    capDrop: z.optional(capabilityList),
    readonlyRootfs: z.optional(z.boolean()),
    noNewPrivileges: z.optional(z.boolean()),
    tty: z.optional(z.boolean()),
    interactive: z.optional(z.boolean()),
    seccompProfile: z.optional(seccompProfile),
  });

  return {
    options: options.check(z.superRefine(checkResources)),
    update: z.pick(options, { memory: true, memorySwap: true, memoryReservation: true, cpus: true, cpuShares: true, pidsLimit: true, restart: true }).check(z.superRefine(checkResources)),
  };
}

let schemas: ReturnType<typeof makeSchemas> | undefined;

/** The parsed form of ContainerOptions, for input that did not come through the parsers. */
export function containerOptionsSchema(): z.ZodMiniType<ContainerOptions> {
  return (schemas ??= makeSchemas()).options;
}

/** The limits and restart policy `update` may change, checked as at create. */
export function containerUpdateSchema(): z.ZodMiniType<ContainerUpdate> {
  return (schemas ??= makeSchemas()).update;
}

/** Wire types, declared once in src-shared. */
export type { VolumeSpec, DeviceSpec, RestartPolicy, ContainerOptions, ContainerUpdate };
