// Run by bench/terminal.js in a process of its own: a terminal session's keystroke-to-echo
// latency — one key typed into `sh` (its line editor echoes it) until the echo's
// terminal.output event — through the API in this process (the window's engine) and
// through `strata system service` over its Unix socket; then a 100 MB flood from a tty
// container watched by a client that stops reading: the service's peak memory (VmHWM)
// before and after, and whether the container finished. Prints one JSON object; the latency
// as one {median, p95} per run (a session of KEYS keys each).
// node bench/terminal-run.js STORE_ROOT SOCKET IMAGE RUNS KEYS
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { check, inProcessClient, socketClient } from './api-clients.js';

const [root, socketPath, image, runs, keys] = process.argv.slice(2);
const nowMs = () => Number(process.hrtime.bigint()) / 1e6;
const percentile = (values, p) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((values.length * p) / 100))];

/** Median and p95 ms from typing one key into sh to its echo, `count` keys. */
async function echoLatency(client, container, count) {
  await check(client.subscribe('terminal.output'), 'subscribe');
  // Heard from before the open: its first output (the prompt) may come before its answer.
  let session;
  const early = [];
  let seen = '';
  let waiting;
  const listener = (event, payload) => {
    if (event !== 'terminal.output') return;
    if (session === undefined) return void early.push(payload);
    if (payload.session !== session) return;
    seen += Buffer.from(payload.data, 'base64').toString('latin1');
    waiting?.();
  };
  client.listeners.add(listener);
  ({ session } = await check(client.call('terminal.open', { ref: container, exec: { command: ['sh'] }, rows: 24, cols: 80 }), 'terminal.open'));
  for (const payload of early) listener('terminal.output', payload);
  const until = (test) =>
    new Promise((resolve) => {
      waiting = () => {
        if (!test()) return;
        waiting = undefined;
        resolve();
      };
      waiting();
    });
  await until(() => /# \S*$/.test(seen)); // the prompt (and busybox's cursor query after it)
  const times = [];
  for (let i = 0; i < count; i++) {
    // A typist's pace (a key every 30 ms is 33 a second, faster than anyone types): keys that
    // follow each other closer than the relay's 10 ms batching share a batch by design.
    await new Promise((resolve) => setTimeout(resolve, 30));
    const key = String.fromCharCode(97 + (i % 26));
    const before = seen.length;
    const start = nowMs();
    const echoed = until(() => seen.slice(before).includes(key));
    await check(client.call('terminal.input', { session, data: Buffer.from(key).toString('base64') }), 'terminal.input');
    await echoed;
    times.push(nowMs() - start);
    if (i % 20 === 19) await check(client.call('terminal.input', { session, data: Buffer.from('\x15').toString('base64') }), 'terminal.input'); // ^U: a short line
  }
  await check(client.call('terminal.input', { session, data: Buffer.from('\x15exit\n').toString('base64') }), 'terminal.input'); // the shell goes with its run
  await check(client.call('terminal.close', { session }), 'terminal.close').catch(() => undefined); // it may have ended already
  client.listeners.delete(listener);
  return { median: percentile(times, 50), p95: percentile(times, 95) };
}

const peakKiB = (pid) => Number(/VmHWM:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);

const service = spawn(process.execPath, [path.resolve('bin/strata.js'), '--root', root, 'system', 'service', '--socket', socketPath, '--group', 'root'], { stdio: ['ignore', 'pipe', 'inherit'] });
try {
  await new Promise((resolve, reject) => {
    service.stdout.on('data', (chunk) => chunk.toString().includes('listening on') && resolve());
    service.once('exit', (code) => reject(new Error(`strata system service ended (${code})`)));
  });
  const local = inProcessClient(root, 'terminal bench');
  const runner = await check(local.call('containers.run', { image, options: { name: 'echo-bench', command: ['sleep', '600'], network: 'none' } }), 'containers.run');
  const result = { inProcess: [], socket: [] };
  for (let run = 0; run < Number(runs); run++) result.inProcess.push(await echoLatency(local, runner.id, Number(keys)));
  const remote = await socketClient(socketPath);
  for (let run = 0; run < Number(runs); run++) result.socket.push(await echoLatency(remote, runner.id, Number(keys)));
  remote.close();

  // The flood: 100 MB to a tty, a viewer over the socket that stops reading.
  const flood = await check(local.call('containers.create', { image, options: { name: 'flood-bench', tty: true, command: ['sh', '-c', 'sleep 1; head -c 100000000 /dev/zero | tr "\\0" x; echo; echo flood-done'], network: 'none' } }), 'containers.create');
  const viewer = await socketClient(socketPath);
  await check(viewer.subscribe('terminal.output'), 'subscribe');
  await check(viewer.subscribe('terminal.exit'), 'subscribe');
  const before = peakKiB(service.pid);
  await check(viewer.call('terminal.open', { ref: flood.id, start: true, rows: 24, cols: 80 }), 'terminal.open');
  viewer.socket._socket.pause(); // never reads again
  const started = nowMs();
  for (;;) {
    const record = await check(local.call('containers.inspect', { ref: flood.id }), 'containers.inspect');
    if (record.state.status === 'exited') break;
    if (nowMs() - started > 120_000) throw new Error('the flood container did not finish in 120 s');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  result.flood = { seconds: (nowMs() - started) / 1000, serviceHwmBeforeKiB: before, serviceHwmAfterKiB: peakKiB(service.pid) };
  viewer.socket.terminate();
  for (const ref of [runner.id, flood.id]) await check(local.call('containers.remove', { ref, force: true }), 'containers.remove');
  await local.close();
  process.stdout.write(JSON.stringify(result));
} finally {
  service.kill('SIGTERM');
}
