// Every view of the window as a designer looks at it: the containers list, a container's
// detail on each of its tabs (stats, logs, terminal, exec, inspect, layers), the images, an
// image's layers (a small image and one of 101 layers), the disk, the jobs, and the dialogs
// (run, import, pull, prune, a confirmation) — each at 1280×800 and 1920×1080, in light and
// dark (screenshotLooks: `tour-<view>-<size>-<theme>.png` under test/e2e/screenshots/). The
// store is a busy one: a container working under limits, one paused, one exited, one never
// started, three images, their import jobs. The pictures are for looking at; what the test
// itself checks is that each view is there and the window reports no error. The last one,
// the charts a couple of minutes in, is the README's first picture.
import path from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { manyLayerImage, testImages, writeDockerArchive, writeOciLayout } from '../helpers/test-images';
import { type Strata, ensureRendererBuilt, screenshotLooks, skipReason, startStrata } from './harness';

const reason = skipReason();
if (reason) console.log(`e2e tour: skipped: ${reason}`);

const MiB = 1024 * 1024;
/** A web server's log, more or less: a line a quarter second, a warning now and then. */
const WEB = ['sh', '-c', 'i=0; while true; do i=$((i+1)); echo "GET /api/items/$i 200 3ms"; [ $((i % 7)) = 0 ] && echo "slow query on /api/items/$i" >&2; sleep 0.25; done'];

const shown = (locator: Locator): Promise<boolean> => locator.isVisible();

/** Off every row and button: no hover in the pictures. */
async function restPointer(page: Page): Promise<void> {
  await page.mouse.move(2, 2);
}

describe.skipIf(reason)('the window, every view (Chromium)', () => {
  let strata: Strata;
  let web = '';

  beforeAll(async () => {
    ensureRendererBuilt();
    strata = await startStrata('tour');
    const { a, b, layers } = testImages(strata.work);
    const { api, engine } = strata;
    // Through jobs, as the window imports: the Jobs view has them to show.
    await api.runJob('images.import', { path: writeOciLayout(path.join(strata.work, 'layout'), [a, b]) });
    await api.runJob('images.import', { path: writeDockerArchive(strata.work, [manyLayerImage(strata.work, layers.base)]) });
    const started = await engine.createContainer('test/a:1', { name: 'web', command: WEB, memory: 64 * MiB, cpus: 0.5, pidsLimit: 64 });
    await engine.startContainer(started.id);
    web = started.id;
    const napping = await engine.createContainer('test/a:1', { name: 'napping', command: ['sleep', '600'] });
    await engine.startContainer(napping.id);
    await engine.pauseContainer(napping.id);
    const done = await engine.createContainer('test/b:1', { name: 'one-shot', command: ['/bin/cat', '/opt/b.txt'] });
    await engine.startContainer(done.id);
    await engine.waitContainer(done.id);
    await engine.createContainer('test/b:1', { name: 'fresh', command: ['sleep', '600'] });
    await new Promise((resolve) => setTimeout(resolve, 6000)); // a few seconds of samples for the charts
  }, 180_000);

  afterEach(() => strata?.expectNoErrors());

  afterAll(async () => {
    await strata?.stop();
  });

  it('the containers list', async () => {
    const { page } = strata;
    await page.goto(`${strata.url}#containers`);
    await expect.poll(() => page.locator('tr[data-container]').count()).toBe(4);
    await restPointer(page);
    await screenshotLooks(page, 'tour-containers');
  });

  it('a container on each tab', { timeout: 120_000 }, async () => {
    const { page } = strata;
    await page.goto(`${strata.url}#containers/${web}`);
    await expect.poll(() => shown(page.getByRole('heading', { name: 'web', level: 1 }))).toBe(true);
    await expect.poll(() => page.locator('[data-chart="memory"] li[data-line="Working set"] .figures').textContent(), { timeout: 15_000 }).toMatch(/^peak /);
    await restPointer(page);
    await screenshotLooks(page, 'tour-detail-stats');

    await page.getByRole('tab', { name: 'Logs' }).click();
    await expect.poll(() => page.getByRole('log', { name: 'Log output' }).locator('.line').count()).toBeGreaterThan(10);
    await screenshotLooks(page, 'tour-detail-logs');

    await page.getByRole('tab', { name: 'Terminal' }).click();
    await page.getByRole('button', { name: 'Open shell' }).click();
    await expect.poll(() => shown(page.getByRole('button', { name: 'Detach' }))).toBe(true);
    await page.keyboard.type('ls /; echo "hello from $(hostname)"');
    await page.keyboard.press('Enter');
    await page.waitForTimeout(500);
    await screenshotLooks(page, 'tour-detail-terminal');
    await page.getByRole('button', { name: 'Detach' }).click();

    await page.getByRole('tab', { name: 'Exec' }).click();
    await page.getByRole('textbox', { name: 'Command to run' }).fill('cat /etc/hostname');
    await page.getByRole('textbox', { name: 'Command to run' }).press('Enter');
    await page.waitForTimeout(800);
    await screenshotLooks(page, 'tour-detail-exec');

    await page.getByRole('tab', { name: 'Inspect' }).click();
    await page.waitForTimeout(300);
    await screenshotLooks(page, 'tour-detail-inspect');

    await page.getByRole('tab', { name: 'Layers' }).click();
    await page.waitForTimeout(800);
    await screenshotLooks(page, 'tour-detail-layers');

    // An exited one: what it came to.
    await page.goto(`${strata.url}#containers`);
    await page.getByRole('button', { name: 'Open one-shot' }).click();
    await expect.poll(() => shown(page.getByRole('heading', { name: 'one-shot', level: 1 }))).toBe(true);
    await page.waitForTimeout(500);
    await screenshotLooks(page, 'tour-detail-exited');
  });

  it('the images, and their layers', { timeout: 120_000 }, async () => {
    const { page } = strata;
    await page.goto(`${strata.url}#images`);
    await expect.poll(() => page.locator('tr[data-image]').count()).toBe(3);
    await restPointer(page);
    await screenshotLooks(page, 'tour-images');

    await page.evaluate(`location.hash = 'images/' + encodeURIComponent('test/a:1')`);
    await expect.poll(() => shown(page.getByRole('listbox', { name: 'Layers, bottom first' }))).toBe(true);
    await page.waitForTimeout(500);
    await restPointer(page);
    await screenshotLooks(page, 'tour-image-layers');

    await page.evaluate(`location.hash = 'images/' + encodeURIComponent('test/many:101')`);
    await expect.poll(() => page.getByRole('listbox', { name: 'Layers, bottom first' }).getAttribute('aria-activedescendant')).toBe('layer-100');
    await page.waitForTimeout(500);
    await restPointer(page);
    await screenshotLooks(page, 'tour-image-layers-many');
  });

  it('the disk, and the jobs', async () => {
    const { page } = strata;
    await page.getByRole('button', { name: 'Disk', exact: true }).click();
    await expect.poll(() => shown(page.getByRole('list', { name: 'Layers by sharing' }))).toBe(true);
    await restPointer(page);
    await screenshotLooks(page, 'tour-disk');
    await page.getByRole('button', { name: 'Jobs', exact: true }).click();
    await page.waitForTimeout(500);
    await restPointer(page);
    await screenshotLooks(page, 'tour-jobs');
  });

  it('the dialogs: run, import, pull, prune, a confirmation', { timeout: 120_000 }, async () => {
    const { page } = strata;
    await page.goto(`${strata.url}#containers`);
    await page.getByRole('button', { name: 'Run a container' }).first().click();
    const run = page.getByRole('dialog', { name: 'Run a container' });
    await expect.poll(() => shown(run)).toBe(true);
    await run.getByRole('combobox', { name: 'Image' }).selectOption('test/a:1');
    await screenshotLooks(page, 'tour-dialog-run');
    await run.getByRole('button', { name: 'Cancel' }).click();

    await page.locator('tr[data-container="web"]').getByRole('button', { name: 'More actions for web' }).click();
    await page.getByRole('menuitem', { name: 'Remove web' }).click();
    const confirm = page.getByRole('dialog', { name: 'Remove web?' });
    await expect.poll(() => shown(confirm)).toBe(true);
    await screenshotLooks(page, 'tour-dialog-confirm');
    await confirm.getByRole('button', { name: 'Cancel' }).click();

    await page.getByRole('button', { name: 'Images', exact: true }).click();
    for (const [button, title, name] of [
      ['Import an image', /^Import/, 'import'],
      ['Pull…', /^Pull/, 'pull'],
      ['Prune…', /^Prune/, 'prune'],
    ] as const) {
      await page.getByRole('button', { name: button, exact: true }).first().click();
      const dialog = page.getByRole('dialog', { name: title });
      await expect.poll(() => shown(dialog)).toBe(true);
      await page.waitForTimeout(500); // a dry run's figures
      await screenshotLooks(page, `tour-dialog-${name}`);
      await dialog.getByRole('button', { name: 'Cancel' }).click();
      await expect.poll(() => dialog.count()).toBe(0);
    }
  });

  it('a container\'s charts, a few minutes in (the README\'s picture)', { timeout: 240_000 }, async () => {
    const { page, engine } = strata;
    // The charts' window is 5 minutes: wait until web has run for 2 of them, so the lines say something.
    const startedAt = Date.parse((await engine.inspectContainer(web)).state.startedAt!);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, startedAt + 120_000 - Date.now())));
    await page.goto(`${strata.url}#containers/${web}`);
    await expect.poll(() => shown(page.getByRole('heading', { name: 'web', level: 1 }))).toBe(true);
    await expect.poll(() => page.locator('[data-chart="memory"] li[data-line="Working set"] .figures').textContent(), { timeout: 15_000 }).toMatch(/^peak /);
    await restPointer(page);
    await screenshotLooks(page, 'tour-detail-stats-later');
  });
});
