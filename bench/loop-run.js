// Run by bench/loop.js in a process of its own: the engine as the window or `strata serve`
// hosts it (the API, a client subscribed to container changes and stats), with COUNT idle
// containers. Two phases, each measured with the process's event-loop delay histogram:
//   idle — 20 s with the window open: CPU share of the process; then 5 s of loop delay;
//   busy — an import and a build run through the API while sampling goes on: loop delay.
// node bench/loop-run.js STORE_ROOT IMAGE COUNT IMPORT_TAR BUILD_CONTEXT
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Engine } from '../out/main/engine.js';
import { Api } from '../out/main/api.js';

const [root, image, count, importTar, buildContext] = process.argv.slice(2);
const engine = Engine.open({ root });
const api = new Api({ engine, onInternalError: (method, error) => process.stderr.write(`loop bench: ${method}: ${error?.stack ?? error}\n`) });
let events = 0;
const session = api.openSession(() => events++);
const ids = [];

async function call(method, input) {
  const reply = await session.call(method, input);
  if (reply.error) throw new Error(`${method}: ${reply.error.code}: ${reply.error.message}`);
  return reply.result;
}

/** Resolves with the job's final state once `jobs.done` names it. */
function jobDone(id) {
  return new Promise((resolve) => {
    const off = api.bus.subscribe('jobs.done', (job) => {
      if (job.id !== id) return;
      off();
      resolve(job);
    });
  });
}

function histogramMs(h) {
  return { p50: h.percentile(50) / 1e6, p99: h.percentile(99) / 1e6, max: h.max / 1e6 };
}

try {
  for (let i = 0; i < Number(count); i++) {
    const record = await call('containers.run', { image, options: { command: ['/bin/busybox', 'sleep', '3600'], network: 'none' } });
    ids.push(record.id);
  }
  session.subscribe('containers.changed');
  session.subscribe('stats.samples');
  await new Promise((resolve) => setTimeout(resolve, 3000)); // files opened, code compiled

  // CPU share first, with nothing of the bench's own running: the delay histogram below wakes
  // the loop every millisecond, which alone costs ~2 % of a core on this machine.
  let cpu = process.cpuUsage();
  const wall = performance.now();
  await new Promise((resolve) => setTimeout(resolve, 20_000));
  cpu = process.cpuUsage(cpu);
  const idleShare = (cpu.user + cpu.system) / 1000 / (performance.now() - wall);
  const idle = monitorEventLoopDelay({ resolution: 1 });
  idle.enable();
  await new Promise((resolve) => setTimeout(resolve, 5_000));
  idle.disable();

  const busy = monitorEventLoopDelay({ resolution: 1 });
  busy.enable();
  const started = performance.now();
  const importJob = await call('images.import', { path: importTar, tags: ['bench/loop-import:1'] });
  const buildJob = await call('images.build', { contextDir: buildContext, tags: ['bench/loop-build:1'], network: 'none', noCache: true });
  const done = await Promise.all([jobDone(importJob.id), jobDone(buildJob.id)]);
  busy.disable();
  for (const job of done) if (job.state !== 'succeeded') throw new Error(`${job.kind}: ${job.state}: ${job.error?.message}`);
  process.stdout.write(
    JSON.stringify({
      idle: { share: idleShare, loop: histogramMs(idle) },
      busy: { seconds: (performance.now() - started) / 1000, loop: histogramMs(busy) },
      events,
    }),
  );
} finally {
  session.close();
  for (const id of ids) await engine.removeContainer(id, { force: true }).catch(() => undefined);
  await api.close();
}
