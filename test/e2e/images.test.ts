// As a new user: import the test images from the Images view, walk the layer tree of one
// (a file a layer added, files a later layer deleted, the wasted space), read the disk
// saving and check it against the engine; the command palette and themes on the way.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { formatBytes } from '../../src-renderer/src/lib/units';
import { testImages, writeDockerArchive } from '../helpers/test-images';
import { type Strata, ensureRendererBuilt, screenshot, skipReason, startStrata } from './harness';

const reason = skipReason();
if (reason) console.log(`e2e images: skipped: ${reason}`);

describe.skipIf(reason)('the window, images and disk (Chromium)', () => {
  let strata: Strata;
  let archive: string;

  beforeAll(async () => {
    ensureRendererBuilt();
    strata = await startStrata('images');
    const { a, b } = testImages(strata.work);
    archive = writeDockerArchive(strata.work, [a, b]);
  });

  // a page error, a console error or a server error fails the test that caused it
  afterEach(() => strata?.expectNoErrors());

  afterAll(async () => {
    await strata?.stop();
  });

  it('imports an image from the empty state', async () => {
    const { page } = strata;
    await page.goto(strata.url);
    await expect.poll(() => page.getByRole('heading', { name: 'No containers yet' }).isVisible()).toBe(true);
    await screenshot(page, 'containers-empty');

    await page.getByRole('button', { name: 'Import an image' }).first().click();
    const dialog = page.getByRole('dialog', { name: 'Import an image' });
    await dialog.getByRole('textbox', { name: 'Path' }).fill('relative/path.tar');
    await dialog.getByRole('button', { name: 'Import' }).click();
    await expect.poll(() => dialog.getByText('An absolute path').isVisible()).toBe(true);

    await dialog.getByRole('textbox', { name: 'Path' }).fill(archive);
    await dialog.getByRole('button', { name: 'Import' }).click();
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'Imported test/a:1, test/b:1' }).count()).toBe(1);
    await expect.poll(() => page.getByRole('button', { name: 'Open layers of test/a:1' }).isVisible()).toBe(true);
    expect(await page.getByRole('dialog').count()).toBe(0);
    await screenshot(page, 'images');
  });

  it('tags an image, previews a prune, removes the tag, and lists the import among the jobs', async () => {
    const { page, engine } = strata;
    await page.getByRole('button', { name: 'Tag test/a:1' }).click();
    const tagDialog = page.getByRole('dialog', { name: 'Tag test/a:1' });
    await tagDialog.getByRole('textbox', { name: 'New tag' }).fill('Not A Tag');
    await tagDialog.getByRole('button', { name: 'Tag', exact: true }).click();
    await expect.poll(() => tagDialog.getByRole('alert').isVisible()).toBe(true);
    await tagDialog.getByRole('textbox', { name: 'New tag' }).fill('test/c:2');
    await tagDialog.getByRole('button', { name: 'Tag', exact: true }).click();
    await expect.poll(() => page.locator('tr[data-image="test/a:1"]').textContent()).toContain('also test/c:2');

    await page.getByRole('button', { name: 'Prune…' }).click();
    const prune = page.getByRole('dialog', { name: 'Prune unused images and layers' });
    await expect.poll(() => prune.getByRole('status').textContent()).toContain('Frees 0 B');
    await prune.getByRole('button', { name: 'Cancel' }).click();

    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Remove tag test/c:2' }).click();
    await expect.poll(() => page.locator('tr[data-image="test/a:1"]').textContent()).not.toContain('test/c:2');
    expect((await engine.listImages()).flatMap((image) => image.tags).sort()).toEqual(['test/a:1', 'test/b:1']);

    await page.getByRole('button', { name: 'Jobs' }).click();
    const jobs = page.getByRole('list', { name: 'Jobs' });
    await expect.poll(() => jobs.getByRole('listitem').filter({ hasText: 'Import' }).textContent()).toContain('succeeded');
    expect(await jobs.getByRole('listitem').filter({ hasText: 'Prune' }).count()).toBeGreaterThan(0);
    await screenshot(page, 'jobs');
    await page.getByRole('button', { name: 'Images' }).click();
  });

  it('shows the layer tree: what a layer added, what a later layer deleted, the wasted space', async () => {
    const { page } = strata;
    await page.getByRole('button', { name: 'Open layers of test/a:1' }).click();
    const layers = page.getByRole('listbox', { name: 'Layers, bottom first' });
    await expect.poll(() => layers.getByRole('option').count()).toBe(3);
    // Layers 0 and 1 are in both images.
    expect(await layers.getByRole('option').nth(0).textContent()).toContain('shared with 2 images');
    expect(await layers.getByRole('option').nth(2).textContent()).toContain('shared with 1 image');
    expect(await layers.getByRole('option').nth(2).textContent()).toContain('test layer change');

    // Layer 1 added /app/big.bin (1 MiB).
    await layers.getByRole('option', { name: /^Layer 1:/ }).click();
    const files = page.getByRole('tree', { name: /Files of layer 1/ });
    await expect.poll(() => files.getByRole('treeitem', { name: /^app, added/ }).isVisible()).toBe(true);
    await page.getByRole('searchbox', { name: 'Filter by path' }).fill('big');
    await expect.poll(() => files.getByRole('treeitem', { name: 'big.bin, added, 1 MiB' }).isVisible()).toBe(true);
    await page.getByRole('searchbox', { name: 'Filter by path' }).fill('');

    // Layer 2 deleted /etc/motd and /app/big.bin: only deletions shown.
    await layers.getByRole('option', { name: /^Layer 2:/ }).click();
    for (const mark of ['added', 'modified', 'unchanged']) await page.getByRole('checkbox', { name: mark }).uncheck();
    const changes = page.getByRole('tree', { name: /Files of layer 2/ });
    await expect.poll(() => changes.getByRole('treeitem', { name: /^motd, deleted/ }).isVisible()).toBe(true);
    expect(await changes.getByRole('treeitem', { name: 'big.bin, deleted, 1 MiB' }).isVisible()).toBe(true);
    expect(await changes.getByRole('treeitem', { name: /passwd/ }).count()).toBe(0);
    for (const mark of ['added', 'modified', 'unchanged']) await page.getByRole('checkbox', { name: mark }).check();

    // The 1 MiB layer 1 stores and layer 2 deletes is called out as wasted, with the score:
    // the engine's numbers, as images.wasted gives them.
    const waste = await strata.engine.imageWaste('test/a:1');
    const score = `${(Math.floor(waste.efficiency * 10000) / 100).toFixed(2)}%`;
    const heading = `Wasted space: ${formatBytes(waste.wastedBytes)} of ${formatBytes(waste.totalBytes)} · efficiency ${score}`;
    expect(heading).toMatch(/^Wasted space: 1 MiB of /);
    await expect.poll(() => page.getByRole('heading', { name: heading }).isVisible()).toBe(true);
    const wasted = page.getByRole('table', { name: 'Wasted files' });
    expect(await wasted.getByRole('row', { name: /\/app\/big\.bin 1 layer 1 layer 2 \(deleted\) 1 MiB/ }).count()).toBe(1);
    expect(await wasted.getByRole('row').count()).toBe(1 + 5); // header + big.bin, passwd, motd, readme, notes.txt
    // Layer 0's badge: the 84 B of it layer 2 hides (passwd, motd, readme, old/notes.txt), listed alone.
    expect(await layers.getByRole('option').nth(1).textContent()).toContain('1 MiB wasted');
    expect(await layers.getByRole('option').nth(2).textContent()).not.toContain('wasted');
    await layers.getByRole('button', { name: '84 B wasted in layer 0: list the files' }).click();
    await expect.poll(() => wasted.getByRole('row').count()).toBe(1 + 4);
    expect(await wasted.getByRole('row', { name: /\/usr\/share\/doc\/readme 1 layer 0 layer 2 \(opaque\) 18 B/ }).count()).toBe(1);
    expect(await wasted.getByRole('row', { name: /big\.bin/ }).count()).toBe(0);
    expect(await layers.getByRole('option', { name: /^Layer 2:/ }).getAttribute('aria-selected')).toBe('true'); // the badge does not select
    await page.getByRole('button', { name: 'Show every layer’s' }).click();
    await expect.poll(() => wasted.getByRole('row').count()).toBe(1 + 5);
    await screenshot(page, 'image-layers');

    // Merged up to layer 2: motd is gone, the new passwd is there.
    await page.getByRole('radio', { name: 'Merged view up to here' }).click();
    const merged = page.getByRole('tree', { name: /Files of layer 2, merged/ });
    await page.getByRole('searchbox', { name: 'Filter by path' }).fill('etc/');
    await expect.poll(() => merged.getByRole('treeitem', { name: /^passwd/ }).isVisible()).toBe(true);
    // The tree is named for the merged view as soon as it is chosen, while its rows may still be the
    // layer's own changes (motd deleted) for a moment: the merged rows replace them.
    await expect.poll(() => merged.getByRole('treeitem', { name: /^motd/ }).count()).toBe(0);
    await page.getByRole('searchbox', { name: 'Filter by path' }).fill('');

    // Keyboard: the tree opens and closes with the arrow keys.
    await page.getByRole('radio', { name: 'This layer’s changes' }).click();
    const own = page.getByRole('tree', { name: /Files of layer 2, its own/ });
    const app = own.getByRole('treeitem', { name: /^app,/ });
    await expect.poll(() => app.getAttribute('aria-expanded')).toBe('true'); // a small tree opens whole
    await app.focus();
    await page.keyboard.press('ArrowLeft');
    await expect.poll(() => app.getAttribute('aria-expanded')).toBe('false');
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => app.getAttribute('aria-expanded')).toBe('true');
  });

  it('shows the disk saving the engine reports', async () => {
    const { page, engine } = strata;
    await page.getByRole('button', { name: 'Disk' }).click();
    const usage = await engine.diskUsage();
    expect(usage.savedBytes).toBeGreaterThan(0);
    await expect.poll(() => page.locator('[data-figure="saved"]').textContent()).toContain(formatBytes(usage.savedBytes));
    expect(await page.locator('[data-figure="logical"]').textContent()).toContain(formatBytes(usage.logicalBytes));
    expect(await page.locator('[data-figure="staging"]').textContent()).toBe(formatBytes(usage.stagingBytes));
    expect(await page.getByRole('list', { name: 'Layers by sharing' }).textContent()).toContain('2 images');
    await screenshot(page, 'disk');
  });

  it('goes anywhere from the command palette, and follows a dark system theme', async () => {
    const { page } = strata;
    await page.keyboard.press('Control+k');
    const palette = page.getByRole('dialog', { name: 'Command palette' });
    await palette.getByRole('combobox', { name: 'Command' }).fill('open image test/b');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByRole('heading', { name: 'test/b:1', level: 1 }).isVisible()).toBe(true);
    expect(await palette.count()).toBe(0);

    await page.emulateMedia({ colorScheme: 'dark' });
    // A string: this file is type-checked without the DOM's types.
    const background = await page.evaluate('getComputedStyle(document.body).backgroundColor');
    expect(background).toBe('rgb(17, 19, 24)');
    await screenshot(page, 'image-layers-dark');
    await page.emulateMedia({ colorScheme: 'light' });
  });
});
