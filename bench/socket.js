// Benchmark: what the system engine's socket costs. The same API calls in-process (as the
// window's own engine answers them) and through `strata system service` over its Unix
// socket: a request round trip (system.info, containers.list with 20 containers) and
// `run --rm busybox true` (containers.run, its exit, containers.remove — the calls
// `strata run --rm` makes). Target (issue #14): the socket adds under 5 ms per request.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { makeBundle } from './runtime.js';

const IMAGE = 'bench/busybox:1';
const CONTAINERS = 20;

export function benchSocket({ work, runs }) {
  const bundle = makeBundle(path.join(work, 'socket-rootfs'));
  const rootfsTar = path.join(work, 'socket-rootfs.tar');
  execFileSync('tar', ['--numeric-owner', '-C', path.join(bundle, 'rootfs'), '-cf', rootfsTar, '.']);
  const root = path.join(work, 'socket-store');
  fs.rmSync(root, { recursive: true, force: true });
  const strata = (...args) => execFileSync(process.execPath, [path.resolve('bin/strata.js'), '--root', root, ...args], { encoding: 'utf8' });
  strata('import', rootfsTar, '-t', IMAGE, '-c', 'CMD ["sh"]');
  const socketPath = path.join(work, 'socket-bench.sock');
  const measured = spawnSync(process.execPath, [path.resolve('bench/socket-run.js'), root, socketPath, IMAGE, String(CONTAINERS), String(Math.max(100, runs * 50)), String(Math.max(5, runs * 3))], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  fs.rmSync(root, { recursive: true, force: true });
  for (const leftover of [rootfsTar, bundle]) fs.rmSync(leftover, { recursive: true, force: true });
  if (measured.status !== 0) throw new Error('bench/socket-run.js failed');
  const { inProcess, socket } = JSON.parse(measured.stdout);
  const ms = (value) => `${value.toFixed(2)} ms`;
  const added = (value) => `${value < 0 ? '−' : '+'}${ms(Math.abs(value))}`;
  const row = (what, key, target) => ({
    what,
    strata: `${ms(socket[key])} over the socket (${added(socket[key] - inProcess[key])})`,
    peer: ms(inProcess[key]),
    peerName: 'in-process',
    ratio: (socket[key] / inProcess[key]).toFixed(2),
    target,
  });
  return {
    name: 'socket',
    samples: { inProcess, socket },
    rows: [
      row('request round trip: system.info', 'info', 'adds < 5 ms'),
      row(`request round trip: containers.list (${CONTAINERS} containers)`, 'list', 'adds < 5 ms'),
      row('run --rm busybox true (containers.run, exit, containers.remove)', 'runRm', 'adds < 5 ms'),
      row('`strata run --rm busybox true`, the whole CLI process', 'cliRunRm', 'no slower than in-process'),
    ],
  };
}
