// The rootless engine as a normal user meets it: the built CLI run as strata-test (which
// has a subuid/subgid range), in a home of its own. The first command on the `rootless`
// connection starts `strata system service --rootless` in the user's namespaces (its store
// under XDG_DATA_HOME, its socket 0600 under XDG_RUNTIME_DIR); later commands reuse it. A
// busybox image imported as the user runs as uid 0 inside; run, exec, logs, stop and rm
// work, and a running container outlives the engine (the pause process keeps the
// namespaces) and is managed by the next one; the bridge network is refused with what to
// do instead. Idle, the engine exits and ends the pause process; nothing is left behind.
// Needs root (to become the test user), the build and user namespaces.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NO_BRIDGE_REASON } from '../../src-main/engine/network/index';
import { V1_REASON } from '../../src-main/engine/rootless/cgroup-access';
import { type Home, type User, alive, busyboxLayer, cleanUp, cli, findRootlessUser, gone, makeHome, pausePid, servicePid } from './rootless-fixture';

const found = findRootlessUser();
if (typeof found === 'string') console.log(`rootless engine: skipped — ${found}`);

let home: Home;
/** Why containers cannot run here yet (the overlay mount refused), or undefined. */
let noContainers: string | undefined;

const rootless = (...args: string[]) => cli(home, ['--connection', 'rootless', ...args]);

/** The networks the engine offers here: the user-mode ones installed (slirp4netns before pasta, the default first), then host and none. */
const NETWORKS = [...['slirp4netns', 'pasta'].filter((program) => fs.existsSync(`/usr/bin/${program}`)), 'host', 'none'];

/** Skips a container test, saying why, where the store's side of rootless is not there. */
function needContainers(skip: (note?: string) => void): void {
  if (noContainers) {
    console.log(`rootless engine: container test skipped — ${noContainers}`);
    skip(noContainers);
  }
}

/** `text` as a regular expression that matches only itself. */
const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe.skipIf(typeof found === 'string')('the rootless engine, used by a normal user', () => {
  beforeAll(() => {
    home = makeHome(found as User, 'rootless-engine');
    fs.chmodSync(home.work, 0o755);
  });

  afterAll(async () => {
    expect(await cleanUp(home)).toEqual([]);
  });

  it('starts on demand for system info: rootless, uid 0 inside, the store under XDG_DATA_HOME, a 0600 socket', () => {
    const result = rootless('system', 'info', '--json');
    expect(result.stderr).toBe('');
    const info = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(info).toMatchObject({ connection: 'rootless', privilege: 'rootless', rootless: false, uid: 0, storeRoot: home.store, storeSupervisor: true });
    expect(info.storeSupervisorPid).toBe(servicePid(home));
    // what it can do, as the window reads it: the host user whose namespace it is, slirp4netns
    // (its default) and pasta where installed, host and none, and on cgroup v1 no limits or
    // pause, with the reason its refusals give
    expect(info.capabilities).toMatchObject({ containers: { ok: true }, networks: NETWORKS, bridge: { ok: false, reason: NO_BRIDGE_REASON }, hostUser: { uid: home.user.uid, name: home.user.name } });
    if (info.cgroupVersion === 'v1') expect(info.capabilities).toMatchObject({ limits: { ok: false, reason: V1_REASON }, pause: { ok: false, reason: V1_REASON }, statsSource: 'proc' });
    // and the table says the same, the engine's reasons as they are
    const table = rootless('system', 'info').stdout;
    expect(table).toMatch(new RegExp(`bridge\\s+no: ${escape(NO_BRIDGE_REASON)}`));
    expect(table).toMatch(new RegExp(`networks\\s+${NETWORKS.join(', ')}\n`));
    expect(table).toMatch(new RegExp(`hostUser\\s+${home.user.name} \\(uid ${home.user.uid}\\)`));
    if (info.cgroupVersion === 'v1') expect(table).toMatch(new RegExp(`pause\\s+no: ${escape(V1_REASON)}`));
    const socket = fs.statSync(path.join(home.runtimeDir, 'strata.sock'));
    expect({ socket: socket.isSocket(), uid: socket.uid, mode: socket.mode & 0o777 }).toEqual({ socket: true, uid: home.user.uid, mode: 0o600 });
    expect(fs.statSync(home.runtimeDir).mode & 0o777).toBe(0o700);
    expect(alive(pausePid(home)!)).toBe(true);
  });

  it('is reused by the next command, and is the default connection of a user with a subuid range', () => {
    const engine = servicePid(home);
    const listed = cli(home, ['system', 'connections', '--json']);
    const rows = JSON.parse(listed.stdout) as { name: string; default: boolean; reachable: string }[];
    expect(rows.find((row) => row.name === 'rootless')).toMatchObject({ default: true, reachable: expect.stringMatching(/^yes \(Strata .*, store .*home\/data\/strata\)$/) });
    const info = JSON.parse(cli(home, ['system', 'info', '--json']).stdout) as { connection: string; storeSupervisorPid: number };
    expect(info).toMatchObject({ connection: 'rootless', storeSupervisorPid: engine });
    const log = fs.readFileSync(path.join(home.runtimeDir, 'service.log'), 'utf8');
    expect(log.match(/listening on/g)).toHaveLength(1);
  });

  it('imports busybox as the user, its files owned by the user on the host', () => {
    const imported = rootless('import', '-t', 'busybox:1', busyboxLayer(home));
    expect(imported.stderr).toBe('');
    expect(imported.status).toBe(0);
    const busybox = fs.readdirSync(path.join(home.store, 'layers')).map((dir) => path.join(home.store, 'layers', dir, 'diff', 'bin', 'busybox')).find((file) => fs.existsSync(file))!;
    expect(fs.statSync(busybox).uid).toBe(home.user.uid); // uid 0 of the image is the user
    // Whether this tree's store can mount a container's overlay in the user namespace yet.
    const probe = rootless('run', '--rm', '--network', 'none', 'busybox:1', 'true');
    if (probe.status !== 0 && /mount|EPERM|EINVAL/.test(probe.stderr)) {
      noContainers = `the rootless store cannot mount a container's overlay in the user namespace yet (issue 19's storage side): ${probe.stderr.trim()}`;
    }
  });

  it('runs a container as uid 0 of the user namespace: run --rm --network none busybox echo hi', ({ skip }) => {
    needContainers(skip);
    const hi = rootless('run', '--rm', '--network', 'none', 'busybox:1', 'echo', 'hi');
    expect(hi.stderr).toBe('');
    expect(hi.stdout).toBe('hi\n');
    const id = rootless('run', '--rm', '--network', 'none', 'busybox:1', 'sh', '-c', 'id; cat /proc/self/uid_map');
    expect(id.stdout).toMatch(/^uid=0\(root\) gid=0\(root\)/);
    expect(id.stdout).toMatch(new RegExp(`^\\s+0\\s+${home.user.uid}\\s+1$`, 'm'));
  });

  it('refuses the bridge network, saying what works, and runs on the host network', ({ skip }) => {
    needContainers(skip);
    // (its default network, slirp4netns, is rootless-network.test.ts's)
    const bridge = rootless('run', '--rm', '--network', 'bridge', 'busybox:1', 'true');
    expect(bridge.status).toBe(1);
    expect(bridge.stderr).toContain('the rootless engine has no bridge network');
    expect(bridge.stderr).toContain('--network none');
    expect(bridge.stderr).toContain('[UNSUPPORTED]');
    expect(rootless('ps', '-a', '-q').stdout).toBe(''); // refused before anything was made
    const host = rootless('run', '--rm', '--network', 'host', 'busybox:1', 'sh', '-c', 'ls /sys/class/net');
    expect(host.stdout).toContain('lo\n');
  });

  it('runs, execs, logs, and keeps a container across a restart of the engine, then stops and removes it', async ({ skip }) => {
    needContainers(skip);
    const started = rootless('run', '-d', '--name', 'keeper', '--network', 'none', 'busybox:1', 'sh', '-c', 'echo started; while true; do sleep 1; done');
    expect(started.stderr).toBe('');
    expect(rootless('exec', 'keeper', 'sh', '-c', 'echo in-exec $(id -u)').stdout).toBe('in-exec 0\n');
    expect(rootless('logs', 'keeper').stdout).toBe('started\n');
    // The engine goes (as a crash or an idle exit would); the pause process and the container stay.
    const engine = servicePid(home)!;
    const pause = pausePid(home)!;
    process.kill(engine, 'SIGTERM');
    expect(await gone(engine)).toBe(true);
    expect(alive(pause)).toBe(true);
    // The next command starts a new engine in the same namespaces, which manages the container.
    const listed = rootless('ps', '--json');
    expect(servicePid(home)).not.toBe(engine);
    expect(pausePid(home)).toBe(pause);
    expect(JSON.parse(listed.stdout)).toMatchObject([{ name: 'keeper', state: { status: 'running' } }]);
    expect(rootless('exec', 'keeper', 'echo', 'after').stdout).toBe('after\n');
    expect(rootless('stop', '-t', '1', 'keeper').status).toBe(0);
    expect(rootless('rm', 'keeper').status).toBe(0);
    expect(rootless('ps', '-a', '-q').stdout).toBe('');
    // Nothing of the container is mounted in the user's mount namespace any more.
    expect(fs.readFileSync(`/proc/${pause}/mountinfo`, 'utf8')).not.toContain(path.join(home.store, 'containers'));
  });

  it('exits when idle, and then ends the pause process: no engine, no namespaces, no socket', async () => {
    const engine = servicePid(home)!;
    process.kill(engine, 'SIGTERM');
    expect(await gone(engine)).toBe(true);
    // a new engine told to count one second as idle
    const info = cli(home, ['--connection', 'rootless', 'system', 'info', '--json'], { STRATA_ROOTLESS_IDLE_SECONDS: '1' });
    const idler = JSON.parse(info.stdout) as { storeSupervisorPid: number };
    const pause = pausePid(home)!;
    expect(await gone(idler.storeSupervisorPid, 30_000)).toBe(true);
    expect(await gone(pause)).toBe(true);
    expect(fs.existsSync(path.join(home.runtimeDir, 'strata.sock'))).toBe(false);
    expect(fs.existsSync(path.join(home.runtimeDir, 'pause.pid'))).toBe(false);
    expect(fs.readFileSync(path.join(home.runtimeDir, 'service.log'), 'utf8')).toMatch(/idle for 1 s, exiting\n.*\n.*the pause process ended/);
  });
});
