// Benchmark: what a `strata` command costs before and around its work (issue 18), whole
// process, paired with its yardstick (A B A B …):
//   --version          against `node -e 0`, Node's own start-up (target ≤ 1.3×)
//   ps, images         the local engine on a store with 5 containers and 1 image, against
//                      `podman ps` / `podman images` on the same image (target ≤ 1.0×)
//   ps, system engine  root's `strata ps -a` while a system engine serves that store (it
//                      goes there: issue 18), against the same `podman ps -a`
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pairedTimes, spreadText } from './timing.js';
import { makeBundle, unmountPodmanStore, which } from './runtime.js';

const STRATA = path.resolve('bin/strata.js');
const IMAGE = 'bench/busybox:1';
const ratioText = (spread) => spreadText(spread, (value) => value.toFixed(2));

function row(id, what, paired, peerName, target) {
  return { id, what, strata: spreadText(paired.a), peer: spreadText(paired.b), peerName, ratio: ratioText(paired.ratio), target };
}

export function benchCli({ work, runs }) {
  const count = Math.max(10, runs * 5);
  const rows = [];
  const result = { name: 'cli', samples: {}, rows };
  const node = process.execPath;

  const version = pairedTimes([node, STRATA, '--version'], [node, '-e', '0'], count);
  result.samples.version = version.samples;
  rows.push(row('cli.version', `strata --version (median of ${count} pairs)`, version, 'node -e 0', '≤ 1.3'));

  const bundle = makeBundle(path.join(work, 'cli-rootfs'));
  const tar = path.join(work, 'cli-rootfs.tar');
  execFileSync('tar', ['--numeric-owner', '-C', path.join(bundle, 'rootfs'), '-cf', tar, '.']);
  const root = path.join(work, 'cli-store');
  fs.rmSync(root, { recursive: true, force: true });
  const strata = (...args) => execFileSync(node, [STRATA, '--root', root, ...args], { stdio: 'ignore' });
  strata('import', tar, '-t', IMAGE);
  for (let i = 0; i < 5; i++) strata('run', '--network', 'none', '--name', `cli-bench-${i}`, IMAGE, 'true');

  const podman = which('podman');
  if (podman) {
    // runc, as Strata's peer everywhere; the same image and five containers (made, not run: `ps -a` lists them alike).
    const args = ['--root', path.join(work, 'cli-podman-root'), '--runroot', path.join(work, 'cli-podman-run'), '--cgroup-manager', 'cgroupfs', '--runtime', 'runc'];
    spawnSync(podman, [...args, 'rm', '-af'], { stdio: 'ignore' });
    spawnSync(podman, [...args, 'rmi', '-f', IMAGE], { stdio: 'ignore' });
    execFileSync(podman, [...args, 'import', tar, IMAGE], { stdio: 'ignore' });
    for (let i = 0; i < 5; i++) execFileSync(podman, [...args, 'create', '--network', 'none', '--name', `cli-bench-${i}`, IMAGE, 'true'], { stdio: 'ignore' });
    for (const command of ['ps', 'images']) {
      const paired = pairedTimes([node, STRATA, '--root', root, command, ...(command === 'ps' ? ['-a'] : [])], [podman, ...args, command, ...(command === 'ps' ? ['-a'] : [])], count);
      result.samples[command] = paired.samples;
      rows.push(row(`cli.${command}`, `strata ${command}${command === 'ps' ? ' -a' : ''}, the local engine (median of ${count} pairs)`, paired, `podman --runtime runc ${command}${command === 'ps' ? ' -a' : ''}`, '≤ 1.0'));
    }
    const service = startSystemService(node, root, path.join(work, 'cli-system'));
    try {
      // root with nothing chosen: env sets only where the service's socket and the default store are
      const env = ['env', `STRATA_SYSTEM_SOCKET=${service.socketPath}`, `STRATA_ROOT=${root}`];
      const paired = pairedTimes([...env, node, STRATA, 'ps', '-a'], [podman, ...args, 'ps', '-a'], count);
      result.samples.psSystem = paired.samples;
      rows.push(row('cli.ps-system', `strata ps -a as root, a system engine serving the store (median of ${count} pairs)`, paired, 'podman --runtime runc ps -a', '≤ 1.0'));
    } finally {
      service.stop();
    }
    spawnSync(podman, [...args, 'rm', '-af'], { stdio: 'ignore' });
    spawnSync(podman, [...args, 'rmi', '-f', IMAGE], { stdio: 'ignore' });
    unmountPodmanStore(path.join(work, 'cli-podman-root'));
  } else {
    rows.push({ id: 'cli.ps', what: 'strata ps / images', strata: 'n/a', peer: 'n/a', peerName: 'podman (not installed: apt-get install podman)', ratio: 'n/a', target: '≤ 1.0' });
  }
  for (let i = 0; i < 5; i++) strata('rm', `cli-bench-${i}`);
  fs.rmSync(root, { recursive: true, force: true });
  return result;
}

/**
 * `strata system service` on `root`, its socket in `dir`, in the background (a shell starts
 * it and leaves: nothing here waits on it), until it says which store it serves. stop():
 * SIGTERM, then until it is gone.
 */
function startSystemService(node, root, dir) {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const socketPath = path.join(dir, 'strata.sock');
  const log = path.join(dir, 'service.log');
  const started = spawnSync('sh', ['-c', 'exec "$@" > "$LOG" 2>&1 & echo $!', 'sh', node, STRATA, '--root', root, 'system', 'service', '--socket', socketPath], { encoding: 'utf8', env: { ...process.env, LOG: log } });
  const pid = Number(started.stdout.trim());
  const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
  const alive = () => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  for (let waited = 0; !fs.existsSync(`${socketPath}.store`); waited += 50) {
    if (!alive() || waited > 30_000) throw new Error(`strata system service did not start: ${fs.readFileSync(log, 'utf8')}`);
    sleep(50);
  }
  return {
    socketPath,
    stop() {
      if (alive()) process.kill(pid, 'SIGTERM');
      for (let waited = 0; alive() && waited < 30_000; waited += 50) sleep(50);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
