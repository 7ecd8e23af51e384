// Benchmark: a terminal session (issue #15). Keystroke-to-echo latency through the API in
// process (the window's engine) and through the system engine's socket; and a 100 MB flood
// to a tty container watched by a client that stops reading: the service's memory must stay
// bounded and the container must finish. The peer: `podman exec -it` on a pty
// (bench/pty-echo.py) into a podman container of the same busybox rootfs, with runc (this
// host's cgroup v1 hybrid is refused by crun), in a podman store of its own under the work
// directory. Each figure is a session of KEYS keys per run; the row shows the median over
// the runs of each run's median and p95.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { makeBundle } from './runtime.js';

const IMAGE = 'bench/busybox:1';
/** Keys per session (per run). */
const KEYS = 50;

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)];
/** One figure over the runs: the median of the runs' medians, the median of their p95s. */
const overRuns = (perRun) => ({ median: median(perRun.map((run) => run.median)), p95: median(perRun.map((run) => run.p95)), runs: perRun });

/**
 * `podman exec -it` into a podman container of the same rootfs, measured through a pty, `runs`
 * sessions; `{ missing: why }` where podman or runc is missing. The podman store is a
 * throwaway one (vfs: plain directories, no mounts once its container is removed), and
 * everything in it goes at the end.
 */
function podmanPeer(work, rootfsTar, runs) {
  if (spawnSync('podman', ['--version']).status !== 0) return { missing: 'podman is not installed here' };
  if (spawnSync('runc', ['--version']).status !== 0) return { missing: 'runc is not installed here (podman needs it on a cgroup v1 host)' };
  const store = path.join(work, 'terminal-podman');
  fs.rmSync(store, { recursive: true, force: true });
  const podman = ['podman', '--root', path.join(store, 'root'), '--runroot', path.join(store, 'run'), '--storage-driver', 'vfs', '--runtime', 'runc', '--cgroup-manager', 'cgroupfs', '--events-backend', 'file'];
  const run = (...args) => execFileSync(podman[0], [...podman.slice(1), ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    run('import', '--change', 'CMD ["sh"]', rootfsTar, IMAGE);
    // Limits this host lets a container have (its root lacks CAP_SYS_RESOURCE: podman's defaults are above the hard limits).
    run('run', '-d', '--name', 'echo-bench', '--network', 'none', '--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=4096:4096', IMAGE, 'sleep', '600');
    const perRun = [];
    for (let i = 0; i < runs; i++) {
      const measured = execFileSync('python3', [path.resolve('bench/pty-echo.py'), String(KEYS), '--', ...podman, 'exec', '-it', 'echo-bench', 'sh'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
      perRun.push(JSON.parse(measured));
    }
    return overRuns(perRun);
  } finally {
    spawnSync(podman[0], [...podman.slice(1), 'rm', '-f', '-t', '0', 'echo-bench'], { stdio: 'ignore' });
    spawnSync(podman[0], [...podman.slice(1), 'rmi', '-a', '-f'], { stdio: 'ignore' });
    fs.rmSync(store, { recursive: true, force: true });
  }
}

export function benchTerminal({ work, runs }) {
  const bundle = makeBundle(path.join(work, 'terminal-rootfs'));
  for (const applet of ['sleep', 'head', 'tr', 'echo']) fs.symlinkSync('busybox', path.join(bundle, 'rootfs', 'bin', applet));
  const rootfsTar = path.join(work, 'terminal-rootfs.tar');
  execFileSync('tar', ['--numeric-owner', '-C', path.join(bundle, 'rootfs'), '-cf', rootfsTar, '.']);
  const root = path.join(work, 'terminal-store');
  fs.rmSync(root, { recursive: true, force: true });
  execFileSync(process.execPath, [path.resolve('bin/strata.js'), '--root', root, 'import', rootfsTar, '-t', IMAGE, '-c', 'CMD ["sh"]']);
  const socketPath = path.join(work, 'terminal-bench.sock');
  const measured = spawnSync(process.execPath, [path.resolve('bench/terminal-run.js'), root, socketPath, IMAGE, String(runs), String(KEYS)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  fs.rmSync(root, { recursive: true, force: true });
  let peer;
  try {
    peer = podmanPeer(work, rootfsTar, runs);
  } finally {
    for (const leftover of [rootfsTar, bundle]) fs.rmSync(leftover, { recursive: true, force: true });
  }
  if (measured.status !== 0) throw new Error('bench/terminal-run.js failed');
  const result = JSON.parse(measured.stdout);
  const inProcess = overRuns(result.inProcess);
  const socket = overRuns(result.socket);
  const { flood } = result;
  const ms = (value) => `${value.toFixed(2)} ms`;
  return {
    name: 'terminal',
    samples: { inProcess, socket, podman: peer, flood },
    rows: [
      {
        what: 'keystroke → echo, through the API in process (the window\'s engine)',
        strata: `median ${ms(inProcess.median)}, p95 ${ms(inProcess.p95)}`,
        peerName: 'podman exec -it (runc, on a pty)',
        peer: peer.missing ?? `median ${ms(peer.median)}, p95 ${ms(peer.p95)}`,
        ratio: peer.missing ? 'n/a' : (inProcess.median / peer.median).toFixed(2),
        target: 'no slower than podman exec -it',
      },
      { what: 'keystroke → echo, through the system engine\'s socket', strata: `median ${ms(socket.median)}, p95 ${ms(socket.p95)}`, peerName: 'in process', peer: ms(inProcess.median), ratio: (socket.median / inProcess.median).toFixed(2), target: 'adds < 5 ms' },
      { what: '100 MB to a tty, a viewer that stops reading: the service\'s peak memory', strata: `${Math.round(flood.serviceHwmBeforeKiB / 1024)} → ${Math.round(flood.serviceHwmAfterKiB / 1024)} MiB, the container finished in ${flood.seconds.toFixed(1)} s`, peerName: 'bound', peer: 'the drop at 2 MiB unread', ratio: 'n/a', target: 'bounded, no deadlock' },
    ],
  };
}
