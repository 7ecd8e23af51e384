// Benchmark: the window's scripting time per 1 Hz stats tick with 50 running containers
// (50 sparklines in the list, all in view), and on one container's detail (five Chart.js
// charts, those in view redrawn), in
// Debian's Chromium. The built renderer (out/renderer) talks to a stand-in API on loopback
// that lists 50 containers and sends a stats.samples batch a second; the page measures
// each batch (performance.measure 'strata:stats-tick': applying it, then Vue's and
// Chart.js's redraw) and the DevTools protocol counts all script time besides.
// Budget: under 5 ms per tick.
//
// `node bench/renderer.js` runs it alone; bench/run.js runs it as the `renderer` suite
// (in a child process: the suites there are synchronous).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { WebSocketServer } from 'ws';

const HERE = fileURLToPath(import.meta.url);
const RENDERER = path.resolve(path.dirname(HERE), '..', 'out', 'renderer');
const CHROMIUM = '/usr/bin/chromium';
const CONTAINERS = 50;
const HISTORY_S = 300;
const WARMUP_TICKS = 3;
const TICKS = 30;
const BUDGET_MS = 5;
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml' };

function records() {
  const started = new Date(Date.now() - 3_600_000).toISOString();
  return Array.from({ length: CONTAINERS }, (_, i) => ({
    id: i.toString(16).padStart(2, '0').repeat(32),
    name: `bench-${i}`,
    created: started,
    image: { ref: 'bench/image:1', id: `sha256:${'ab'.repeat(32)}`, manifestDigest: `sha256:${'cd'.repeat(32)}` },
    layers: [],
    options: { memory: 256 << 20 },
    exposedPorts: ['80/tcp'],
    state: { status: 'running', pid: 1000 + i, startedAt: started },
  }));
}

/**
 * One sample per container at time `t` (ms), in the sampler's shape
 * (src-main/engine/stats/sample.ts): gauges, cumulative counters and their rates.
 */
function samples(list, t) {
  const s = t / 1000;
  return list.map((c, i) => {
    const wave = (period, phase) => Math.abs(Math.sin(s / period + phase));
    return {
      id: c.id,
      time: t,
      cpuPercent: 20 + 30 * wave(7, i),
      cpuThrottledPeriods: 0,
      cpuThrottledPercent: 0,
      memoryUsage: Math.round((80 + 32 * wave(11, i)) * 2 ** 20),
      memoryWorkingSet: Math.round((64 + 32 * wave(11, i)) * 2 ** 20),
      memoryLimit: 256 * 2 ** 20,
      memoryOomEvents: null,
      memoryOomKills: 0,
      pidsCurrent: 3 + (i % 5),
      pidsLimit: 100,
      blkioReadBytes: Math.round(s * 4096 * (i % 2)),
      blkioWriteBytes: Math.round(s * 16_384),
      blkioReadBytesPerSec: 4096 * (i % 2),
      blkioWriteBytesPerSec: 16_384 * wave(5, i),
      netRxBytes: Math.round(s * 20_000),
      netTxBytes: Math.round(s * 8_000),
      netRxBytesPerSec: 20_000 * wave(3, i),
      netTxBytesPerSec: 8_000 * wave(4, i),
    };
  });
}

/** The stand-in engine: the renderer's files, and just enough of the API over /api. */
async function standIn() {
  const list = records();
  const server = http.createServer((request, response) => {
    const url = new URL(request.url, 'http://host');
    const file = path.join(RENDERER, url.pathname === '/' ? 'index.html' : path.normalize(url.pathname));
    if (!file.startsWith(RENDERER) || !fs.existsSync(file)) return response.writeHead(404).end();
    response.writeHead(200, { 'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream' }).end(fs.readFileSync(file));
  });
  const sockets = new WebSocketServer({ noServer: true });
  const answers = {
    'containers.list': () => list,
    'containers.inspect': ({ ref }) => list.find((c) => c.id === ref || c.name === ref),
    'images.list': () => [],
    'jobs.list': () => [],
    'disk.usage': () => ({ images: [], layers: [], logicalBytes: 0, layerBytes: 0, blobBytes: 0, savedBytes: 0, reclaimableBytes: 0 }),
    'system.info': () => ({ version: 'bench', platform: 'linux', arch: 'x64', kernel: '', storeRoot: '/', cgroupVersion: 'v2', rootless: false, uid: 0, cpus: 2, memoryBytes: 2 ** 34 }),
    'logs.follow': () => ({ follow: 'bench', container: list[0].id }),
  };
  const subscribed = new Set();
  sockets.on('connection', (ws) => {
    ws.on('message', (data) => {
      const frame = JSON.parse(data.toString());
      if (frame.subscribe) {
        subscribed.add(ws);
        return ws.send(JSON.stringify({ id: frame.id, result: null }));
      }
      if (frame.unsubscribe) return ws.send(JSON.stringify({ id: frame.id, result: null }));
      const answer = answers[frame.method];
      ws.send(JSON.stringify(answer ? { id: frame.id, result: answer(frame.input ?? {}) ?? null } : { id: frame.id, error: { code: 'UNKNOWN_METHOD', message: `no ${frame.method} in the stand-in` } }));
    });
    ws.on('close', () => subscribed.delete(ws));
  });
  server.on('upgrade', (request, socket, head) => sockets.handleUpgrade(request, socket, head, (ws) => sockets.emit('connection', ws)));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const send = (payload) => {
    const text = JSON.stringify({ event: 'stats.samples', payload });
    for (const ws of subscribed) ws.send(text);
  };
  return {
    url: `http://127.0.0.1:${server.address().port}/?token=bench`,
    list,
    /** The last 5 minutes at once, as the stored history would give them. */
    backfill() {
      const now = Date.now();
      const all = [];
      for (let s = HISTORY_S; s > 0; s--) all.push(...samples(list, now - s * 1000));
      send(all);
    },
    tick: () => send(samples(list, Date.now())),
    close: () => new Promise((resolve) => {
      for (const ws of sockets.clients) ws.terminate();
      server.close(resolve);
    }),
  };
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const quantile = (values, q) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(q * values.length))];

/** Ticks once a second and returns what the page measured for them. */
async function measure(page, api) {
  for (let i = 0; i < WARMUP_TICKS; i++) {
    api.tick();
    await sleep(1000);
  }
  await page.evaluate(() => performance.clearMeasures('strata:stats-tick'));
  for (let i = 0; i < TICKS; i++) {
    api.tick();
    await sleep(1000);
  }
  const ticks = await page.evaluate(() => performance.getEntriesByName('strata:stats-tick').map((entry) => entry.duration));
  return { median: quantile(ticks, 0.5), p95: quantile(ticks, 0.95), max: Math.max(...ticks), count: ticks.length };
}

export async function measureRenderer() {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing (apt-get install chromium)`);
  if (!fs.existsSync(path.join(RENDERER, 'index.html'))) throw new Error('out/renderer is not built: npx electron-vite build');
  const api = await standIn();
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
  try {
    // Tall enough that all 50 rows, and so their 50 sparklines, are on screen.
    const page = await browser.newPage({ viewport: { width: 1600, height: 3400 } });
    await page.goto(`${api.url}#containers`);
    await page.locator('tr[data-container="bench-49"]').waitFor();
    await sleep(500);
    api.backfill();
    await page.waitForFunction(() => performance.getEntriesByName('strata:stats-tick').length > 0);
    const list = await measure(page, api);
    const sparklines = await page.locator('canvas[role="img"]').count();
    // The detail in a usual window: the charts below the fold wait until scrolled to.
    await page.setViewportSize({ width: 1400, height: 900 });
    await page.goto(`${api.url}#containers/${api.list[0].id}`);
    await page.getByRole('heading', { name: 'bench-0', level: 1 }).waitFor();
    const detail = await measure(page, api);
    const charts = await page.locator('canvas[role="img"]').count();
    const visibleCharts = await page.evaluate('[...document.querySelectorAll("canvas[role=img]")].filter((c) => c.getBoundingClientRect().top < innerHeight).length');
    return { list: { ...list, sparklines }, detail: { ...detail, charts, visibleCharts } };
  } finally {
    await browser.close();
    await api.close();
  }
}

const ms = (value) => `${value.toFixed(2)} ms`;

/** The bench/run.js suite: runs the measurement in a child process and reports rows. */
export function benchRenderer() {
  const child = spawnSync(process.execPath, [HERE, '--json'], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (child.status !== 0) throw new Error(`bench renderer failed: ${child.stderr}`);
  const result = JSON.parse(child.stdout);
  const row = (what, m) => ({
    what,
    strata: `${ms(m.median)} median, ${ms(m.p95)} p95 (${m.count} ticks)`,
    peerName: 'budget',
    peer: ms(BUDGET_MS),
    ratio: (m.p95 / BUDGET_MS).toFixed(2),
    target: '< 1',
  });
  return {
    suite: 'renderer',
    raw: result,
    rows: [row(`renderer: scripting per 1 Hz stats tick, list of ${CONTAINERS} running containers (${result.list.sparklines} sparklines)`, result.list), row(`renderer: scripting per 1 Hz stats tick, container detail in a 1400×900 window (${result.detail.charts} charts, ${result.detail.visibleCharts} in view)`, result.detail)],
  };
}

if (process.argv[1] === HERE) {
  const result = await measureRenderer();
  if (process.argv.includes('--json')) process.stdout.write(JSON.stringify(result));
  else {
    for (const [name, m] of Object.entries(result)) {
      const what = name === 'list' ? `${m.sparklines} sparklines` : `${m.charts} charts, ${m.visibleCharts} in view`;
      process.stdout.write(`${name} (${what}): per tick ${ms(m.median)} median, ${ms(m.p95)} p95, ${ms(m.max)} max over ${m.count} ticks (budget ${BUDGET_MS} ms)\n`);
    }
  }
}
