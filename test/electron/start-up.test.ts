// The Electron shell, launched without Electron: the *built* main bundle (out/main/index.js)
// runs under plain Node with a fake `electron` (fake-electron/), one scenario per process,
// over a real engine on a temporary store. The fake throws where Electron would (windows,
// menus, the tray, sessions and protocol handlers before ready; privileged schemes and
// enableSandbox after it; a second ipcMain handler), so a wrong start-up order fails here.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IPC_CHANNELS } from '@shared/api/protocol';
import { makeTempDir } from '../helpers/test-images';
import { type Child } from '../engine/store/store-fixture';
import { type TestUser, findTestUser, openDir, startService, stopService } from '../system/system-fixture';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const FAKE = path.join(REPO, 'test', 'electron', 'fake-electron');
const BUILT = path.join(REPO, 'out', 'main', 'index.js');
const work = makeTempDir('electron-start-up');
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

interface Run {
  code: number | null;
  calls: string[];
  result: Record<string, unknown> & { error?: string };
  stderr: string;
}

let runs = 0;
/** Runs one scenario of fake-electron/run-main.mjs in a process of its own. */
function run(scenario: string, options: { uid?: number; argv?: string[]; env?: NodeJS.ProcessEnv } = {}): Run {
  if (!fs.existsSync(BUILT)) throw new Error(`${BUILT} is missing: run \`npm run build\` first (these tests run the built bundle)`);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    STRATA_ROOT: path.join(work, `store-${++runs}`),
    FAKE_ELECTRON_APP_PATH: REPO,
    FAKE_ELECTRON_USER_DATA: path.join(work, `profile-${runs}`),
    FAKE_ARGV: JSON.stringify(options.argv ?? ['--no-sandbox']),
    ...options.env,
  };
  if (options.uid !== undefined) env.FAKE_UID = String(options.uid);
  const child = spawnSync(process.execPath, ['--import', './register.mjs', 'run-main.mjs', scenario], { cwd: FAKE, env, encoding: 'utf8', timeout: 120_000 });
  const line = child.stdout.split('\n').find((l) => l.startsWith('FAKE_ELECTRON_RESULT '));
  if (!line) throw new Error(`scenario ${scenario} printed no result (exit ${child.status}):\n${child.stdout}\n${child.stderr}`);
  const parsed = JSON.parse(line.slice('FAKE_ELECTRON_RESULT '.length)) as Omit<Run, 'stderr'>;
  if (parsed.result.error) throw new Error(`scenario ${scenario} failed: ${parsed.result.error}\n${child.stderr}`);
  return { ...parsed, stderr: child.stderr };
}

describe('start-up order', () => {
  it('registers app:// before ready, takes the lock, then builds menu, tray and window after ready, loading app://', () => {
    const { code, calls, result } = run('start');
    expect(code).toBe(0);
    const at = (call: string) => calls.findIndex((c) => c === call || c.startsWith(`${call} `));
    expect(at('protocol.registerSchemesAsPrivileged')).toBeGreaterThanOrEqual(0);
    expect(at('protocol.registerSchemesAsPrivileged')).toBeLessThan(at('ready:ready'));
    expect(at('app.requestSingleInstanceLock')).toBeLessThan(at('ready:ready'));
    expect(at('ready:protocol.handle')).toBeLessThan(at('ready:new BrowserWindow'));
    expect(calls).toContain('ready:new BrowserWindow sandboxed');
    expect(calls).toContain('ready:loadURL app://strata/index.html');
    expect(calls.some((c) => c.startsWith('ready:loadFile') || c.includes('file://'))).toBe(false);
    expect(result.privilegedSchemes).toEqual([{ scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
    expect(result.webPreferences).toMatchObject({ sandbox: true, contextIsolation: true, nodeIntegration: false, webviewTag: false });
    // The handler serves the built page with the CSP header, and nothing outside out/renderer.
    expect(result.appUrlResponse).toMatchObject({ status: 200, type: 'text/html; charset=utf-8' });
    expect((result.appUrlResponse as { csp: string }).csp).toContain("script-src 'self'");
    expect(result.escapeResponse).toMatchObject({ status: 404 });
  });
});

describe('the sandbox switches', () => {
  it('as root without --no-sandbox on the command line: refuses with a message and exit 1, before anything starts', () => {
    const { code, calls, stderr } = run('start', { argv: [] });
    expect(code).toBe(1);
    expect(stderr).toMatch(/refusing to start as root without --no-sandbox.*start:root/);
    expect(calls).toEqual(['app.exit 1']);
  });

  it('as root with --no-sandbox: never enableSandbox() (it would drop the switch), never appendSwitch', () => {
    const { code, calls } = run('start', { argv: ['--no-sandbox'] });
    expect(code).toBe(0);
    expect(calls.filter((c) => c.includes('enableSandbox') || c.includes('appendSwitch'))).toEqual([]);
    expect(calls).toContain('ready:new BrowserWindow sandboxed');
  });

  it('as a normal user: enableSandbox() before ready, and no --no-sandbox even when given', () => {
    const { code, calls } = run('start', { uid: 1000, argv: ['--no-sandbox'] });
    expect(code).toBe(0);
    expect(calls.indexOf('app.enableSandbox')).toBeGreaterThanOrEqual(0);
    expect(calls.indexOf('app.enableSandbox')).toBeLessThan(calls.indexOf('ready:ready'));
    expect(calls.filter((c) => c.includes('appendSwitch'))).toEqual([]);
  });
});

describe('IPC', () => {
  it('every channel the preload uses has a handler, and every handler refuses a foreign sender', () => {
    const { result } = run('ipc');
    const preload = fs.readFileSync(path.join(REPO, 'src-main', 'electron', 'preload.ts'), 'utf8');
    const used = Object.entries(IPC_CHANNELS)
      .filter(([key]) => preload.includes(`IPC_CHANNELS.${key}`))
      .map(([, channel]) => channel)
      .filter((channel) => channel !== IPC_CHANNELS.event); // main → renderer only
    expect(used.length).toBeGreaterThanOrEqual(5);
    // Calls have a handler; the one message without an answer (which events the preload took) a listener.
    expect([...(result.channels as string[]), ...(result.listened as string[])].sort()).toEqual([...used].sort());
    expect(result.listened).toEqual([IPC_CHANNELS.eventsTaken]);
    const foreign = result.foreign as Record<string, Record<string, { value?: { error?: { code: string } }; rejected?: string }>>;
    for (const channel of result.channels as string[]) {
      for (const [who, answer] of Object.entries(foreign[channel]!)) {
        const refused = answer.rejected !== undefined || answer.value?.error?.code === 'UNSUPPORTED';
        expect(refused, `${channel} from ${who}: ${JSON.stringify(answer)}`).toBe(true);
      }
    }
    // The window itself is answered, by the real engine.
    expect(result.own).toMatchObject({ value: { result: { uid: 0 } } });
  });

  it('a closed window takes its handlers with it, and a new window gets them again (no "second handler")', () => {
    const { code, result } = run('reopen');
    expect(code).toBe(0);
    expect(result.afterClose).toEqual([]);
    expect(result.afterReopen).toHaveLength(4);
    expect(result.afterReopenListened).toEqual([IPC_CHANNELS.eventsTaken]);
    expect(result.newWindow).toMatchObject({ value: { result: { uid: 0 } } });
    expect(result.oldWindow).toMatchObject({ value: { error: { code: 'UNSUPPORTED' } } });
  });
});

describe('quitting', () => {
  it('before-quit closes the API before the app exits: a running pull is cancelled (its connection closed)', () => {
    const { code, calls, result } = run('quit');
    expect(code).toBe(0);
    expect(result.pull).toMatchObject({ value: { result: { kind: 'images.pull', state: 'running' } } });
    expect(result.events).toEqual(['registry: connected', 'registry: closed']);
    // The first quit waited (prevented) for the API, then quit for real.
    expect(calls.indexOf('ready:before-quit prevented')).toBeLessThan(calls.indexOf('ready:app.exited'));
  });
});

describe('failures the user must see', () => {
  it('a failed load or a dead renderer shows the window and a dialog; a timer rejection is logged; the Help menu opens the store', () => {
    const { code, calls, result, stderr } = run('failures');
    expect(code).toBe(0);
    expect(result.afterAbort).toBe(0); // a cancelled load (ERR_ABORTED) is not a failure
    expect(calls).toContain('ready:dialog.showMessageBox The window could not load');
    expect(calls).toContain('ready:dialog.showMessageBox The window stopped');
    expect(calls.filter((c) => c === 'ready:window.show').length).toBeGreaterThanOrEqual(1);
    expect(result.survivedRejection).toBe(true);
    expect(stderr).toContain('unhandled rejection in the main process: Error: a timer failed');
    // The engine's store, not Electron's profile.
    const opened = calls.find((c) => c.startsWith('ready:shell.openPath '));
    expect(opened).toMatch(/store-\d+$/);
  });

  it('the tray menu is built once, not on every tick (a rebuild closes an open menu)', () => {
    const { result } = run('tray');
    expect(result.trayTimer).toBe(true);
    expect(result.menus).toEqual(['ready:tray.setContextMenu 0 containers running']);
  });
});

/** The same scenario run as the real test user (setpriv): optionally a member of group strata. */
function runAs(user: TestUser, member: boolean, scenario: string, env: NodeJS.ProcessEnv): Run {
  const home = openDir(path.join(work, `user-${++runs}`));
  fs.chownSync(home, user.uid, user.gid);
  const groups = member ? ['--groups', String(user.strataGid)] : ['--init-groups'];
  const child = spawnSync('setpriv', ['--reuid', String(user.uid), '--regid', String(user.gid), ...groups, process.execPath, '--import', './register.mjs', 'run-main.mjs', scenario], {
    cwd: FAKE,
    env: { PATH: process.env.PATH, HOME: home, STRATA_ROOT: path.join(home, 'store'), FAKE_ELECTRON_APP_PATH: REPO, FAKE_ELECTRON_USER_DATA: path.join(home, 'profile'), FAKE_ARGV: '[]', ...env },
    encoding: 'utf8',
    timeout: 120_000,
  });
  const line = child.stdout.split('\n').find((l) => l.startsWith('FAKE_ELECTRON_RESULT '));
  if (!line) throw new Error(`scenario ${scenario} printed no result (exit ${child.status}):\n${child.stdout}\n${child.stderr}`);
  const parsed = JSON.parse(line.slice('FAKE_ELECTRON_RESULT '.length)) as Omit<Run, 'stderr'>;
  if (parsed.result.error) throw new Error(`scenario ${scenario} failed: ${parsed.result.error}\n${child.stderr}`);
  return { ...parsed, stderr: child.stderr };
}

const user = findTestUser();
if (typeof user === 'string') console.log(`start-up as a normal user: skipped — ${user}`);

describe.skipIf(typeof user === 'string')('the window as a normal user, with the system engine present or absent', () => {
  let service: Child | undefined;
  let socketPath: string;
  let serviceStore: string;

  beforeAllService();

  function beforeAllService(): void {
    beforeAll(async () => {
      openDir(work); // the test user must reach its own directories and the socket below it
      const dir = openDir(path.join(work, 'service'));
      socketPath = path.join(openDir(path.join(dir, 'run')), 'strata.sock');
      serviceStore = path.join(dir, 'store');
      service = await startService(serviceStore, socketPath);
    }, 60_000);
    afterAll(() => stopService(service));
  }

  it('a member, with the service there: the sandbox on, the window on the system engine (root, its store), offered the engine in the app too', () => {
    const { code, calls, result } = runAs(user as TestUser, true, 'connection', { STRATA_SYSTEM_SOCKET: socketPath });
    expect(code).toBe(0);
    expect(calls).toContain('app.enableSandbox');
    expect(calls.filter((c) => c.includes('no-sandbox'))).toEqual([]);
    expect(result.info).toMatchObject({ value: { result: { name: 'system', kind: 'socket', address: socketPath, state: 'connected', switchable: true } } });
    expect(result.system).toMatchObject({ value: { result: { uid: 0, rootless: false, storeRoot: serviceStore } } });
    expect(result.containers).toMatchObject({ value: { result: [] } });
  });

  it('switching to the engine in the app re-serves and reloads the window, which then reads that engine', () => {
    const { result } = runAs(user as TestUser, true, 'connection', { STRATA_SYSTEM_SOCKET: socketPath, FAKE_SWITCH_TO: 'local' });
    expect(result.switched).toMatchObject({ value: { result: { name: 'local', state: 'connected' } } });
    expect(result.reloads).toBe(1);
    expect(result.afterSwitch).toMatchObject({ value: { result: { uid: (user as TestUser).uid, rootless: true } } });
  });

  it('not a member: the window says the system engine refused it and how to join', () => {
    const { result } = runAs(user as TestUser, false, 'connection', { STRATA_SYSTEM_SOCKET: socketPath, STRATA_CONNECTION: 'system' });
    const info = (result.info as { value: { result: { state: string; detail: string } } }).value.result;
    expect(info.state).toBe('refused');
    expect(info.detail).toContain(`sudo usermod -aG strata ${(user as TestUser).name}`);
    expect(result.system).toMatchObject({ value: { error: { code: 'PERMISSION_DENIED' } } });
  });

  it('no service: the window runs the engine in the app (images only), the system and rootless engines listed as not running', () => {
    // chosen, not the default: a user with a subuid range (as the test user) defaults to the rootless engine (test/rootless/)
    const { code, result } = runAs(user as TestUser, false, 'connection', { STRATA_SYSTEM_SOCKET: path.join(work, 'nothing-here.sock'), STRATA_CONNECTION: 'local', XDG_RUNTIME_DIR: path.join(work, 'no-xdg-run') });
    expect(code).toBe(0);
    const info = (result.info as { value: { result: { name: string; available: { name: string; state: string }[]; canInstallSystem: boolean } } }).value.result;
    expect(info.name).toBe('local');
    expect(info.available).toEqual([
      expect.objectContaining({ name: 'local', state: 'connected' }),
      expect.objectContaining({ name: 'system', state: 'unreachable' }),
      expect.objectContaining({ name: 'rootless', state: 'unreachable' }),
    ]);
    expect(info.canInstallSystem).toBe(fs.existsSync('/usr/bin/pkexec') || fs.existsSync('/bin/pkexec'));
    expect(result.system).toMatchObject({ value: { result: { uid: (user as TestUser).uid, rootless: true } } });
  });
});

describe.skipIf(typeof user === 'string')('"Install the system engine" from the window', () => {
  /** A system tree for `strata system install` (STRATA_SYSTEM_PREFIX) that knows the test user. */
  function systemTree(name: string): string {
    const prefix = path.join(work, name);
    fs.mkdirSync(path.join(prefix, 'etc'), { recursive: true });
    const testUser = user as TestUser;
    const write = (file: string, text: string) => fs.writeFileSync(path.join(prefix, 'etc', file), text);
    write('passwd', `root:x:0:0:root:/root:/bin/sh\n${testUser.name}:x:${testUser.uid}:${testUser.gid}::/home/${testUser.name}:/bin/sh\n`);
    write('group', `root:x:0:\n${testUser.name}:x:${testUser.gid}:\n`);
    write('shadow', `root:*:1:0:99999:7:::\n${testUser.name}:!:1:0:99999:7:::\n`);
    write('gshadow', `root:*::\n${testUser.name}:!::\n`);
    return prefix;
  }

  function install(answer: 'dismiss' | 'install'): { result: Run['result']; asked: string[]; prefix: string } {
    const prefix = systemTree(`pkexec-${answer}`);
    const log = path.join(work, `pkexec-${answer}.log`);
    const socket = path.join(openDir(path.join(work, `pkexec-${answer}-run`)), 'strata.sock');
    try {
      const { result } = run('install', {
        uid: (user as TestUser).uid,
        argv: [],
        env: {
          // the engine in the app to start from (the test user's default would be its rootless engine)
          STRATA_CONNECTION: 'local',
          STRATA_PKEXEC: path.join(FAKE, 'fake-pkexec.sh'),
          STRATA_SYSTEM_SOCKET: socket,
          STRATA_SYSTEM_PREFIX: prefix,
          FAKE_PKEXEC_ANSWER: answer,
          FAKE_PKEXEC_LOG: log,
          FAKE_PKEXEC_UID: String((user as TestUser).uid),
          FAKE_PKEXEC_NODE: process.execPath,
          FAKE_PKEXEC_CLI: path.join(REPO, 'bin', 'strata.js'),
          FAKE_PKEXEC_STORE: path.join(work, `pkexec-${answer}-store`),
        },
      });
      return { result, asked: fs.readFileSync(log, 'utf8').trim().split('\n'), prefix };
    } finally {
      if (fs.existsSync(`${log}.pid`)) process.kill(Number(fs.readFileSync(`${log}.pid`, 'utf8')), 'SIGTERM');
    }
  }

  it('offers it where the system engine is absent; a dismissed password prompt says so and changes nothing', () => {
    const { result, asked } = install('dismiss');
    expect(result.before).toMatchObject({ value: { result: { name: 'local', canInstallSystem: true } } });
    expect(asked).toEqual(['env', 'ELECTRON_RUN_AS_NODE=1', process.execPath, path.join(REPO, 'bin', 'strata.js'), 'system', 'install']);
    expect(result.installed).toMatchObject({ value: { error: { code: 'CANCELLED', message: expect.stringMatching(/password prompt was dismissed/) } } });
    expect(result.after).toMatchObject({ value: { result: { name: 'local' } } });
  });

  it('installs through pkexec as root — the invoking user (PKEXEC_UID) joins group strata — and the window moves to the system engine', () => {
    const { result, prefix } = install('install');
    expect(result.installed).toMatchObject({ value: { result: { name: 'system', state: 'connected' } } });
    expect(result.after).toMatchObject({ value: { result: { name: 'system', state: 'connected', canInstallSystem: false } } });
    expect(fs.readFileSync(path.join(prefix, 'etc', 'group'), 'utf8')).toMatch(new RegExp(`^strata:x:\\d+:${(user as TestUser).name}$`, 'm'));
    expect(fs.readFileSync(path.join(prefix, 'etc/systemd/system/strata.service'), 'utf8')).toContain('Environment=ELECTRON_RUN_AS_NODE=1');
  });
});
