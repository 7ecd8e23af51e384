// Run by bench/socket.js in a process of its own: the same API calls made in-process (the
// Api on the store, as the window's engine answers them) and over the system engine's Unix
// socket (`strata system service` in a child process, raw frames over `ws+unix:`), timed
// call by call. Prints one JSON object: median milliseconds per kind.
// node bench/socket-run.js STORE_ROOT SOCKET IMAGE CONTAINERS ROUND_TRIPS RUNS
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { check, inProcessClient, socketClient } from './api-clients.js';

const [root, socketPath, image, containers, roundTrips, runs] = process.argv.slice(2);
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const nowMs = () => Number(process.hrtime.bigint()) / 1e6;

/** Median ms of `count` sequential calls of `method`. */
async function roundTrip(client, method, input, count) {
  await check(client.call(method, input), method); // warm
  const times = [];
  for (let i = 0; i < count; i++) {
    const start = nowMs();
    await check(client.call(method, input), method);
    times.push(nowMs() - start);
  }
  return median(times);
}

/** `run --rm IMAGE true` through the API: run, wait for the exit (containers.changed), remove. */
async function runRm(client, count) {
  await check(client.subscribe('containers.changed'), 'subscribe');
  const exited = new Set();
  client.listeners.add((event, payload) => {
    if (event === 'containers.changed' && payload.container?.state.status === 'exited') exited.add(payload.id);
  });
  const times = [];
  for (let i = 0; i < count; i++) {
    const start = nowMs();
    const container = await check(client.call('containers.run', { image, options: { command: ['true'] } }), 'containers.run');
    while (!exited.has(container.id)) {
      const record = await check(client.call('containers.inspect', { ref: container.id }), 'containers.inspect');
      if (record.state.status === 'exited') break;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await check(client.call('containers.remove', { ref: container.id }), 'containers.remove');
    times.push(nowMs() - start);
  }
  return median(times);
}

const service = spawn(process.execPath, [path.resolve('bin/strata.js'), '--root', root, 'system', 'service', '--socket', socketPath, '--group', 'root'], { stdio: ['ignore', 'pipe', 'inherit'] });
try {
  await new Promise((resolve, reject) => {
    service.stdout.on('data', (chunk) => chunk.toString().includes('listening on') && resolve());
    service.once('exit', (code) => reject(new Error(`strata system service ended (${code})`)));
  });
  const local = inProcessClient(root, 'socket bench');
  const remote = await socketClient(socketPath);
  // What containers.list lists: created, never started.
  const created = [];
  for (let i = 0; i < Number(containers); i++) created.push(await check(local.call('containers.create', { image, options: { command: ['true'] } }), 'containers.create'));
  const result = {};
  for (const [name, client] of [['inProcess', local], ['socket', remote]]) {
    result[name] = {
      info: await roundTrip(client, 'system.info', {}, Number(roundTrips)),
      list: await roundTrip(client, 'containers.list', { all: true }, Number(roundTrips)),
      runRm: await runRm(client, Number(runs)),
    };
  }
  // Whole processes: `strata run --rm IMAGE true` in-process (--root) and through the service.
  const cli = (env, ...args) => {
    const start = nowMs();
    const child = spawnSync(process.execPath, [path.resolve('bin/strata.js'), ...args], { env: { ...process.env, ...env }, encoding: 'utf8' });
    if (child.status !== 0) throw new Error(`strata ${args.join(' ')}: exit ${child.status}: ${child.stderr}`);
    return nowMs() - start;
  };
  const cliRuns = Number(runs);
  result.inProcess.cliRunRm = median(Array.from({ length: cliRuns }, () => cli({}, '--root', root, 'run', '--rm', image, 'true')));
  result.socket.cliRunRm = median(Array.from({ length: cliRuns }, () => cli({ STRATA_HOST: `unix://${socketPath}` }, 'run', '--rm', image, 'true')));
  for (const container of created) await check(local.call('containers.remove', { ref: container.id }), 'containers.remove');
  remote.close();
  await local.close();
  process.stdout.write(JSON.stringify(result));
} finally {
  service.kill('SIGTERM');
}
