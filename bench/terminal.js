// Benchmark: a terminal session (issue #15). Keystroke-to-echo latency through the API in
// process (the window's engine) and through the system engine's socket; and a 100 MB flood
// to a tty container watched by a client that stops reading: the service's memory must stay
// bounded and the container must finish. The peer, `podman exec -it` through a pty,
// is measured where podman is installed; here it is named as missing.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { makeBundle } from './runtime.js';

const IMAGE = 'bench/busybox:1';

export function benchTerminal({ work, runs }) {
  const bundle = makeBundle(path.join(work, 'terminal-rootfs'));
  for (const applet of ['sleep', 'head', 'tr', 'echo']) fs.symlinkSync('busybox', path.join(bundle, 'rootfs', 'bin', applet));
  const rootfsTar = path.join(work, 'terminal-rootfs.tar');
  execFileSync('tar', ['--numeric-owner', '-C', path.join(bundle, 'rootfs'), '-cf', rootfsTar, '.']);
  const root = path.join(work, 'terminal-store');
  fs.rmSync(root, { recursive: true, force: true });
  execFileSync(process.execPath, [path.resolve('bin/strata.js'), '--root', root, 'import', rootfsTar, '-t', IMAGE, '-c', 'CMD ["sh"]']);
  const socketPath = path.join(work, 'terminal-bench.sock');
  const measured = spawnSync(process.execPath, [path.resolve('bench/terminal-run.js'), root, socketPath, IMAGE, String(Math.max(100, runs * 50))], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  fs.rmSync(root, { recursive: true, force: true });
  for (const leftover of [rootfsTar, bundle]) fs.rmSync(leftover, { recursive: true, force: true });
  if (measured.status !== 0) throw new Error('bench/terminal-run.js failed');
  const { inProcess, socket, flood } = JSON.parse(measured.stdout);
  const podman = spawnSync('podman', ['--version']).status === 0;
  const ms = (value) => `${value.toFixed(2)} ms`;
  return {
    name: 'terminal',
    samples: { inProcess, socket, flood },
    rows: [
      { what: 'keystroke → echo, through the API in process (the window\'s engine)', strata: `median ${ms(inProcess.median)}, p95 ${ms(inProcess.p95)}`, peerName: 'podman exec -it', peer: podman ? 'not measured yet' : 'not installed here', ratio: 'n/a', target: 'no slower than podman exec -it' },
      { what: 'keystroke → echo, through the system engine\'s socket', strata: `median ${ms(socket.median)}, p95 ${ms(socket.p95)}`, peerName: 'in process', peer: ms(inProcess.median), ratio: (socket.median / inProcess.median).toFixed(2), target: 'adds < 5 ms' },
      { what: '100 MB to a tty, a viewer that stops reading: the service\'s peak memory', strata: `${Math.round(flood.serviceHwmBeforeKiB / 1024)} → ${Math.round(flood.serviceHwmAfterKiB / 1024)} MiB, the container finished in ${flood.seconds.toFixed(1)} s`, peerName: 'bound', peer: 'the drop at 2 MiB unread', ratio: 'n/a', target: 'bounded, no deadlock' },
    ],
  };
}
