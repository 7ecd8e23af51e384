// Run by bench/stats.js in a process of its own: starts COUNT idle containers, samples them
// at 1 Hz for 20 s with the engine's sampler, prints the process's CPU share as JSON, and
// removes the containers. node bench/stats-cost.js STORE_ROOT IMAGE COUNT
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
  process.stdout.write(JSON.stringify({ share, perTickMs }));
} finally {
  for (const id of ids) await engine.removeContainer(id, { force: true });
}
