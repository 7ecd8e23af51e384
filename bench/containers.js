// Benchmark: containers from an image, overlay and cgroup included.
//   1. In one process, Engine create + start + wait of `true`, against `runc run` of a
//      prepared bundle (no overlay, no image): target faster.
//   2. `strata run --rm IMAGE true` against `podman run --rm IMAGE true`, whole process, with
//      --network none on both, then each on its default bridge network;
//      the same busybox image in both stores: target at most 0.3× podman.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { median, seconds, spread, spreadText, timeCommand, unpairedRatio } from './timing.js';

const ratioText = (a, b) => spreadText(unpairedRatio(a, b), (value) => value.toFixed(2));
import { makeBundle, which, writeConfig } from './runtime.js';

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
      target: '< 1',
    });
    fs.rmSync(state, { recursive: true, force: true });
  } else {
    rows.push({ id: 'containers.cycle', what: 'create + start + wait of true, in-process', strata: seconds(median(result.samples.engineCycle)), peer: 'n/a', peerName: 'runc (not installed: apt-get install runc)', ratio: 'n/a', target: '< 1' });
  }

  // 2. strata run --rm against podman run --rm, whole process.
  const strataRun = () => timeCommand(process.execPath, [STRATA, '--root', root, 'run', '--rm', '--network', 'none', IMAGE, '/bin/true']);
  const strataRunBridge = () => timeCommand(process.execPath, [STRATA, '--root', root, 'run', '--rm', IMAGE, '/bin/true']);
  for (let i = 0; i < 2; i++) strataRun();
  result.samples.strataRun = Array.from({ length: count }, strataRun);
  for (let i = 0; i < 2; i++) strataRunBridge();
  result.samples.strataRunBridge = Array.from({ length: count }, strataRunBridge);
  const podman = which('podman');
  if (podman) {
    const args = podmanStore(work, podman, tar);
    // Podman's defaults ask for more open files and processes than this sandbox allows.
    const podmanRun = () => timeCommand(podman, [...args, 'run', '--rm', '--network', 'none', '--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1024:1024', IMAGE, '/bin/true']);
    for (let i = 0; i < 2; i++) podmanRun();
    result.samples.podman = Array.from({ length: count }, podmanRun);
    rows.push({
      id: 'containers.run-none',
      what: `run --rm IMAGE true, whole process (median of ${count})`,
      strata: spreadText(spread(result.samples.strataRun)),
      peer: spreadText(spread(result.samples.podman)),
      peerName: 'podman run --rm --network none',
      ratio: ratioText(result.samples.strataRun, result.samples.podman),
      target: '≤ 0.3',
    });
    // With a network: Strata's bridge against podman's default (netavark's bridge).
    const podmanRunBridge = () => timeCommand(podman, [...args, 'run', '--rm', '--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1024:1024', IMAGE, '/bin/true']);
    for (let i = 0; i < 2; i++) podmanRunBridge();
    result.samples.podmanBridge = Array.from({ length: count }, podmanRunBridge);
    rows.push({
      id: 'containers.run-bridge',
      what: `run --rm IMAGE true on the bridge network, whole process (median of ${count})`,
      strata: spreadText(spread(result.samples.strataRunBridge)),
      peer: spreadText(spread(result.samples.podmanBridge)),
      peerName: 'podman run --rm (default bridge network)',
      ratio: ratioText(result.samples.strataRunBridge, result.samples.podmanBridge),
      target: '≤ 0.3',
    });
    spawnSync(podman, [...args, 'rmi', '-f', IMAGE], { stdio: 'ignore' });
    // podman keeps its store's overlay dir bind-mounted on itself: leave no mount behind.
    spawnSync('umount', [path.join(work, 'podman-root', 'overlay')], { stdio: 'ignore' });
  } else {
    rows.push({ id: 'containers.run-none', what: 'run --rm IMAGE true, whole process', strata: seconds(median(result.samples.strataRun)), peer: 'n/a', peerName: 'podman (not installed: apt-get install podman)', ratio: 'n/a', target: '≤ 0.3' });
  }
  fs.rmSync(root, { recursive: true, force: true });
  return result;
}
