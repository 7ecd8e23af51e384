// What the rootless tests share: the unprivileged test user (strata-test, with a subuid and
// subgid range, made by .ci/run), a home of its own in a temporary directory (HOME,
// XDG_DATA_HOME, XDG_RUNTIME_DIR: the store and the engine's socket go there, not in the
// real user's), the built CLI run as that user (setpriv, from root), and the clean-up that
// leaves nothing: the engine stopped, the pause process ended, the home removed.
import { type SpawnSyncReturns, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { colonEntries } from '../../src-main/connections/access-denied';
import { hasSubordinateIds } from '../../src-main/connections/connection';
import { APPLETS, BUSYBOX, makeLayer, makeTempDir, write } from '../helpers/test-images';

export const TEST_USER = 'strata-test';
export const CLI = path.resolve('bin/strata.js');
/** By path: a test may give the user a PATH without it. */
export const SETPRIV = '/usr/bin/setpriv';
export const RUNTIME = path.resolve('native/build/Release/strata-runtime');

export interface User {
  name: string;
  uid: number;
  gid: number;
}

/** A user by name from /etc/passwd. */
export function userNamed(name: string): User | undefined {
  const entry = colonEntries('/etc/passwd').find((fields) => fields[0] === name);
  return entry ? { name, uid: Number(entry[2]), gid: Number(entry[3]) } : undefined;
}

/** The test user, or why the rootless tests cannot run here. */
export function findRootlessUser(): User | string {
  if (process.getuid?.() !== 0) return 'the tests switch to the test user with setpriv: run them as root';
  if (!fs.existsSync(RUNTIME) || !fs.existsSync('out/main/cli.js')) return 'not built: npm run build';
  const user = userNamed(TEST_USER);
  if (!user) return `no user ${TEST_USER}: .ci/run creates it`;
  if (!hasSubordinateIds(user.uid)) return `${TEST_USER} has no /etc/subuid and /etc/subgid range: .ci/run adds one (usermod --add-subuids 200000-265535 --add-subgids 200000-265535 ${TEST_USER})`;
  if (!fs.existsSync('/usr/bin/newuidmap')) return 'newuidmap is missing: apt install uidmap';
  if (Number(fs.readFileSync('/proc/sys/user/max_user_namespaces', 'utf8')) === 0) return 'user namespaces are disabled on this host (user.max_user_namespaces = 0)';
  return user;
}

export interface Home {
  user: User;
  /** The temporary directory (root's; 0755). */
  work: string;
  home: string;
  env: NodeJS.ProcessEnv;
  runtimeDir: string;
  store: string;
}

/** A home for `user` in a new temporary directory: HOME, XDG_DATA_HOME and XDG_RUNTIME_DIR (0700) there, theirs. */
export function makeHome(user: User, label: string): Home {
  const work = makeTempDir(label);
  fs.chmodSync(work, 0o755);
  const home = path.join(work, 'home');
  const xdgRuntime = path.join(work, 'xdg-run');
  for (const dir of [home, xdgRuntime]) {
    fs.mkdirSync(dir, { mode: 0o700 });
    fs.chownSync(dir, user.uid, user.gid);
  }
  const env: NodeJS.ProcessEnv = {
    PATH: '/usr/local/bin:/usr/bin:/bin',
    HOME: home,
    USER: user.name,
    LOGNAME: user.name,
    XDG_DATA_HOME: path.join(home, 'data'),
    XDG_RUNTIME_DIR: xdgRuntime,
    // never the machine's system engine, even when one runs
    STRATA_SYSTEM_SOCKET: path.join(work, 'no-system.sock'),
  };
  return { user, work, home, env, runtimeDir: path.join(xdgRuntime, 'strata'), store: path.join(home, 'data', 'strata') };
}

/** setpriv's arguments to become `user` (its own groups). */
export function asUser(user: User): string[] {
  return ['--reuid', String(user.uid), '--regid', String(user.gid), '--init-groups'];
}

/** The built CLI as the home's user; waits for it. */
export function cli(home: Home, args: string[], env: NodeJS.ProcessEnv = {}, input?: string): SpawnSyncReturns<string> {
  return spawnSync(SETPRIV, [...asUser(home.user), process.execPath, CLI, ...args], { env: { ...home.env, ...env }, encoding: 'utf8', timeout: 120_000, input, cwd: home.work });
}

/**
 * The built CLI as the home's user, without blocking this process: for a test whose
 * container talks to a server the test itself runs (spawnSync would stall its event loop).
 */
export function cliAsync(home: Home, args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(SETPRIV, [...asUser(home.user), process.execPath, CLI, ...args], { env: home.env, cwd: home.work, stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.once('error', reject);
    child.once('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** Whether a process lives (and is not a zombie). */
export function alive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/\) Z /.test(stat);
  } catch {
    return false;
  }
}

/**
 * Every live process of `program` (slirp4netns, pasta, fuse-overlayfs) with this home's
 * paths among its arguments, found by /proc: a test that stops and removes containers
 * leaves none.
 */
export function programsOfHome(home: Home, program: string): number[] {
  return fs
    .readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        const argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
        return path.basename(argv[0] ?? '') === program && argv.some((arg) => arg.includes(home.work)) && alive(Number(pid));
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** A non-loopback IPv4 address of the host, for the user-mode networks' outbound tests (their host loopback is closed). */
export const HOST_ADDRESS: string | undefined = Object.values(os.networkInterfaces())
  .flat()
  .find((entry) => entry && entry.family === 'IPv4' && !entry.internal)?.address;

/** A container as `ps -a --json` lists it on the home's rootless engine. */
export interface ListedContainer {
  id: string;
  name: string;
  state: { status: string; pid?: number; network?: { address: string; ports: { hostIp: string; hostPort: number; containerPort: number }[] } };
}

/** The container named `name` on the home's rootless engine (the listing must succeed). */
export function listedContainer(home: Home, name: string): ListedContainer {
  const listing = cli(home, ['--connection', 'rootless', 'ps', '-a', '--json']);
  if (listing.status !== 0) throw new Error(`strata ps failed (${listing.status}): ${listing.stderr}`);
  return (JSON.parse(listing.stdout) as ListedContainer[]).find((row) => row.name === name)!;
}

export function pausePid(home: Home): number | undefined {
  try {
    return Number(fs.readFileSync(path.join(home.runtimeDir, 'pause.pid'), 'utf8'));
  } catch {
    return undefined;
  }
}

/** The pid of the engine listening for this home (from its log's last "listening" line). */
export function servicePid(home: Home): number | undefined {
  try {
    const found = [...fs.readFileSync(path.join(home.runtimeDir, 'service.log'), 'utf8').matchAll(/listening on .* \(pid (\d+)\)/g)].pop();
    return found ? Number(found[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** Waits (bounded) until `pid` is gone. */
export async function gone(pid: number | undefined, ms = 10_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (pid !== undefined && alive(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}

/**
 * Everything of the home's engine gone: its containers removed (as the user), the engine
 * stopped (SIGTERM), the pause process ended, the home removed — and each checked.
 */
export async function cleanUp(home: Home | undefined): Promise<string[]> {
  if (!home) return [];
  const left: string[] = [];
  const engine = servicePid(home);
  if (engine !== undefined && alive(engine)) {
    cli(home, ['--connection', 'rootless', 'rm', '-f', ...cli(home, ['--connection', 'rootless', 'ps', '-a', '-q']).stdout.split('\n').filter(Boolean)]);
    process.kill(engine, 'SIGTERM');
    if (!(await gone(engine))) left.push(`engine ${engine}`);
  }
  const pause = pausePid(home);
  spawnSync(SETPRIV, [...asUser(home.user), RUNTIME, 'rootless-stop', '--state-dir', home.runtimeDir], { env: home.env });
  if (!(await gone(pause))) left.push(`pause process ${pause}`);
  fs.rmSync(home.work, { recursive: true, force: true });
  return left;
}

/**
 * A busybox layer tar in the home's work directory, readable by the user: busybox and its
 * applets, root in passwd and group, /tmp, and any `extra` files (path → content).
 */
export function busyboxLayer(home: Home, extra: Record<string, string> = {}): string {
  const layer = makeLayer(home.work, 'busybox', (root) => {
    write(root, 'bin/busybox', fs.readFileSync(BUSYBOX), 0o755);
    for (const applet of APPLETS) fs.symlinkSync('busybox', path.join(root, 'bin', applet));
    write(root, 'etc/passwd', 'root:x:0:0:root:/root:/bin/sh\n');
    write(root, 'etc/group', 'root:x:0:\n');
    for (const [file, content] of Object.entries(extra)) write(root, file, content);
    fs.mkdirSync(path.join(root, 'tmp'), { mode: 0o1777 });
  });
  fs.chmodSync(layer.tar, 0o644);
  return layer.tar;
}

/** Namespace files of the home's containers still mounted in its engine's mount namespace (the pause process's). */
export function netnsMountsOfHome(home: Home): string[] {
  const pause = pausePid(home);
  if (pause === undefined || !alive(pause)) return [];
  return fs
    .readFileSync(`/proc/${pause}/mountinfo`, 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4] ?? '')
    .filter((point) => point.startsWith(home.store) && point.endsWith('/netns'));
}

/** GETs a page, retrying while the server inside is not listening yet (bounded). */
export async function fetchPage(url: string): Promise<string> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      const response = await fetch(url);
      return await response.text();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}
