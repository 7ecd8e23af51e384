// What the system-engine tests share: the unprivileged test user (strata-test, made by
// .ci/run, outside group strata), `strata system service` started as root in a child
// process on a socket in a temporary directory, and commands run as the test user —
// outside the group (its own groups) or as a member (setpriv --groups <strata gid>).
import { type SpawnSyncReturns, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { colonEntries } from '../../src-main/connections/access-denied';
import { type Child, spawnCli, watch } from '../engine/store/store-fixture';

export const TEST_USER = 'strata-test';
export const GROUP = 'strata';
export const CLI = path.resolve('bin/strata.js');
export const CLIENT = path.resolve('test/system/socket-client.mjs');

export interface TestUser {
  name: string;
  uid: number;
  gid: number;
  /** The gid of group strata. */
  strataGid: number;
}

/** The test user and group, or why the tests cannot run here. */
export function findTestUser(): TestUser | string {
  if (process.getuid?.() !== 0) return 'the system engine runs as root: run the tests as root';
  const user = colonEntries('/etc/passwd').find((fields) => fields[0] === TEST_USER);
  const group = colonEntries('/etc/group').find((fields) => fields[0] === GROUP);
  if (!user || !group) return `no user ${TEST_USER} or group ${GROUP}: .ci/run creates them (groupadd --system ${GROUP}; useradd -m ${TEST_USER})`;
  if ((group[3] ?? '').split(',').includes(TEST_USER)) return `${TEST_USER} is in group ${GROUP} already: the refusal cannot be tested (gpasswd -d ${TEST_USER} ${GROUP})`;
  return { name: TEST_USER, uid: Number(user[2]), gid: Number(user[3]), strataGid: Number(group[2]) };
}

/** A directory the test user can traverse (mkdtemp makes 0700 ones). */
export function openDir(dir: string): string {
  fs.mkdirSync(dir, { recursive: true });
  fs.chmodSync(dir, 0o755);
  return dir;
}

/** `strata system service` as root on `socketPath`, serving `root`; resolves once it listens. */
export async function startService(root: string, socketPath: string, ...extra: string[]): Promise<Child> {
  const child = spawnCli(root, 'system', 'service', '--socket', socketPath, '--group', GROUP, ...extra);
  await child.line(/^Strata system engine listening on /);
  return child;
}

/** Stops a service the way systemd does (SIGTERM) and waits for it. */
export async function stopService(child: Child | undefined): Promise<void> {
  if (!child || child.process.exitCode !== null || child.process.signalCode !== null) return;
  child.process.kill('SIGTERM');
  await child.exited;
}

/** setpriv's arguments: the test user, outside group strata or (member) with it as a supplementary group. */
function asUser(user: TestUser, member: boolean): string[] {
  return ['--reuid', String(user.uid), '--regid', String(user.gid), ...(member ? ['--groups', String(user.strataGid)] : ['--init-groups'])];
}

function userEnv(user: TestUser, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: `/home/${user.name}`, USER: user.name, LOGNAME: user.name, ...env };
}

/** The built `strata` CLI as the test user; waits for it. */
export function cliAs(user: TestUser, member: boolean, env: NodeJS.ProcessEnv, ...args: string[]): SpawnSyncReturns<string> {
  return spawnSync('setpriv', [...asUser(user, member), process.execPath, CLI, ...args], { env: userEnv(user, env), encoding: 'utf8', timeout: 60_000 });
}

/** socket-client.mjs as the test user: its JSON lines, by step. */
export async function clientAs(user: TestUser, member: boolean, ...args: string[]): Promise<{ code: number | null; steps: Record<string, Record<string, unknown>>; stderr: string }> {
  const child = spawn('setpriv', [...asUser(user, member), process.execPath, CLIENT, ...args], { env: userEnv(user, {}), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', (status) => resolve(status)));
  const steps: Record<string, Record<string, unknown>> = {};
  for (const line of out.split('\n').filter(Boolean)) {
    const parsed = JSON.parse(line) as { step: string } & Record<string, unknown>;
    steps[parsed.step] = parsed;
  }
  return { code, steps, stderr };
}

/** The built `strata` CLI as the test user, left running and watched (serve). */
export function watchCliAs(user: TestUser, member: boolean, env: NodeJS.ProcessEnv, ...args: string[]): Child {
  return watch(spawn('setpriv', [...asUser(user, member), process.execPath, CLI, ...args], { env: userEnv(user, env), stdio: ['pipe', 'pipe', 'pipe'] }));
}

/** The built `strata` CLI as the test user, left running (serve). */
export function spawnCliAs(user: TestUser, member: boolean, env: NodeJS.ProcessEnv, ...args: string[]): ReturnType<typeof spawn> {
  return spawn('setpriv', [...asUser(user, member), process.execPath, CLI, ...args], { env: userEnv(user, env), stdio: ['ignore', 'pipe', 'pipe'] });
}
