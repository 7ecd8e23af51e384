// Benchmark: what live stats cost. 100 idle containers; the engine's sampler at 1 Hz for
// 20 s, measured as the engine process's CPU time over wall time (every thread); beside
// it, `podman stats --no-stream` over 100 idle podman containers, whole process, once a
// second as a UI would have to call it. Target: under 2 % of one core.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { median, seconds, timeCommand } from './timing.js';
import { makeBundle, unmountPodmanStore, which } from './runtime.js';

const COUNT = 100;
const IMAGE = 'bench/busybox:1';

export function benchStats({ work }) {
  const dir = makeBundle(path.join(work, 'stats-rootfs'));
  const tar = path.join(work, 'stats-rootfs.tar');
  execFileSync('tar', ['--numeric-owner', '-C', path.join(dir, 'rootfs'), '-cf', tar, '.']);
  const root = path.join(work, 'stats-store');
  fs.rmSync(root, { recursive: true, force: true });
  execFileSync(process.execPath, [path.resolve('bin/strata.js'), '--root', root, 'import', tar, '-t', IMAGE]);
  const measured = spawnSync(process.execPath, [path.resolve('bench/stats-cost.js'), root, IMAGE, String(COUNT)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (measured.status !== 0) throw new Error('bench/stats-cost.js failed');
  const { share, perTickMs, burnerPercent, burnerThrottledPercent } = JSON.parse(measured.stdout);
  fs.rmSync(root, { recursive: true, force: true });
  const rows = [];
  const result = { name: 'stats', samples: { share, perTickMs, burnerPercent, burnerThrottledPercent }, rows };
  const podman = which('podman');
  let peer = 'n/a';
  let peerName = 'podman (not installed: apt-get install podman)';
  if (podman) {
    const args = ['--root', path.join(work, 'stats-podman-root'), '--runroot', path.join(work, 'stats-podman-run'), '--cgroup-manager', 'cgroupfs'];
    spawnSync(podman, [...args, 'rm', '-af'], { stdio: 'ignore' });
    execFileSync(podman, [...args, 'import', tar, IMAGE], { stdio: 'ignore' });
    const limits = ['--network', 'none', '--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1024:1024'];
    // busybox's sh reading a never-closed pipe: an idle process, as `sleep` would be.
    for (let i = 0; i < COUNT; i++) execFileSync(podman, [...args, 'run', '-d', ...limits, IMAGE, '/bin/busybox', 'sleep', '3600'], { stdio: 'ignore' });
    const times = [];
    for (let i = 0; i < 5; i++) times.push(timeCommand(podman, [...args, 'stats', '--no-stream', '--format', 'json']));
    result.samples.podman = times;
    peer = `${seconds(median(times))} per call (polled at 1 Hz: busy ${(100 * median(times)).toFixed(0)} % of the time)`;
    peerName = 'podman stats --no-stream';
    spawnSync(podman, [...args, 'rm', '-af', '-t', '0'], { stdio: 'ignore' });
    spawnSync(podman, [...args, 'rmi', '-af'], { stdio: 'ignore' });
    unmountPodmanStore(path.join(work, 'stats-podman-root'));
  }
  rows.push({
    id: 'stats.idle',
    what: `live stats of ${COUNT} idle containers at 1 Hz (engine process CPU / wall, 20 s)`,
    strata: `${(share * 100).toFixed(2)} % of a core (${perTickMs.toFixed(1)} ms CPU per tick)`,
    peer,
    peerName,
    ratio: podman ? (share / median(result.samples.podman)).toFixed(3) : 'n/a',
    target: 'strata < 0.7 % of a core',
  });
  // Moved here from test/engine/stats/live.test.ts: ranges that hold on an idle machine only.
  rows.push({
    what: 'a CPU burner under --cpus 0.5, as the sampler reads it (mean of 8 samples at 1 Hz)',
    strata: `${burnerPercent.toFixed(1)} %, throttled in ${burnerThrottledPercent.toFixed(0)} % of its CFS periods`,
    peer: 'n/a',
    peerName: 'the kernel quota (50000/100000 µs)',
    ratio: 'n/a',
    target: '40–60 %, throttled in > 20 % of periods',
  });
  return result;
}
