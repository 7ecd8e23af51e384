// `--change` instructions for a rootfs import, in Containerfile syntax (as `podman import`
// and `docker import` take them): CMD, ENTRYPOINT, ENV, WORKDIR, USER, EXPOSE, LABEL,
// VOLUME, STOPSIGNAL.
import { StrataError } from '@shared/errors';
import type { RunConfig } from './oci';

export const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export function applyChanges(base: RunConfig, changes: readonly string[]): RunConfig {
  const config: RunConfig = { ...base, Env: [...(base.Env ?? [])] };
  for (const change of changes) {
    const match = /^\s*([A-Za-z]+)\s+([\s\S]*\S)\s*$/.exec(change);
    if (!match) throw invalid(change, 'expected INSTRUCTION ARGUMENTS');
    const instruction = match[1]!.toUpperCase();
    const args = match[2]!;
    switch (instruction) {
      case 'CMD':
        config.Cmd = commandOf(args, change);
        break;
      case 'ENTRYPOINT':
        config.Entrypoint = commandOf(args, change);
        break;
      case 'ENV':
        for (const [key, value] of pairsOf(args, change)) setEnv(config, key, value);
        break;
      case 'LABEL':
        config.Labels = { ...(config.Labels ?? {}), ...Object.fromEntries(pairsOf(args, change)) };
        break;
      case 'WORKDIR':
        if (!args.startsWith('/')) throw invalid(change, 'WORKDIR must be an absolute path');
        config.WorkingDir = args;
        break;
      case 'USER':
        if (/\s/.test(args)) throw invalid(change, 'USER takes one name or uid[:gid]');
        config.User = args;
        break;
      case 'EXPOSE':
        for (const port of args.split(/\s+/)) {
          if (!/^\d{1,5}(\/(tcp|udp|sctp))?$/.test(port) || Number(port.split('/')[0]) > 65535) throw invalid(change, `bad port ${port}`);
          config.ExposedPorts = { ...(config.ExposedPorts ?? {}), [port.includes('/') ? port : `${port}/tcp`]: {} };
        }
        break;
      case 'VOLUME':
        for (const volume of listOf(args)) {
          if (!volume.startsWith('/')) throw invalid(change, 'VOLUME paths must be absolute');
          config.Volumes = { ...(config.Volumes ?? {}), [volume]: {} };
        }
        break;
      case 'STOPSIGNAL':
        if (!/^(SIG[A-Z0-9]+|\d+)$/.test(args)) throw invalid(change, 'STOPSIGNAL takes a signal name or number');
        config.StopSignal = args;
        break;
      default:
        throw invalid(change, `unknown instruction ${instruction} (use CMD, ENTRYPOINT, ENV, WORKDIR, USER, EXPOSE, LABEL, VOLUME, STOPSIGNAL)`);
    }
  }
  return config;
}

function invalid(change: string, why: string): StrataError {
  return new StrataError('INVALID_ARGUMENT', `--change ${JSON.stringify(change)}: ${why}`);
}

/** Exec form `["a","b"]` stays as is; shell form becomes `/bin/sh -c "…"`. */
function commandOf(args: string, change: string): string[] {
  if (args.startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(args);
    } catch {
      throw invalid(change, 'exec form must be a JSON array of strings');
    }
    if (!Array.isArray(parsed) || !parsed.every((item) => typeof item === 'string')) throw invalid(change, 'exec form must be a JSON array of strings');
    return parsed as string[];
  }
  return ['/bin/sh', '-c', args];
}

function listOf(args: string): string[] {
  if (args.startsWith('[')) {
    try {
      const parsed: unknown = JSON.parse(args);
      if (Array.isArray(parsed)) return parsed.map(String);
    } catch {
      // fall through to the plain form
    }
  }
  return args.split(/\s+/);
}

/** `K=V K2="v 2"` or the legacy single `K V`. */
function pairsOf(args: string, change: string): [string, string][] {
  if (!args.includes('=')) {
    const space = args.search(/\s/);
    if (space < 0) throw invalid(change, 'expected KEY=VALUE');
    return [[args.slice(0, space), args.slice(space).trim()]];
  }
  const pairs: [string, string][] = [];
  const pattern = /([^\s=]+)=("((?:[^"\\]|\\.)*)"|'([^']*)'|(\S*))/g;
  let consumed = '';
  for (const match of args.matchAll(pattern)) {
    const value = match[3] !== undefined ? match[3].replace(/\\(.)/g, '$1') : (match[4] ?? match[5] ?? '');
    pairs.push([match[1]!, value]);
    consumed += match[0];
  }
  if (consumed.replace(/\s/g, '') !== args.replace(/\s/g, '')) throw invalid(change, 'expected KEY=VALUE pairs');
  return pairs;
}

function setEnv(config: RunConfig, key: string, value: string): void {
  const env = (config.Env ?? []).filter((item) => !item.startsWith(`${key}=`));
  env.push(`${key}=${value}`);
  config.Env = env;
}
