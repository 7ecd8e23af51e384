// The docker-compatible flags of `create` and `run`, turned into ContainerOptions.
import fs from 'node:fs';
import type { ParseArgsConfig } from 'node:util';
import { StrataError } from '@shared/errors';
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
import { parsePortSpec } from '@shared/ports';
import { SECCOMP_UNCONFINED } from '../../engine/runtime/seccomp-profile';

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
  'security-opt': { type: 'string', multiple: true },
};

export const CONTAINER_USAGE = '[--name N] [-e K=V] [-v SRC:DST[:ro]] [-w DIR] [-u USER] [--hostname H] [--entrypoint CMD] [-m MEM] [--cpus N] [--pids-limit N] [--restart P] [-l K=V] [--network bridge|host|none] [-p [IP:][HOST:]PORT[/udp]] [--device HOST[:CTR][:rwm]] [--privileged] [--security-opt seccomp=unconfined|PROFILE.json]';

export function containerOptions(values: Record<string, unknown>, command: string[]): ContainerOptions {
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
    seccompProfile: seccompOption(list('security-opt')),
  };
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as ContainerOptions;
}

/**
 * `--security-opt seccomp=unconfined|PATH`: the profile's text is read here, by the CLI
 * (the path is the caller's, as with docker), and sent; the engine checks it. The last
 * seccomp= wins, as docker's does.
 */
function seccompOption(entries: readonly string[]): string | undefined {
  let profile: string | undefined;
  for (const entry of entries) {
    const equals = entry.indexOf('=');
    const value = entry.slice(equals + 1);
    if (equals < 0 || entry.slice(0, equals) !== 'seccomp' || value === '') {
      throw new StrataError('INVALID_ARGUMENT', `--security-opt ${JSON.stringify(entry)}: expected seccomp=unconfined or seccomp=PROFILE.json`);
    }
    if (value === SECCOMP_UNCONFINED) {
      profile = value;
      continue;
    }
    try {
      profile = fs.readFileSync(value, 'utf8');
    } catch (error) {
      throw new StrataError('INVALID_ARGUMENT', `--security-opt seccomp=${value}: cannot read the profile: ${(error as Error).message}`);
    }
  }
  return profile;
}
