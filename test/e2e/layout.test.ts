// As a new user at 1280×800, with a busy store: every container row keeps its actions on
// one line (one primary action and a "⋯" menu, which works from the keyboard: Enter opens
// it on its first item, arrows move, Escape closes it and focus is back on its button; a
// click outside closes it too); a detail header's buttons stay on their line beside a long
// command, which is shown with its quotes; the Images list counts thirty containers in one
// line and says when an image was made in a few words; an error toast stays above an open
// dialog and can be dismissed there; a name already taken is said at the Run dialog's Name
// field (no toast besides), and goes once the name is changed, moving nothing. Screenshots
// of the list, the images, the disk and a detail header at both sizes in both themes.
import path from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { quoteCommand } from '@shared/shell-words';
import { formatBytes } from '../../src-renderer/src/lib/units';
import { testImages, writeOciLayout } from '../helpers/test-images';
import { type Strata, ensureRendererBuilt, screenshotLooks, skipReason, startStrata } from './harness';

const reason = skipReason();
if (reason) console.log(`e2e layout: skipped: ${reason}`);

/** A script long enough to push a header's buttons off their line if they could go. */
const TICKER = ['sh', '-c', 'while true; do echo "tick $(date +%s) from the ticker that never stops"; sleep 0.5; done; echo "it\'s over"'];

/** The box of an element, as the page lays it out. */
async function box(locator: Locator): Promise<{ x: number; y: number; width: number; height: number }> {
  const found = await locator.boundingBox();
  if (!found) throw new Error(`no box for ${String(locator)}`);
  return found;
}

/** The accessible name of the element that has focus (its aria-label, else its text). */
function focusedName(page: Page): Promise<string> {
  // A string: this file is type-checked without the DOM's types.
  return page.evaluate('(document.activeElement?.getAttribute("aria-label") ?? document.activeElement?.textContent ?? "").trim()') as Promise<string>;
}

// Functions run in the page below take their element untyped: this file is type-checked
// without the DOM's types (the element is `any` there).

describe.skipIf(reason)('the window, layout and consistency (Chromium)', () => {
  let strata: Strata;

  beforeAll(async () => {
    ensureRendererBuilt();
    strata = await startStrata('layout');
    const { a, b } = testImages(strata.work);
    await strata.engine.importImage({ path: writeOciLayout(path.join(strata.work, 'layout'), [a, b]) });
    const { engine } = strata;
    // Four states, and a command with quotes in it.
    const ticker = await engine.createContainer('test/a:1', { name: 'ticker', command: TICKER });
    await engine.startContainer(ticker.id);
    const paused = await engine.createContainer('test/a:1', { name: 'napping', command: ['sleep', '600'] });
    await engine.startContainer(paused.id);
    await engine.pauseContainer(paused.id);
    const done = await engine.createContainer('test/a:1', { name: 'finished', command: ['true'] });
    await engine.startContainer(done.id);
    await engine.waitContainer(done.id);
    await engine.createContainer('test/b:1', { name: 'fresh', command: ['sleep', '600'] });
    // Thirty containers of one image (fresh and 29 workers), never started: the Images list's Containers cell.
    for (let i = 1; i <= 29; i++) await engine.createContainer('test/b:1', { name: `worker-${String(i).padStart(2, '0')}`, command: ['true'] });
  });

  // a page error, a console error or a server error fails the test that caused it
  afterEach(() => strata?.expectNoErrors());

  afterAll(async () => {
    await strata?.stop();
  });

  it('keeps each container row to one line of actions at 1280×800: one primary action and a ⋯ menu', async () => {
    const { page } = strata;
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto(`${strata.url}#containers`);
    const rows = page.locator('tr[data-container]');
    await expect.poll(() => rows.count()).toBe(33);
    const primaries: Record<string, string> = { ticker: 'Stop ticker', napping: 'Resume napping', finished: 'Start finished', fresh: 'Start fresh' };
    for (const [name, primary] of Object.entries(primaries)) {
      const row = page.locator(`tr[data-container="${name}"]`);
      const button = row.getByRole('button', { name: primary, exact: true });
      await expect.poll(() => button.isVisible()).toBe(true);
      const actions = await box(row.locator('.actions'));
      const one = await box(button);
      // one line: no taller than its button, and the ⋯ beside it, not under it
      expect(actions.height, name).toBeLessThanOrEqual(one.height + 1);
      const more = await box(row.getByRole('button', { name: `More actions for ${name}` }));
      expect(Math.abs(more.y - one.y), name).toBeLessThanOrEqual(1);
      expect(more.x, name).toBeGreaterThan(one.x);
    }
    // every row the same height: nothing in any of them wraps
    const heights = new Set(await rows.evaluateAll((trs) => trs.map((tr) => Math.round(tr.getBoundingClientRect().height))));
    expect([...heights]).toHaveLength(1);
    await page.getByRole('searchbox', { name: 'Search containers' }).fill('');
    await screenshotLooks(page, 'layout-containers');
  });

  it('opens the ⋯ menu from the keyboard: Enter, arrows, Escape back to its button, and does what is chosen', async () => {
    const { page, engine } = strata;
    const more = page.locator('tr[data-container="ticker"]').getByRole('button', { name: 'More actions for ticker' });
    const menu = page.getByRole('menu', { name: 'More actions for ticker' });
    await more.focus();
    expect(await more.getAttribute('aria-expanded')).toBe('false');
    await page.keyboard.press('Enter');
    await expect.poll(() => menu.isVisible()).toBe(true);
    expect(await more.getAttribute('aria-expanded')).toBe('true');
    expect(await menu.getByRole('menuitem').allTextContents()).toEqual(['Restart', 'Pause', 'Kill…', 'Remove…']);
    await expect.poll(() => focusedName(page)).toBe('Restart ticker');
    await page.keyboard.press('ArrowDown');
    expect(await focusedName(page)).toBe('Pause ticker');
    await page.keyboard.press('End');
    expect(await focusedName(page)).toBe('Remove ticker');
    await page.keyboard.press('ArrowDown'); // wraps
    expect(await focusedName(page)).toBe('Restart ticker');
    await page.keyboard.press('ArrowUp'); // and back
    expect(await focusedName(page)).toBe('Remove ticker');
    await screenshotLooks(page, 'layout-row-menu');
    await page.keyboard.press('Escape');
    await expect.poll(() => menu.isVisible()).toBe(false);
    expect(await focusedName(page)).toBe('More actions for ticker');
    expect(await more.getAttribute('aria-expanded')).toBe('false');

    // A click elsewhere closes it too.
    await more.click();
    await expect.poll(() => menu.isVisible()).toBe(true);
    await page.getByRole('heading', { name: 'Containers', level: 1 }).click();
    await expect.poll(() => menu.isVisible()).toBe(false);

    // ArrowDown opens it too; Space chooses: Pause pauses.
    await more.focus();
    await page.keyboard.press('ArrowDown');
    await expect.poll(() => focusedName(page)).toBe('Restart ticker');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press(' ');
    await expect.poll(async () => (await engine.inspectContainer('ticker')).state.status).toBe('paused');
    await expect.poll(() => menu.isVisible()).toBe(false);
    await page.locator('tr[data-container="ticker"]').getByRole('button', { name: 'Resume ticker' }).click();
    await expect.poll(async () => (await engine.inspectContainer('ticker')).state.status).toBe('running');
  });

  it('keeps a detail header on one line beside a long command, shown with its quotes', async () => {
    const { page } = strata;
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.getByRole('button', { name: 'Open ticker' }).click();
    const header = page.locator('.view-header');
    await expect.poll(() => page.getByRole('heading', { name: 'ticker', level: 1 }).isVisible()).toBe(true);
    const summary = header.locator('.titles p');
    const command = quoteCommand(TICKER);
    expect(command).toBe(`sh -c 'while true; do echo "tick $(date +%s) from the ticker that never stops"; sleep 0.5; done; echo "it'\\''s over"'`);
    expect(await summary.getAttribute('title')).toContain(` · ${command}`);
    // the buttons on one line, at the same height, whatever the summary's length
    const stop = await box(header.getByRole('button', { name: 'Stop ticker', exact: true }));
    const more = await box(header.getByRole('button', { name: 'More actions for ticker' }));
    expect(Math.abs(stop.y - more.y)).toBeLessThanOrEqual(1);
    const actions = await box(header.locator('.actions').first());
    expect(actions.height).toBeLessThanOrEqual(stop.height + 1);
    // the summary gives way (an ellipsis), not the buttons
    expect(await summary.evaluate((p) => p.scrollWidth > p.clientWidth)).toBe(true);
    await screenshotLooks(page, 'layout-detail-header');
    await page.getByRole('button', { name: '← All containers' }).click();
  });

  it('lists thirty containers of an image as a count in one line, and its age in a few words', async () => {
    const { page } = strata;
    await page.getByRole('button', { name: 'Images', exact: true }).click();
    const row = page.locator('tr[data-image="test/b:1"]');
    await expect.poll(() => row.count()).toBe(1);
    const users = row.locator('td.users > span');
    expect(await users.textContent()).toMatch(/^\s*\S+, \S+\s*\+28 more\s*$/);
    const all = await users.getAttribute('title');
    expect(all).toMatch(/^30 containers: /);
    for (const name of ['fresh', 'worker-01', 'worker-29']) expect(all).toContain(name);
    const created = row.locator('td.created');
    expect(await created.textContent()).toMatch(/ago|just now/);
    expect(await created.getAttribute('title')).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    // one line each: the row no taller than the one of an image without containers' names
    const line = await box(created);
    const one = await box(page.locator('tr[data-image="test/a:1"]').locator('td.created'));
    expect(line.height).toBeLessThanOrEqual(one.height + 1);
    expect((await box(row)).height).toBeLessThan(60);
    // Run, and the rest behind ⋯
    expect(await row.getByRole('button', { name: 'Run test/b:1' }).isVisible()).toBe(true);
    await row.getByRole('button', { name: 'More actions for test/b:1' }).click();
    expect(await page.getByRole('menu', { name: 'More actions for test/b:1' }).getByRole('menuitem').allTextContents()).toEqual(['Tag…', 'Remove…']);
    await page.keyboard.press('Escape');
    await screenshotLooks(page, 'layout-images');
  });

  it('shows on disk what the store takes, blobs included, on one scale, in the same colours as the list', async () => {
    const { page, engine } = strata;
    await page.getByRole('button', { name: 'Disk', exact: true }).click();
    const usage = await engine.diskUsage();
    expect(usage.blobBytes).toBeGreaterThan(0);
    await expect.poll(() => page.locator('[data-figure="on-disk"]').textContent()).toContain(formatBytes(usage.layerBytes + usage.blobBytes + usage.stagingBytes));
    expect(await page.locator('[data-figure="blobs"]').textContent()).toBe(formatBytes(usage.blobBytes));
    expect(await page.locator('[data-figure="layers"]').textContent()).toBe(formatBytes(usage.layerBytes));
    // "not shared": one colour in the bars of both charts and in the Images list's key
    const colour = (locator: Locator) => locator.first().evaluate((el) => el.ownerDocument.defaultView.getComputedStyle(el).backgroundColor as string);
    const alone = await colour(page.getByRole('list', { name: 'Images by shared and unique size' }).locator('.fill.bytes-unique'));
    expect(await colour(page.getByRole('list', { name: 'Layers by sharing' }).locator('.fill.bytes-unique'))).toBe(alone);
    // one scale: a layer's bytes are as long in one chart as in the other
    const widthOf = (locator: Locator) => locator.evaluate((el) => (el.getBoundingClientRect().width / el.parentElement.getBoundingClientRect().width) as number);
    const biggest = Math.max(...usage.images.map((image) => image.size), ...usage.layers.map((layer) => layer.size));
    const image = usage.images.find((i) => i.tags.includes('test/a:1'))!;
    const bar = page.getByRole('list', { name: 'Images by shared and unique size' }).getByRole('listitem').filter({ hasText: 'test/a:1' }).locator('.fill.bytes-shared');
    expect(await widthOf(bar)).toBeCloseTo(image.shared / Math.max(biggest, ...(await sharingBucketBytes(engine))), 2);
    await screenshotLooks(page, 'layout-disk');
    await page.getByRole('button', { name: 'Images', exact: true }).click();
    expect(await colour(page.locator('th .bytes-key.bytes-unique'))).toBe(alone);
  });

  it('keeps an error toast above an open dialog, where it can be dismissed', async () => {
    const { page, engine } = strata;
    await page.getByRole('button', { name: 'Containers', exact: true }).click();
    // A kill asked about while the container runs, answered once it has ended: the engine refuses.
    const brief = await engine.createContainer('test/a:1', { name: 'brief', command: ['sleep', '2'] });
    await engine.startContainer(brief.id);
    const row = page.locator('tr[data-container="brief"]');
    await row.getByRole('button', { name: 'More actions for brief' }).click();
    await page.getByRole('menuitem', { name: 'Kill brief' }).click();
    const question = page.getByRole('dialog', { name: 'Kill brief?' });
    await expect.poll(() => question.isVisible()).toBe(true);
    await engine.waitContainer(brief.id);
    await question.getByRole('button', { name: 'Kill brief' }).click();
    const toast = page.getByRole('alert').filter({ hasText: 'Could not kill brief' });
    await expect.poll(() => toast.isVisible()).toBe(true);

    // A dialog opens over the list: the toast is over its backdrop, and its ✕ answers.
    await page.getByRole('button', { name: 'Run a container' }).first().click();
    const dialog = page.getByRole('dialog', { name: 'Run a container' });
    await expect.poll(() => dialog.isVisible()).toBe(true);
    const dismiss = page.getByRole('button', { name: 'Dismiss: Could not kill brief' });
    const centre = await box(dismiss);
    const onTop = await page.evaluate(`document.elementFromPoint(${centre.x + centre.width / 2}, ${centre.y + centre.height / 2})?.getAttribute('aria-label')`);
    expect(onTop).toBe('Dismiss: Could not kill brief');
    await screenshotLooks(page, 'layout-toast-over-dialog');
    await dismiss.click();
    await expect.poll(() => toast.count()).toBe(0);
    expect(await dialog.isVisible()).toBe(true); // the dialog stays
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await engine.removeContainer('brief');
  });

  it('says a taken name at the Name field — no toast — and lets it go once the name is changed, moving nothing', async () => {
    const { page, engine } = strata;
    await page.goto(`${strata.url}#containers`);
    await page.getByRole('button', { name: 'Run a container' }).first().click();
    const dialog = page.getByRole('dialog', { name: 'Run a container' });
    await dialog.getByRole('combobox', { name: 'Image' }).selectOption('test/a:1');
    const name = dialog.getByRole('textbox', { name: /^Name/ });
    await name.fill('ticker');
    await dialog.getByRole('textbox', { name: /^Command/ }).fill('true');
    const command = await box(dialog.getByRole('textbox', { name: /^Command/ }));
    const memory = await box(dialog.getByRole('textbox', { name: /^Memory limit/ }));
    await dialog.getByRole('button', { name: 'Run', exact: true }).click();
    await expect.poll(() => name.getAttribute('aria-invalid')).toBe('true');
    const problem = await name.evaluate((input) => input.ownerDocument.getElementById(input.getAttribute('aria-describedby')).textContent as string);
    expect(problem).toBe('Another container has this name.');
    expect(await name.evaluate((input) => input === input.ownerDocument.activeElement)).toBe(true);
    expect(await page.getByRole('alert').filter({ hasText: 'Could not run' }).count()).toBe(0);
    expect(await dialog.locator('.notice.error').count()).toBe(0); // said once, at its field
    // nothing moved when it appeared
    expect(await box(dialog.getByRole('textbox', { name: /^Command/ }))).toEqual(command);
    expect(await box(dialog.getByRole('textbox', { name: /^Memory limit/ }))).toEqual(memory);
    await screenshotLooks(page, 'layout-run-name-taken');
    // fixed: it goes as the name changes, and nothing moves then either
    await name.fill('ticker-2');
    await expect.poll(() => name.getAttribute('aria-invalid')).toBe('false');
    expect(await box(dialog.getByRole('textbox', { name: /^Memory limit/ }))).toEqual(memory);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    expect((await engine.listContainers({ all: true })).filter((c) => c.name.startsWith('ticker'))).toHaveLength(1);
  });
});

/** The bytes of each group of layers by how many images share them (the Disk view's first chart). */
async function sharingBucketBytes(engine: Strata['engine']): Promise<number[]> {
  const buckets = new Map<number, number>();
  for (const layer of (await engine.diskUsage()).layers) buckets.set(layer.usedBy.length, (buckets.get(layer.usedBy.length) ?? 0) + layer.size);
  return [...buckets.values()];
}
