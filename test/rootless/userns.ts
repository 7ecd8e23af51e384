// Runs a test script as the unprivileged user strata-test inside a user namespace of its
// own, as the rootless engine runs: strata-test is uid 0 there and its /etc/subuid and
// /etc/subgid ranges map ids 1… (`unshare --map-auto --map-root-user`, util-linux ≥ 2.38,
// through newuidmap/newgidmap), with a private mount namespace, so every mount the
// script makes goes when it exits. The script is TypeScript, run by jiti with the
// project's `@shared` alias; it prints one `RESULT <json>` line the test reads.
// .ci/run makes the user and its ranges; without them (or as a normal user) tests skip, saying why.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const ROOTLESS_USER = 'strata-test';
const ROOT = path.resolve(import.meta.dirname, '..', '..');
const JITI = path.join(ROOT, 'node_modules', 'jiti', 'lib', 'jiti-cli.mjs');

function userId(): number | null {
  try {
    return Number(execFileSync('id', ['-u', ROOTLESS_USER], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim());
  } catch {
    return null;
  }
}

/** Why the rootless tests cannot run here, or null when they can. */
export function rootlessSkipReason(): string | null {
  if (process.getuid?.() !== 0) return 'they run as root, to become strata-test (runuser)';
  if (userId() === null) return `no user ${ROOTLESS_USER} (.ci/run makes it)`;
  const ranges = (file: string) => fs.readFileSync(file, 'utf8').split('\n').some((line) => line.startsWith(`${ROOTLESS_USER}:`));
  if (!ranges('/etc/subuid') || !ranges('/etc/subgid')) return `${ROOTLESS_USER} has no /etc/subuid or /etc/subgid range (.ci/run adds one)`;
  if (!execFileSync('unshare', ['--help']).toString().includes('--map-auto')) return 'this unshare has no --map-auto (util-linux 2.38 has)';
  if (fs.readFileSync('/proc/sys/user/max_user_namespaces', 'utf8').trim() === '0') return 'user namespaces are disabled (max_user_namespaces = 0)';
  return null;
}

/** A fresh directory in the system's temp dir that strata-test owns (removed by removeUserDir, as root). */
export function userDir(label: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `strata-rootless-${label}-`));
  const uid = userId()!;
  fs.chownSync(dir, uid, uid);
  return dir;
}

/** Removes what the user's namespace made, whatever ids inside its range own it. */
export function removeUserDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

export interface NamespaceRun<T> {
  code: number | null;
  stdout: string;
  stderr: string;
  result: T | undefined;
}

/**
 * Runs `script` (a .ts file) with `args` as strata-test, uid 0 of a new user namespace
 * with its subordinate ids mapped, in a private mount namespace. `extraUnshare` adds
 * namespaces (e.g. `--pid --fork --mount-proc`); `env`, variables for the script.
 */
export function runInUserNamespace<T>(script: string, args: string[], options: { timeoutMs?: number; extraUnshare?: string[]; env?: Record<string, string> } = {}): NamespaceRun<T> {
  const run = spawnSync(
    'runuser',
    [
      '-u', ROOTLESS_USER, '--',
      'env', `JITI_ALIAS=${JSON.stringify({ '@shared': path.join(ROOT, 'src-shared') })}`, 'JITI_FS_CACHE=false', `HOME=${os.tmpdir()}`,
      ...Object.entries(options.env ?? {}).map(([name, value]) => `${name}=${value}`),
      'unshare', '--user', '--map-auto', '--map-root-user', '--mount', '--propagation', 'private', ...(options.extraUnshare ?? []), '--',
      process.execPath, JITI, script, ...args,
    ],
    { encoding: 'utf8', timeout: options.timeoutMs ?? 120_000, cwd: os.tmpdir() },
  );
  const line = run.stdout.split('\n').find((each) => each.startsWith('RESULT '));
  return { code: run.status, stdout: run.stdout, stderr: run.stderr, result: line === undefined ? undefined : (JSON.parse(line.slice('RESULT '.length)) as T) };
}

/** What a failed run printed, for an assertion's message. */
export function describeRun(run: NamespaceRun<unknown>): string {
  return `exit ${run.code}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`;
}
