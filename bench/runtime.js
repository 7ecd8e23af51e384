// Benchmark: `strata-runtime run` against `runc run` on the same busybox bundle and
// config.json (runc's own `runc spec`, made non-interactive), whole process, many runs.
// Both get the seccomp filter the engine gives a container (its default profile, which is
// Docker's, resolved for the bundle's capabilities: runc spec writes none) and load it;
// runc compiles it at every run, strata-runtime once (the warm-up runs fill its cache in
// <root>/+seccomp). A second row runs both without one. The runs alternate (strata, runc,
// runc, strata, …) so load on the machine falls on both alike.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { loadSeccompProfiles } from '../out/main/engine.js';
import { median, seconds, timeCommand } from './timing.js';

const { seccompFor } = await loadSeccompProfiles();

const STRATA_RUNTIME = path.resolve('native/build/Release/strata-runtime');

export function which(command) {
  const result = spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

/**
 * podman keeps its store's overlay dir bind-mounted on itself, once per command that found it
 * unmounted: a bench leaves no mount behind (each umount takes the top one).
 */
export function unmountPodmanStore(podmanRoot) {
  const overlay = path.join(podmanRoot, 'overlay');
  for (let i = 0; i < 20 && spawnSync('mountpoint', ['-q', overlay]).status === 0; i++) spawnSync('umount', [overlay], { stdio: 'ignore' });
}

export function makeBundle(dir) {
  fs.rmSync(dir, { recursive: true, force: true });
  const rootfs = path.join(dir, 'rootfs');
  for (const sub of ['bin', 'proc', 'sys', 'dev', 'tmp', 'etc']) fs.mkdirSync(path.join(rootfs, sub), { recursive: true });
  fs.copyFileSync('/bin/busybox', path.join(rootfs, 'bin/busybox'));
  fs.chmodSync(path.join(rootfs, 'bin/busybox'), 0o755);
  for (const applet of ['sh', 'true']) fs.symlinkSync('busybox', path.join(rootfs, 'bin', applet));
  fs.writeFileSync(path.join(rootfs, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
  return dir;
}

/**
 * runc's default spec when runc is here; otherwise an equivalent written by hand. With
 * the engine's default seccomp profile unless `seccomp: false`.
 */
export function writeConfig(bundle, runc, { seccomp = true } = {}) {
  let config;
  if (runc) {
    execFileSync(runc, ['spec', '--bundle', bundle]);
    config = JSON.parse(fs.readFileSync(path.join(bundle, 'config.json'), 'utf8'));
  } else {
    config = {
      ociVersion: '1.0.2',
      process: {
        args: [],
        env: ['PATH=/bin'],
        cwd: '/',
        user: { uid: 0, gid: 0 },
        capabilities: { bounding: ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'] },
        noNewPrivileges: true,
      },
      root: { path: 'rootfs', readonly: true },
      hostname: 'bench',
      mounts: [
        { destination: '/proc', type: 'proc', source: 'proc' },
        { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
      ],
      linux: { namespaces: ['pid', 'network', 'ipc', 'uts', 'mount'].map((type) => ({ type })) },
    };
  }
  config.process.terminal = false;
  config.process.args = ['/bin/true'];
  config.linux.cgroupsPath = '/strata/bench'; // both runtimes: under Strata's parent
  if (seccomp) config.linux.seccomp = seccompFor({}, config.process.capabilities.bounding);
  fs.writeFileSync(path.join(bundle, 'config.json'), JSON.stringify(config, null, 2));
}

/** Times of `run` for each runtime, interleaved: pair i runs strata first when i is even. */
function pairedRuns(runtimes, bundle, state, count) {
  const times = runtimes.map(() => []);
  for (let i = 0; i < count; i++) {
    const order = i % 2 === 0 ? runtimes.map((_, k) => k) : runtimes.map((_, k) => runtimes.length - 1 - k);
    for (const k of order) {
      const binary = runtimes[k];
      times[k].push(timeCommand(binary, ['--root', path.join(state, path.basename(binary)), 'run', '--bundle', bundle, `bench-${process.pid}-${i}`]));
    }
  }
  return times;
}

export function benchRuntime({ work, runs }) {
  if (!fs.existsSync(STRATA_RUNTIME)) throw new Error('strata-runtime is not built (npm run build:native)');
  const runc = which('runc');
  const count = Math.max(10, runs * 10);
  const state = path.join(work, 'runtime-state');
  const runtimes = runc ? [STRATA_RUNTIME, runc] : [STRATA_RUNTIME];
  const rows = [];
  const result = { name: 'runtime', samples: {}, rows };
  for (const seccomp of [true, false]) {
    const bundle = makeBundle(path.join(work, 'runtime-bundle'));
    writeConfig(bundle, runc, { seccomp });
    pairedRuns(runtimes, bundle, state, 2); // warm the page cache for both sides alike
    const [strataTimes, runcTimes] = pairedRuns(runtimes, bundle, state, count);
    const key = seccomp ? 'seccomp' : 'noSeccomp';
    result.samples[key] = { strata: strataTimes, ...(runcTimes ? { runc: runcTimes } : {}) };
    const what = `run /bin/true in a busybox bundle, ${seccomp ? "the engine's default seccomp profile (Docker's) on both" : 'no seccomp filter'} (median of ${count} alternating pairs)`;
    if (runcTimes) {
      rows.push({ what, strata: seconds(median(strataTimes)), peer: seconds(median(runcTimes)), peerName: 'runc run', ratio: (median(strataTimes) / median(runcTimes)).toFixed(2), target: '< 0.5' });
    } else {
      rows.push({ what, strata: seconds(median(strataTimes)), peer: 'n/a', peerName: 'runc (not installed: apt-get install runc)', ratio: 'n/a', target: '< 0.5' });
    }
  }
  fs.rmSync(state, { recursive: true, force: true });
  return result;
}
