// Run by bench/stats.js in a process of its own: starts COUNT idle containers, samples them
// at 1 Hz for 20 s with the engine's sampler, prints the process's CPU share as JSON, and
// removes the containers. Then how true the readings are, which a loaded machine can skew (so
// measured here, not asserted in test/engine/stats/live.test.ts): a CPU burner under
// --cpus 0.5, its mean reading over 8 s and the share of its CFS periods the kernel throttled.
// node bench/stats-cost.js STORE_ROOT IMAGE COUNT
import { Engine } from '../out/main/engine.js';

const [root, image, count] = process.argv.slice(2);
const engine = Engine.open({ root });
const ids = [];
try {
  for (let i = 0; i < Number(count); i++) {
    const container = await engine.createContainer(image, { command: ['/bin/busybox', 'sleep', '3600'] });
    await engine.startContainer(container.id);
    ids.push(container.id);
  }
  const sampler = await engine.openStatsSampler({ historyDir: null });
  for (let i = 0; i < 3; i++) await sampler.tick(); // files opened, code compiled
  let cpu = process.cpuUsage();
  for (let i = 0; i < 20; i++) await sampler.tick();
  cpu = process.cpuUsage(cpu);
  const perTickMs = (cpu.user + cpu.system) / 1000 / 20;
  sampler.start();
  const wall = performance.now();
  cpu = process.cpuUsage();
  await new Promise((resolve) => setTimeout(resolve, 20_000));
  cpu = process.cpuUsage(cpu);
  const share = (cpu.user + cpu.system) / 1000 / (performance.now() - wall);
  await sampler.stop();
  for (const id of ids.splice(0)) await engine.removeContainer(id, { force: true });

  const burner = await engine.createContainer(image, { command: ['/bin/busybox', 'sh', '-c', 'while :; do :; done'], cpus: 0.5 });
  ids.push(burner.id);
  await engine.startContainer(burner.id);
  sampler.start();
  const rated = () => sampler.recent(burner.id).filter((sample) => sample.cpuPercent !== null);
  const deadline = Date.now() + 30_000;
  while (rated().length < 10 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
  await sampler.stop();
  const last = rated().slice(-8);
  const mean = (values) => values.reduce((sum, value) => sum + value, 0) / values.length;
  const burnerPercent = mean(last.map((sample) => sample.cpuPercent));
  const burnerThrottledPercent = mean(last.map((sample) => sample.cpuThrottledPercent ?? 0));
  process.stdout.write(JSON.stringify({ share, perTickMs, burnerPercent, burnerThrottledPercent }));
} finally {
  for (const id of ids) await engine.removeContainer(id, { force: true });
}
