// Benchmark: containers from an image, overlay and cgroup included.
//   1. In one process, Engine create + start + wait of `true`, against `runc run` of a
//      prepared bundle (no overlay, no image): target ≤ 0.4× (issue 18).
//   2. `strata run --rm IMAGE true` against `podman run --rm IMAGE true`, whole process, with
//      --network none on both (target ≤ 0.5× podman), then each on its default bridge
//      network (target ≤ 0.4×); the same busybox image in both stores. Paired: A B A B …,
//      the ratio taken pair by pair, so load on the machine falls on both alike.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { median, pairedTimes, seconds, spread, spreadText, timeCommand, unpairedRatio } from './timing.js';

const ratioText = (a, b) => spreadText(unpairedRatio(a, b), (value) => value.toFixed(2));
import { makeBundle, unmountPodmanStore, which, writeConfig } from './runtime.js';

const STRATA = path.resolve('bin/strata.js');
const IMAGE = 'bench/busybox:1';

function busyboxRootfsTar(work) {
  const dir = makeBundle(path.join(work, 'containers-rootfs'));
  const tar = path.join(work, 'busybox-rootfs.tar');
  execFileSync('tar', ['--numeric-owner', '-C', path.join(dir, 'rootfs'), '-cf', tar, '.']);
  return tar;
}

function strataStore(work, tar) {
  const root = path.join(work, 'containers-store');
  fs.rmSync(root, { recursive: true, force: true });
  execFileSync(process.execPath, [STRATA, '--root', root, 'import', tar, '--change', 'CMD ["/bin/sh"]', '-t', IMAGE]);
  return root;
}

function podmanStore(work, podman, tar) {
  const args = ['--root', path.join(work, 'podman-root'), '--runroot', path.join(work, 'podman-run'), '--cgroup-manager', 'cgroupfs'];
  spawnSync(podman, [...args, 'rmi', '-f', IMAGE], { stdio: 'ignore' });
  execFileSync(podman, [...args, 'import', '--change', 'CMD ["/bin/sh"]', tar, IMAGE], { stdio: 'ignore' });
  return args;
}

export function benchContainers({ work, runs }) {
  const count = Math.max(10, runs * 10);
  const tar = busyboxRootfsTar(work);
  const root = strataStore(work, tar);
  const rows = [];
  const result = { name: 'containers', samples: {}, rows };

  // 1. In-process create + start + wait, against runc run.
  const cycleRun = spawnSync(process.execPath, [path.resolve('bench/engine-cycle.js'), root, IMAGE, String(count + 2)], { encoding: 'utf8' });
  if (cycleRun.status !== 0) throw new Error(`engine-cycle failed: ${cycleRun.stderr}`);
  const { cycle, remove } = JSON.parse(cycleRun.stdout);
  result.samples.engineCycle = cycle.slice(2); // the first two warm the caches
  result.samples.engineRemove = remove.slice(2);
  const runc = which('runc');
  if (runc) {
    const bundle = makeBundle(path.join(work, 'containers-runc-bundle'));
    writeConfig(bundle, runc);
    const state = path.join(work, 'containers-runc-state');
    const runcTimes = [];
    for (let i = 0; i < count + 2; i++) runcTimes.push(timeCommand(runc, ['--root', state, 'run', '--bundle', bundle, `bench-${process.pid}-${i}`]));
    result.samples.runc = runcTimes.slice(2);
    rows.push({
      id: 'containers.cycle',
      what: `create + start + wait of true, in-process, overlay and cgroup included (median of ${count})`,
      strata: spreadText(spread(result.samples.engineCycle)),
      peer: spreadText(spread(result.samples.runc)),
      peerName: 'runc run (prepared bundle)',
      ratio: ratioText(result.samples.engineCycle, result.samples.runc),
      target: '≤ 0.4',
    });
    fs.rmSync(state, { recursive: true, force: true });
  } else {
    rows.push({ id: 'containers.cycle', what: 'create + start + wait of true, in-process', strata: seconds(median(result.samples.engineCycle)), peer: 'n/a', peerName: 'runc (not installed: apt-get install runc)', ratio: 'n/a', target: '≤ 0.4' });
  }

  // 2. strata run --rm against podman run --rm, whole process, paired.
  const strataRun = (network) => [process.execPath, STRATA, '--root', root, 'run', '--rm', ...(network ? [] : ['--network', 'none']), IMAGE, '/bin/true'];
  const podman = which('podman');
  if (podman) {
    const args = podmanStore(work, podman, tar);
    // Podman's defaults ask for more open files and processes than this sandbox allows.
    const podmanRun = (network) => [podman, ...args, 'run', '--rm', ...(network ? [] : ['--network', 'none']), '--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1024:1024', IMAGE, '/bin/true'];
    for (const network of [false, true]) {
      const paired = pairedTimes(strataRun(network), podmanRun(network), count);
      result.samples[network ? 'runBridge' : 'runNone'] = paired.samples;
      rows.push({
        id: network ? 'containers.run-bridge' : 'containers.run-none',
        what: `run --rm IMAGE true${network ? ' on the bridge network' : ', --network none'}, whole process (median of ${count} pairs)`,
        strata: spreadText(paired.a),
        peer: spreadText(paired.b),
        peerName: network ? 'podman run --rm (default bridge network)' : 'podman run --rm --network none',
        ratio: spreadText(paired.ratio, (value) => value.toFixed(2)),
        target: network ? '≤ 0.4' : '≤ 0.5',
      });
    }
    spawnSync(podman, [...args, 'rmi', '-f', IMAGE], { stdio: 'ignore' });
    unmountPodmanStore(path.join(work, 'podman-root'));
  } else {
    const times = Array.from({ length: count }, () => timeCommand(strataRun(false)[0], strataRun(false).slice(1)));
    rows.push({ id: 'containers.run-none', what: 'run --rm IMAGE true, whole process', strata: seconds(median(times)), peer: 'n/a', peerName: 'podman (not installed: apt-get install podman)', ratio: 'n/a', target: '≤ 0.5' });
  }
  fs.rmSync(root, { recursive: true, force: true });
  return result;
}
