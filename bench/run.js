// `npm run bench`: Strata side by side with the tools it replaces, as ratios. The rows of
// issue 18's table it measured go into README.md's performance table (readme-table.js).
// Usage: node bench/run.js [--runs N] [--work DIR] [cli] [import] [runtime] [containers] [build] [stats] [renderer] [loop] [socket] [terminal] [rootless]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { benchBuild } from './build.js';
import { benchCli } from './cli.js';
import { benchContainers } from './containers.js';
import { benchImport } from './import.js';
import { benchLoop } from './loop.js';
import { benchStats } from './stats.js';
import { benchRenderer } from './renderer.js';
import { writeReadmeTable } from './readme-table.js';
import { benchRootless } from './rootless.js';
import { benchRuntime } from './runtime.js';
import { benchSocket } from './socket.js';
import { benchTerminal } from './terminal.js';

const { values, positionals } = parseArgs({ options: { runs: { type: 'string', default: '3' }, work: { type: 'string', default: '/var/tmp/strata-bench' } }, allowPositionals: true });
const suites = { cli: benchCli, import: benchImport, runtime: benchRuntime, containers: benchContainers, build: benchBuild, stats: benchStats, renderer: benchRenderer, loop: benchLoop, socket: benchSocket, terminal: benchTerminal, rootless: benchRootless };
const chosen = positionals.length ? positionals : Object.keys(suites);

if (!fs.existsSync(path.resolve('out/main/cli.js'))) {
  process.stderr.write('bench: build first (npm run build)\n');
  process.exit(2);
}
if (process.getuid() !== 0) {
  process.stderr.write('bench: run as root (the engine keeps ownership and device nodes)\n');
  process.exit(2);
}
fs.mkdirSync(values.work, { recursive: true });
const results = [];
// The load at the start and the end of the run: the README shows the higher.
const loadAtStart = os.loadavg()[0];
for (const name of chosen) {
  const suite = suites[name];
  if (!suite) {
    process.stderr.write(`bench: unknown suite ${name} (have: ${Object.keys(suites).join(', ')})\n`);
    process.exit(2);
  }
  process.stderr.write(`bench ${name}: ${values.runs} runs in ${values.work} …\n`);
  const result = suite({ work: values.work, runs: Number(values.runs) });
  results.push(result);
  for (const row of result.rows) {
    process.stdout.write(`${row.what}\n  strata ${row.strata}   ${row.peerName} ${row.peer}   ratio ${row.ratio} (target ${row.target})\n`);
  }
}
const out = path.resolve('bench/results');
fs.mkdirSync(out, { recursive: true });
const file = path.join(out, `${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
fs.writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), results }, null, 2));
process.stderr.write(`results: ${file}\n`);

const load = Math.max(loadAtStart, os.loadavg()[0]);
const written = writeReadmeTable(path.resolve('README.md'), results, `${new Date().toISOString().slice(0, 10)}, load ${load.toFixed(1)}, ${os.availableParallelism()} cores`);
process.stderr.write(written.length ? `README.md performance table: ${written.join(', ')}\n` : 'README.md performance table: no row of issue 18 in these suites\n');
