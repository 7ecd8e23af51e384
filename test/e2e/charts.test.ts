// As a user: charts that show the data. A container with no memory limit using a few MiB
// is drawn on an axis of a few MiB (not 0–host RAM), a CPU quota (--cpus 0.5) is a limit
// line at 50 %, each line's peak and average over the window is written under its chart,
// and the charts' plots line up. In the list every row's CPU line shares one scale and every
// row's memory line another. The log pauses when scrolled up, counts what arrives on a
// "N new lines ↓" button, and follows again from it. Screenshots of each, both sizes, both
// themes. After an exit the window ends at the exit and a limit runs on to that edge, past
// the last sample; a container that lived for one sample is a dot. The charts tell their
// scales, and what each line came to, through data- attributes (TimeChart.vue, SparkLine.vue).
import path from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { testImages, writeOciLayout } from '../helpers/test-images';
import { type Strata, ensureRendererBuilt, screenshotLooks, skipReason, startStrata } from './harness';

const reason = skipReason();
if (reason) console.log(`e2e charts: skipped: ${reason}`);

const MiB = 1024 * 1024;

/** Whether the engine sends stats samples within a few seconds (there may be no sampler here). */
async function statsArrive(strata: Strata): Promise<boolean> {
  let seen = 0;
  const stop = strata.api.on('stats.samples', (batch) => (seen += Array.isArray(batch) ? batch.length : 1));
  await new Promise((resolve) => setTimeout(resolve, 3000));
  stop();
  return seen > 0;
}

/** A detail chart's root (TimeChart), by chart id: cpu, memory, pids, network, block. */
const chart = (page: Page, id: string): Locator => page.locator(`[data-chart="${id}"] .chart`);
const number = async (locator: Locator, attribute: string): Promise<number> => Number(await locator.getAttribute(attribute));
const figures = (page: Page, id: string, line: string): Locator => page.locator(`[data-chart="${id}"] li[data-line="${line}"] .figures`);

describe.skipIf(reason)('the window, charts and logs (Chromium)', () => {
  let strata: Strata;
  let live = false;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    ensureRendererBuilt();
    strata = await startStrata('charts');
    const { a } = testImages(strata.work);
    await strata.engine.importImage({ path: writeOciLayout(path.join(strata.work, 'layout'), [a]) });
    const run = async (name: string, script: string, options: { cpus?: number } = {}): Promise<void> => {
      const container = await strata.engine.createContainer('test/a:1', { name, command: ['sh', '-c', script], ...options });
      await strata.engine.startContainer(container.id);
      ids[name] = container.id;
    };
    // No limit at all, a few MiB, a little CPU; and one busy core held to half by --cpus 0.5.
    await run('small', 'i=0; while true; do i=$((i+1)); echo "request $i served in 3 ms"; [ $((i % 4)) = 0 ] && echo "slow request $i" >&2; sleep 0.25; done');
    await run('capped', 'while true; do :; done', { cpus: 0.5 });
    live = await statsArrive(strata);
    if (!live) console.log('e2e charts: chart scales not checked: the engine sent no stats.samples within 3 s');
  });

  afterEach(() => strata?.expectNoErrors());

  afterAll(async () => {
    await strata?.stop();
  });

  it('fits the memory axis of a container without a limit to its few MiB, not to the host\'s RAM', async () => {
    const { page } = strata;
    await page.goto(`${strata.url}#containers/${ids.small}`);
    await expect.poll(() => page.getByRole('heading', { name: 'small', level: 1 }).isVisible()).toBe(true);
    if (!live) return;
    const memory = chart(page, 'memory');
    await expect.poll(() => figures(page, 'memory', 'Working set').textContent(), { timeout: 15_000 }).toMatch(/^peak .+ · avg .+$/);
    const { memoryBytes } = await strata.api.call('system.info');
    const top = await number(memory, 'data-y-max');
    expect(top).toBeGreaterThan(0);
    expect(top).toBeLessThanOrEqual(64 * MiB);
    expect(top).toBeLessThan(memoryBytes / 100);
    // Its limit: none (the samples' host RAM is not one), and the figure says no "of 23.5 GiB".
    expect(await figures(page, 'memory', 'Limit').textContent()).toBe('none');
    expect(await memory.getAttribute('data-limit')).toBe('none');
    expect(await page.locator('[data-chart-value="memory"]').textContent()).not.toContain(' of ');
    // CPU: a fraction of a core on a fitted axis, not 0–100 %.
    expect(await number(chart(page, 'cpu'), 'data-y-max')).toBeLessThan(100);
    expect(await figures(page, 'cpu', 'CPU').textContent()).toMatch(/^peak [\d.]+% · avg [\d.]+%$/);
    expect(await figures(page, 'cpu', 'Limit').textContent()).toBe('none');
    await screenshotLooks(page, 'charts-fitted');
  });

  it('draws a --cpus 0.5 quota as a limit line at 50 %, and lines the charts up', async () => {
    const { page } = strata;
    await page.goto(`${strata.url}#containers/${ids.capped}`);
    await expect.poll(() => page.getByRole('heading', { name: 'capped', level: 1 }).isVisible()).toBe(true);
    if (!live) return;
    const cpu = chart(page, 'cpu');
    // A busy loop under the quota works near it: the limit is drawn, on an axis just above it.
    await expect.poll(() => cpu.getAttribute('data-limit'), { timeout: 20_000 }).toBe('line');
    expect(await figures(page, 'cpu', 'Limit (0.5 core)').textContent()).toBe('50%');
    const top = await number(cpu, 'data-y-max');
    expect(top).toBeGreaterThan(50);
    expect(top).toBeLessThan(100);
    const peak = await figures(page, 'cpu', 'CPU').textContent();
    expect(Number(/^peak ([\d.]+)%/.exec(peak ?? '')?.[1])).toBeGreaterThan(20);
    await screenshotLooks(page, 'charts-cpu-limit');
    // The same window, the same gutter: the plots start at the same x and end at the same
    // time (in a window tall enough for all five with room to spare: charts out of view skip ticks,
    // and a notice or a wrapped line above them must not push the last one out).
    const viewport = page.viewportSize()!;
    await page.setViewportSize({ width: 1400, height: 2400 });
    try {
      const frames = () => page.locator('[data-chart] .chart').evaluateAll((charts) => charts.map((el) => ({ ...(el as unknown as { dataset: Record<string, string> }).dataset })));
      // Each chart redraws on its own frame after a tick: under load, give them a few ticks to meet.
      await expect.poll(async () => new Set((await frames()).map((f) => f.xEnd)).size, { timeout: 10_000 }).toBe(1);
      const all = await frames();
      expect(all).toHaveLength(5);
      expect(new Set(all.map((f) => f.plotLeft)).size).toBe(1);
      expect(new Set(all.map((f) => f.xStart)).size).toBe(1);
    } finally {
      await page.setViewportSize(viewport);
    }
  });

  it('pauses the log when scrolled up, counts the lines that arrive, and follows again from the button', async () => {
    const { page } = strata;
    await page.goto(`${strata.url}#containers/${ids.small}`);
    await page.getByRole('tab', { name: 'Logs' }).click();
    const log = page.getByRole('log', { name: 'Log output' });
    const follow = page.getByRole('checkbox', { name: 'Follow' });
    // Enough lines to scroll, then the view at the end.
    await expect.poll(() => log.locator('.line').count(), { timeout: 20_000 }).toBeGreaterThan(60);
    await expect.poll(() => log.evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight)).toBeLessThan(24);
    expect(await follow.isChecked()).toBe(true);

    await log.hover();
    await page.mouse.wheel(0, -500);
    await expect.poll(() => follow.isChecked()).toBe(false);
    const reading = await log.evaluate((el) => el.scrollTop);
    const more = page.getByRole('button', { name: /^\d+ new lines?$/ });
    await expect.poll(() => more.isVisible(), { timeout: 10_000 }).toBe(true);
    // What is being read stays where it is while lines arrive.
    await page.waitForTimeout(1200);
    expect(await log.evaluate((el) => el.scrollTop)).toBe(reading);
    const count = Number(/^(\d+)/.exec((await more.textContent()) ?? '')?.[1]);
    expect(count).toBeGreaterThan(0);
    await screenshotLooks(page, 'logs-paused');

    await more.click();
    await expect.poll(() => follow.isChecked()).toBe(true);
    expect(await more.count()).toBe(0);
    await expect.poll(() => log.evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight)).toBeLessThan(24);

    // Unticking Follow pauses too; ticking it goes back to the end.
    await follow.uncheck();
    await expect.poll(() => page.getByRole('button', { name: /new lines?$|to the end$/ }).isVisible()).toBe(true);
    await follow.check();
    await expect.poll(() => log.evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight)).toBeLessThan(24);
    expect(await page.getByRole('button', { name: /new lines?$|to the end$/ }).count()).toBe(0);
    await screenshotLooks(page, 'logs-following');
  });

  it('draws every row\'s CPU sparkline on one scale, and every row\'s memory on another', async () => {
    const { page } = strata;
    await page.goto(`${strata.url}#containers`);
    const sparks = page.getByRole('img', { name: /^CPU and memory of .+, last minute/ });
    await expect.poll(() => sparks.count()).toBe(2);
    if (!live) return;
    const scales = () => sparks.evaluateAll((canvases) => canvases.map((el) => ({ ...(el as unknown as { dataset: Record<string, string> }).dataset })));
    // The busy row sets the CPU scale for both rows: the quiet one's line stays low on it.
    await expect.poll(async () => Math.min(...(await scales()).map((s) => Number(s.cpuMax))), { timeout: 15_000 }).toBeGreaterThanOrEqual(20);
    const rows = await scales();
    expect(new Set(rows.map((s) => s.cpuMax)).size).toBe(1);
    expect(new Set(rows.map((s) => s.memoryMax)).size).toBe(1);
    expect(Number(rows[0]!.memoryMax)).toBeGreaterThan(0);
    expect(Number(rows[0]!.memoryMax)).toBeLessThanOrEqual(64 * MiB);
    // The scales in words on hover.
    expect(await sparks.first().getAttribute('title')).toMatch(/ · scales: memory 0–[\d.]+ [KM]iB, cpu 0–[\d.]+%$/);
    await screenshotLooks(page, 'charts-list');
  });

  it('runs a limit on to the window\'s edge after the exit, and draws a container of one sample as a dot', { timeout: 90_000 }, async () => {
    const { page, engine, api } = strata;
    if (!live) return;
    const drawn = (id: string, line: string): Promise<string | null> => page.locator(`[data-chart="${id}"] li[data-line="${line}"]`).getAttribute('data-drawn');
    const xEnd = async (id: string): Promise<number> => number(chart(page, id), 'data-x-end');

    // A few seconds under limits, then the exit: the window ends at the exit, a moment after
    // the last sample; a limit is drawn to there, the processes only to their last sample.
    // (The process limit is near the data, so drawn; 64 MiB is far above a shell's few
    // hundred KiB, so named and not drawn.)
    const limits = { memory: 64 * MiB, pidsLimit: 8 };
    const brief = await engine.createContainer('test/a:1', { name: 'brief', command: ['sleep', '3'], ...limits });
    await engine.startContainer(brief.id);
    await engine.waitContainer(brief.id);
    const exited = Date.parse((await engine.inspectContainer(brief.id)).state.finishedAt!);
    await page.goto(`${strata.url}#containers/${brief.id}`);
    await expect.poll(() => page.getByRole('heading', { name: 'brief', level: 1 }).isVisible()).toBe(true);
    await expect.poll(() => xEnd('pids'), { timeout: 10_000 }).toBe(exited);
    await expect.poll(() => drawn('pids', 'Limit')).toBe(`line to ${exited}`);
    expect(await drawn('memory', 'Limit')).toMatch(new RegExp(`^(line to ${exited}|above the scale)$`));
    const processes = /^line to (\d+)$/.exec((await drawn('pids', 'Processes')) ?? '');
    expect(processes, 'the processes are a line of their samples').not.toBeNull();
    expect(Number(processes![1])).toBeLessThanOrEqual(exited);
    // Every chart ends at the exit (they share the window).
    for (const id of ['cpu', 'memory', 'network', 'block']) expect(await xEnd(id), id).toBe(exited);
    await screenshotLooks(page, 'charts-after-exit');

    // A container that lived for exactly one sample (the sampler ticks once a second: a
    // life under a second is sampled once or not at all, so a few tries). Its cgroup is
    // sampled on after the exit until it is removed: those samples are not its life, and
    // not drawn (the window ends at the exit).
    let lone: { id: string; time: number } | undefined;
    const counts: number[] = [];
    for (let attempt = 0; attempt < 10 && !lone; attempt++) {
      const blink = await engine.createContainer('test/a:1', { name: `blink-${attempt}`, command: ['sleep', '0.6'], ...limits });
      await engine.startContainer(blink.id);
      await engine.waitContainer(blink.id);
      const ended = Date.parse((await engine.inspectContainer(blink.id)).state.finishedAt!);
      await new Promise((resolve) => setTimeout(resolve, 1200)); // a tick in flight has landed
      const alive = (await api.call('stats.recent', { ref: blink.id })).filter((sample) => sample.time <= ended);
      counts.push(alive.length);
      if (alive.length === 1 && alive[0]!.pidsCurrent !== null && alive[0]!.memoryWorkingSet !== null) lone = { id: blink.id, time: alive[0]!.time };
      else await engine.removeContainer(blink.id);
    }
    if (!lone) return console.log(`e2e charts: the lone-sample dot not checked: ten short containers never got exactly one sample while they ran (${counts.join(', ')})`);
    await page.goto(`${strata.url}#containers/${lone.id}`);
    await expect.poll(() => drawn('pids', 'Processes'), { timeout: 10_000 }).toBe(`dot at ${lone.time}`);
    expect(await drawn('memory', 'Working set')).toBe(`dot at ${lone.time}`);
    // its limit runs from that sample on to the exit
    const end = await xEnd('pids');
    expect(end).toBeGreaterThanOrEqual(lone.time);
    expect(await drawn('pids', 'Limit')).toBe(end > lone.time ? `line to ${end}` : `dot at ${lone.time}`);
    expect(await drawn('cpu', 'CPU')).toBe('none'); // a rate needs two samples
    await screenshotLooks(page, 'charts-lone-sample');
  });
});
