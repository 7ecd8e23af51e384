// The docker-compatible flags of `create` and `run`, turned into ContainerOptions.
import fs from 'node:fs';
import path from 'node:path';
import type { ParseArgsConfig } from 'node:util';
import { StrataError } from '@shared/errors';
import { MAX_SECCOMP_PROFILE_BYTES } from '@shared/limits';
import {
  CPU_SHARES_RANGE,
  type ContainerOptions,
  PIDS_LIMIT_RANGE,
  STOP_TIMEOUT_RANGE,
  parseCpus,
  parseDevice,
  parseEnv,
  parseLabels,
  parseMemory,
  parseNetworkMode,
  parseRestartPolicy,
  parseVolume,
  parseWholeNumber,
  parseWorkdir,
} from '../../engine/containers/options';
import { parseCapabilities, parseSecurityOpt } from '../../engine/containers/security-options';
import { parsePortSpec } from '@shared/ports';

export const CONTAINER_FLAGS: ParseArgsConfig['options'] = {
  name: { type: 'string' },
  env: { type: 'string', short: 'e', multiple: true },
  volume: { type: 'string', short: 'v', multiple: true },
  workdir: { type: 'string', short: 'w' },
  user: { type: 'string', short: 'u' },
  hostname: { type: 'string' },
  entrypoint: { type: 'string' },
  memory: { type: 'string', short: 'm' },
  'memory-swap': { type: 'string' },
  'memory-reservation': { type: 'string' },
  cpus: { type: 'string' },
  'cpu-shares': { type: 'string' },
  'pids-limit': { type: 'string' },
  restart: { type: 'string' },
  label: { type: 'string', short: 'l', multiple: true },
  'stop-signal': { type: 'string' },
  'stop-timeout': { type: 'string' },
  network: { type: 'string' },
  net: { type: 'string' },
  publish: { type: 'string', short: 'p', multiple: true },
  device: { type: 'string', multiple: true },
  privileged: { type: 'boolean' },
  'cap-add': { type: 'string', multiple: true },
  'cap-drop': { type: 'string', multiple: true },
  'read-only': { type: 'boolean' },
  'security-opt': { type: 'string', multiple: true },
};

export const CONTAINER_USAGE = '[--name N] [-e K=V] [-v SRC:DST[:ro]] [-w DIR] [-u USER] [--hostname H] [--entrypoint CMD] [-m MEM] [--cpus N] [--pids-limit N] [--restart P] [-l K=V] [--network bridge|slirp4netns|pasta|host|none] [-p [IP:][HOST:]PORT[/udp]] [--device HOST[:CTR][:rwm]] [--privileged] [--cap-add CAP] [--cap-drop CAP] [--read-only] [--security-opt seccomp=unconfined|PATH] [--security-opt no-new-privileges[=true|false]]';

/** `warn`: what a flag asked that changes nothing (`--security-opt label=disable`), for stderr. */
export function containerOptions(values: Record<string, unknown>, command: string[], warn: (message: string) => void = () => {}): ContainerOptions {
  const text = (key: string) => values[key] as string | undefined;
  const list = (key: string) => (values[key] as string[] | undefined) ?? [];
  // Ranges the kernel and the runtime take: a number past them fails here, before anything is made.
  const integer = (key: string, range: { readonly min: number; readonly max: number }): number | undefined => {
    const value = text(key);
    return value === undefined ? undefined : parseWholeNumber(value, `--${key}`, range);
  };
  const options: ContainerOptions = {
    name: text('name'),
    command: command.length ? command : undefined,
    entrypoint: text('entrypoint') === undefined ? undefined : text('entrypoint') === '' ? [] : [text('entrypoint')!],
    env: list('env').length ? parseEnv(list('env'), process.env) : undefined,
    volumes: list('volume').length ? list('volume').map(parseVolume) : undefined,
    workdir: text('workdir') === undefined ? undefined : parseWorkdir(text('workdir')!),
    user: text('user'),
    hostname: text('hostname'),
    memory: text('memory') === undefined ? undefined : parseMemory(text('memory')!, '--memory'),
    memorySwap: text('memory-swap') === undefined ? undefined : text('memory-swap') === '-1' ? -1 : parseMemory(text('memory-swap')!, '--memory-swap'),
    memoryReservation: text('memory-reservation') === undefined ? undefined : parseMemory(text('memory-reservation')!, '--memory-reservation'),
    cpus: text('cpus') === undefined ? undefined : parseCpus(text('cpus')!),
    cpuShares: integer('cpu-shares', CPU_SHARES_RANGE),
    pidsLimit: integer('pids-limit', PIDS_LIMIT_RANGE),
    restart: text('restart') === undefined ? undefined : parseRestartPolicy(text('restart')!),
    labels: list('label').length ? parseLabels(list('label')) : undefined,
    stopSignal: text('stop-signal'),
    stopTimeout: integer('stop-timeout', STOP_TIMEOUT_RANGE),
    network: (text('network') ?? text('net')) === undefined ? undefined : parseNetworkMode((text('network') ?? text('net'))!),
    publish: list('publish').length ? list('publish').map(parsePortSpec) : undefined,
    devices: list('device').length ? list('device').map(parseDevice) : undefined,
    privileged: values.privileged === true ? true : undefined,
    capAdd: list('cap-add').length ? parseCapabilities(list('cap-add').flatMap(commaList), '--cap-add') : undefined,
    capDrop: list('cap-drop').length ? parseCapabilities(list('cap-drop').flatMap(commaList), '--cap-drop') : undefined,
    readonlyRootfs: values['read-only'] === true ? true : undefined,
    ...securityOptions(list('security-opt'), warn),
  };
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as ContainerOptions;
}

/** `--cap-add NET_ADMIN,SYS_TIME`: Podman's comma list, besides Docker's one name a flag. */
function commaList(text: string): string[] {
  return text.split(',');
}

/** Each `--security-opt`, the last one of a kind winning; a seccomp profile's file is read here, where its path is. */
function securityOptions(entries: readonly string[], warn: (message: string) => void): Pick<ContainerOptions, 'seccompProfile' | 'noNewPrivileges'> {
  const options: Pick<ContainerOptions, 'seccompProfile' | 'noNewPrivileges'> = {};
  for (const entry of entries) {
    const option = parseSecurityOpt(entry);
    if (option.kind === 'seccomp') options.seccompProfile = option.profile;
    else if (option.kind === 'seccomp-file') options.seccompProfile = readSeccompProfile(option.path);
    else if (option.kind === 'no-new-privileges') options.noNewPrivileges = option.value;
    else warn(option.warning);
  }
  return options;
}

/**
 * `seccomp=PATH`: the profile's text, sent whole (as docker sends it), since the engine may
 * run on another machine or as another user. Checked to be JSON here, where the error can
 * name the file; what the profile says is the engine's to check.
 */
function readSeccompProfile(file: string): string {
  const what = `--security-opt seccomp=${file}`;
  const absolute = path.resolve(file);
  let text: string;
  try {
    const stat = fs.statSync(absolute);
    if (!stat.isFile()) throw new StrataError('INVALID_ARGUMENT', `${what}: ${absolute} is not a file`);
    if (stat.size > MAX_SECCOMP_PROFILE_BYTES) throw new StrataError('INVALID_ARGUMENT', `${what}: ${absolute} is ${stat.size} bytes, more than a seccomp profile (at most 1 MiB)`);
    text = fs.readFileSync(absolute, 'utf8');
  } catch (error) {
    if (error instanceof StrataError) throw error;
    throw new StrataError('INVALID_ARGUMENT', `${what}: cannot read ${absolute}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, { cause: error });
  }
  try {
    JSON.parse(text);
  } catch (error) {
    throw new StrataError('INVALID_ARGUMENT', `${what}: ${absolute} is not a JSON seccomp profile: ${(error as Error).message}`, { cause: error });
  }
  return text;
}
