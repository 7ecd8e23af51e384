// Benchmark: the rootless engine against rootless podman, as the same normal user (issue 19).
// `strata --connection rootless run --rm --network none IMAGE true` against `podman run --rm
// --network none IMAGE true`, whole process, paired (A B A B …), the same busybox rootfs
// imported into both stores by the user. Podman gets runc and cgroupfs: crun refuses this
// host's hybrid cgroups, and a user without a systemd session has no systemd cgroup. The
// user is strata-test (made by .ci/run) or $STRATA_BENCH_USER; it needs a subuid range.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pairedTimes, spreadText } from './timing.js';
import { makeBundle, which } from './runtime.js';

const STRATA = path.resolve('bin/strata.js');
const RUNTIME = path.resolve('native/build/Release/strata-runtime');
const IMAGE = 'bench/busybox:1';

/** The user's uid and gid, or why it cannot be used. */
function benchUser(name) {
  const entry = fs
    .readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .map((line) => line.split(':'))
    .find((fields) => fields[0] === name);
  if (!entry) return `no user ${name} (.ci/run makes strata-test; or set STRATA_BENCH_USER)`;
  const ranged = (file) => fs.existsSync(file) && fs.readFileSync(file, 'utf8').split('\n').some((line) => line.startsWith(`${name}:`));
  if (!ranged('/etc/subuid') || !ranged('/etc/subgid')) return `${name} has no range in /etc/subuid and /etc/subgid`;
  return { name, uid: Number(entry[2]), gid: Number(entry[3]) };
}

/** A command as the user, with only the environment given (setpriv, then env -i). */
function asUser(user, env, command) {
  const pairs = Object.entries(env).map(([key, value]) => `${key}=${value}`);
  return ['setpriv', '--reuid', String(user.uid), '--regid', String(user.gid), '--init-groups', '/usr/bin/env', '-i', ...pairs, ...command];
}

function run([command, ...args], what) {
  const result = spawnSync(command, args, { encoding: 'utf8', cwd: '/' });
  if (result.status !== 0) throw new Error(`${what} failed (${result.status}): ${result.stderr}`);
  return result.stdout;
}

export function benchRootless({ work, runs }) {
  const count = Math.max(10, runs * 10);
  const rows = [];
  const result = { name: 'rootless', samples: {}, rows };
  const what = `rootless run --rm IMAGE true, --network none, as a normal user, whole process (median of ${count} pairs)`;
  const user = benchUser(process.env.STRATA_BENCH_USER ?? 'strata-test');
  const podman = which('podman');
  const missing = typeof user === 'string' ? user : !podman ? 'podman is not installed (apt-get install podman)' : undefined;
  if (missing) {
    rows.push({ id: 'rootless.run-none', what, strata: 'n/a', peer: 'n/a', peerName: `rootless podman (${missing})`, ratio: 'n/a', target: '≤ 1' });
    return result;
  }

  // A home of the user's own, under a directory anyone may traverse.
  const base = path.join(work, 'rootless');
  fs.rmSync(base, { recursive: true, force: true });
  fs.mkdirSync(base, { recursive: true, mode: 0o755 });
  fs.chmodSync(base, 0o755);
  const home = path.join(base, 'home');
  const runtimeDir = path.join(base, 'run');
  for (const dir of [home, runtimeDir]) {
    fs.mkdirSync(dir, { mode: 0o700 });
    fs.chownSync(dir, user.uid, user.gid);
  }
  const env = {
    PATH: '/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin',
    HOME: home,
    USER: user.name,
    LOGNAME: user.name,
    XDG_DATA_HOME: path.join(home, 'data'),
    XDG_RUNTIME_DIR: runtimeDir,
    STRATA_SYSTEM_SOCKET: path.join(base, 'no-system.sock'), // never a system engine that runs here
  };
  const strata = (...args) => asUser(user, env, [process.execPath, STRATA, '--connection', 'rootless', ...args]);
  const podmanAs = (...args) => asUser(user, env, [podman, '--runtime', 'runc', '--cgroup-manager', 'cgroupfs', ...args]);

  const rootfs = makeBundle(path.join(base, 'bundle'));
  const tar = path.join(base, 'busybox-rootfs.tar');
  execFileSync('tar', ['--numeric-owner', '-C', path.join(rootfs, 'rootfs'), '-cf', tar, '.']);
  fs.chmodSync(tar, 0o644);
  try {
    run(strata('import', tar, '--change', 'CMD ["/bin/sh"]', '-t', IMAGE), 'strata import (rootless)');
    run(podmanAs('import', '--change', 'CMD ["/bin/sh"]', tar, IMAGE), 'podman import (rootless)');
    // Podman's defaults ask for more open files and processes than this sandbox allows.
    const paired = pairedTimes(
      strata('run', '--rm', '--network', 'none', IMAGE, '/bin/true'),
      podmanAs('run', '--rm', '--network', 'none', '--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1024:1024', IMAGE, '/bin/true'),
      count,
    );
    result.samples.runNone = paired.samples;
    rows.push({
      id: 'rootless.run-none',
      what,
      strata: spreadText(paired.a),
      peer: spreadText(paired.b),
      peerName: 'rootless podman run --rm --network none (runc, cgroupfs)',
      ratio: spreadText(paired.ratio, (value) => value.toFixed(2)),
      target: '≤ 1',
    });
  } finally {
    // The user's engines go: Strata's (its service, then its pause process) and podman's pause process.
    stopService(path.join(runtimeDir, 'strata', 'service.log'));
    spawnSync(...splitFirst(asUser(user, env, [RUNTIME, 'rootless-stop', '--state-dir', path.join(runtimeDir, 'strata')])), { stdio: 'ignore' });
    const podmanPause = path.join(runtimeDir, 'libpod', 'tmp', 'pause.pid');
    if (fs.existsSync(podmanPause)) {
      try {
        process.kill(Number(fs.readFileSync(podmanPause, 'utf8')), 'SIGKILL');
      } catch {
        // gone already
      }
    }
    fs.rmSync(base, { recursive: true, force: true });
  }
  return result;
}

/** SIGTERM to the rootless engine (its pid from its log's last "listening" line), and a wait for it. */
function stopService(log) {
  if (!fs.existsSync(log)) return;
  const found = [...fs.readFileSync(log, 'utf8').matchAll(/listening on .* \(pid (\d+)\)/g)].pop();
  if (!found) return;
  const pid = Number(found[1]);
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  for (let i = 0; i < 100 && fs.existsSync(`/proc/${pid}`); i++) spawnSync('sleep', ['0.1']);
}

function splitFirst([command, ...args]) {
  return [command, args];
}
