// One process, many containers: times create + start + wait of `true` through the Engine
// itself (no CLI start-up), then the rm, and prints the samples as JSON. Run by
// bench/containers.js: node bench/engine-cycle.js STORE_ROOT IMAGE COUNT [NETWORK]
// (NETWORK default none: runc's bundle has an empty network namespace too).
import { Engine } from '../out/main/engine.js';

const [root, image, count, network = 'none'] = process.argv.slice(2);
const engine = Engine.open({ root });
const cycle = [];
const remove = [];
for (let i = 0; i < Number(count); i++) {
  const start = process.hrtime.bigint();
  const container = await engine.createContainer(image, { command: ['/bin/true'], network });
  await engine.startContainer(container.id);
  const code = await engine.waitContainer(container.id);
  const started = process.hrtime.bigint();
  await engine.removeContainer(container.id);
  const removed = process.hrtime.bigint();
  if (code !== 0) throw new Error(`container exited ${code}`);
  cycle.push(Number(started - start) / 1e9);
  remove.push(Number(removed - started) / 1e9);
}
process.stdout.write(JSON.stringify({ cycle, remove }));
