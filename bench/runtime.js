// Benchmark: `strata-runtime run` against `runc run` on the same busybox bundle and
// config.json (runc's own `runc spec`, made non-interactive), whole process, many runs.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { median, seconds, timeCommand } from './timing.js';

const STRATA_RUNTIME = path.resolve('native/build/Release/strata-runtime');

export function which(command) {
  const result = spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : undefined;
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

/** runc's default spec when runc is here; otherwise an equivalent written by hand. */
export function writeConfig(bundle, runc) {
  let config;
  if (runc) {
    execFileSync(runc, ['spec', '--bundle', bundle]);
    config = JSON.parse(fs.readFileSync(path.join(bundle, 'config.json'), 'utf8'));
  } else {
    config = {
      ociVersion: '1.0.2',
      process: { args: [], env: ['PATH=/bin'], cwd: '/', user: { uid: 0, gid: 0 }, noNewPrivileges: true },
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
  fs.writeFileSync(path.join(bundle, 'config.json'), JSON.stringify(config, null, 2));
}

export function benchRuntime({ work, runs }) {
  if (!fs.existsSync(STRATA_RUNTIME)) throw new Error('strata-runtime is not built (npm run build:native)');
  const runc = which('runc');
  const bundle = makeBundle(path.join(work, 'runtime-bundle'));
  writeConfig(bundle, runc);
  const count = Math.max(10, runs * 10);
  const state = path.join(work, 'runtime-state');
  const time = (binary) => {
    const times = [];
    for (let i = 0; i < count; i++) times.push(timeCommand(binary, ['--root', path.join(state, path.basename(binary)), 'run', '--bundle', bundle, `bench-${process.pid}-${i}`]));
    return times;
  };
  time(STRATA_RUNTIME).slice(0, 2); // warm the page cache for both sides alike
  if (runc) time(runc).slice(0, 2);
  const strataTimes = time(STRATA_RUNTIME);
  const rows = [];
  const result = { name: 'runtime', samples: { strata: strataTimes }, rows };
  if (runc) {
    const runcTimes = time(runc);
    result.samples.runc = runcTimes;
    rows.push({ what: `run /bin/true in a busybox bundle (median of ${count})`, strata: seconds(median(strataTimes)), peer: seconds(median(runcTimes)), peerName: 'runc run', ratio: (median(strataTimes) / median(runcTimes)).toFixed(2), target: '≤ 1 (crun is ~0.5)' });
  } else {
    rows.push({ what: `run /bin/true in a busybox bundle (median of ${count})`, strata: seconds(median(strataTimes)), peer: 'n/a', peerName: 'runc (not installed: apt-get install runc)', ratio: 'n/a', target: '≤ 1' });
  }
  fs.rmSync(state, { recursive: true, force: true });
  return result;
}
