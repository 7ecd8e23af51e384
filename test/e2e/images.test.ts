// As a new user: import the test images from the Images view, walk the layer tree of one
// (a file a layer added, files a later layer deleted, the wasted space), read the disk
// saving and check it against the engine; the command palette and themes on the way.
// Removing asks first — untag or delete, and what that frees, in the engine's dry run's
// words — and an untag is undone from its toast. A row's Tag and Remove are in its ⋯ menu.
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { formatBytes } from '../../src-renderer/src/lib/units';
import path from 'node:path';
import { type TestImage, manyLayerImage, testImages, writeDockerArchive, writeOciLayout } from '../helpers/test-images';
import { type Strata, ensureRendererBuilt, screenshot, screenshotLooks, skipReason, startStrata } from './harness';

const reason = skipReason();
if (reason) console.log(`e2e images: skipped: ${reason}`);

/** Chooses `item` (its accessible name: "Tag test/a:1") from the ⋯ menu of the image `name`'s row. */
async function fromMenu(page: Page, name: string, item: string): Promise<void> {
  await page.locator(`tr[data-image="${name}"]`).getByRole('button', { name: `More actions for ${name}` }).click();
  await page.getByRole('menu', { name: `More actions for ${name}` }).getByRole('menuitem', { name: item }).click();
}

describe.skipIf(reason)('the window, images and disk (Chromium)', () => {
  let strata: Strata;
  let archive: string;
  let many: TestImage;
  let a: TestImage;

  beforeAll(async () => {
    ensureRendererBuilt();
    strata = await startStrata('images');
    const { b, layers, ...images } = testImages(strata.work);
    a = images.a;
    archive = writeDockerArchive(strata.work, [a, b]);
    many = manyLayerImage(strata.work, layers.base);
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

  it('tags an image, previews a prune, untags and undoes it, asks before a removal, and lists the import among the jobs', async () => {
    const { page, engine } = strata;
    await fromMenu(page, 'test/a:1', 'Tag test/a:1');
    const tagDialog = page.getByRole('dialog', { name: 'Tag test/a:1' });
    await tagDialog.getByRole('textbox', { name: 'New tag' }).fill('Not A Tag');
    await tagDialog.getByRole('button', { name: 'Tag', exact: true }).click();
    await expect.poll(() => tagDialog.getByRole('alert').isVisible()).toBe(true);
    await tagDialog.getByRole('textbox', { name: 'New tag' }).fill('test/c:2');
    await tagDialog.getByRole('button', { name: 'Tag', exact: true }).click();
    const rowA = page.locator('tr[data-image="test/a:1"]');
    await expect.poll(() => rowA.textContent()).toContain('also test/c:2');

    await page.getByRole('button', { name: 'Prune…' }).click();
    const prune = page.getByRole('dialog', { name: 'Prune unused images and layers' });
    await expect.poll(() => prune.getByRole('status').textContent()).toContain('Frees 0 B');
    await prune.getByRole('button', { name: 'Cancel' }).click();

    // One of two tags: untagged at once, and Undo tags it again.
    await page.getByRole('button', { name: 'Remove tag test/c:2' }).click();
    await expect.poll(() => rowA.textContent()).not.toContain('test/c:2');
    expect(await page.getByRole('status').filter({ hasText: 'Untagged test/c:2' }).textContent()).toContain('The image keeps test/a:1.');
    await page.getByRole('button', { name: 'Undo: Untagged test/c:2' }).click();
    await expect.poll(() => rowA.textContent()).toContain('also test/c:2');
    expect((await engine.inspectImage('test/c:2')).id).toBe((await engine.inspectImage('test/a:1')).id);

    // The row's Remove of a two-tag image only untags, and says so (Untag…); Cancel leaves it.
    await fromMenu(page, 'test/a:1', 'Untag test/a:1');
    const untag = page.getByRole('dialog', { name: 'Untag test/a:1?' });
    await expect.poll(() => untag.textContent()).toContain('The image keeps test/c:2: nothing is deleted and no space is freed.');
    await untag.getByRole('button', { name: 'Cancel' }).click();
    expect((await engine.inspectImage('test/a:1')).tags).toEqual(['test/a:1', 'test/c:2']);
    await page.getByRole('button', { name: 'Remove tag test/c:2' }).click();
    await expect.poll(() => rowA.textContent()).not.toContain('test/c:2');
    expect((await engine.listImages()).flatMap((image) => image.tags).sort()).toEqual(['test/a:1', 'test/b:1']);

    // An image's last tag: the image goes, and the question says how much of it (the engine's dry run).
    // Its files are the list's Unique figure; on disk the compressed layer goes too.
    const preview = await engine.removeImage('test/b:1', { dryRun: true });
    expect(preview.freed.layers).toHaveLength(1);
    const unique = (await engine.diskUsage()).images.find((usage) => usage.tags.includes('test/b:1'))!.unique;
    await fromMenu(page, 'test/b:1', 'Remove test/b:1');
    const remove = page.getByRole('dialog', { name: 'Delete test/b:1?' });
    await expect.poll(() => remove.textContent()).toContain(`1 of its 3 layers goes with it (${formatBytes(unique)} of files); the other 2 stay: other images or containers use them.`);
    expect(await remove.textContent()).toContain(`Frees ${formatBytes(preview.freed.bytes)} on disk`);
    await screenshotLooks(page, 'confirm-delete-image');
    await remove.getByRole('button', { name: 'Cancel' }).click();
    expect((await engine.listImages()).flatMap((image) => image.tags).sort()).toEqual(['test/a:1', 'test/b:1']);

    // Jobs: the import, with what it made; opening Prune… recorded no job.
    await page.getByRole('button', { name: 'Jobs' }).click();
    const jobs = page.getByRole('list', { name: 'Jobs' });
    const imported = jobs.getByRole('listitem').filter({ hasText: 'Import' });
    await expect.poll(() => imported.textContent()).toContain('succeeded');
    expect(await imported.textContent()).toMatch(/took (under 1s|\d+s)/);
    expect(await imported.getByRole('button', { name: 'Open layers of test/b:1' }).isVisible()).toBe(true);
    expect(await imported.locator('progress').count()).toBe(0);
    expect(await jobs.getByRole('listitem').filter({ hasText: 'Prune' }).count()).toBe(0);
    await screenshot(page, 'jobs');
    await page.getByRole('button', { name: 'Images' }).click();
  });

  it('shows the layer tree: what a layer added, what a later layer deleted, the wasted space', async () => {
    const { page } = strata;
    await page.getByRole('button', { name: 'Open layers of test/a:1' }).click();
    const layers = page.getByRole('listbox', { name: 'Layers, bottom first' });
    await expect.poll(() => layers.getByRole('option').count()).toBe(3);
    // Layers 0 and 1 are in both images; layer 2 only in this one.
    expect(await layers.getByRole('option').nth(0).textContent()).toContain('in 2 images');
    expect(await layers.getByRole('option').nth(0).textContent()).toContain('25 entries');
    expect(await layers.getByRole('option').nth(2).textContent()).toContain('only this image');
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
    await expect.poll(() => page.getByRole('heading', { name: 'test/a:1', level: 1 }).locator('..').textContent()).toContain(`efficiency ${score}`);
    await page.getByRole('radio', { name: /^Wasted · 1 MiB/ }).click();
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
    await page.getByRole('radio', { name: 'Merged up to here' }).click();
    const merged = page.getByRole('tree', { name: /Files of layer 2, merged/ });
    await page.getByRole('searchbox', { name: 'Filter by path' }).fill('etc/');
    await expect.poll(() => merged.getByRole('treeitem', { name: /^passwd/ }).isVisible()).toBe(true);
    // Each file says which layer wrote it, not "added"; a click gives its details.
    const passwd = merged.getByRole('treeitem', { name: /^passwd, from layer 2, 63 B$/ });
    expect(await passwd.textContent()).toContain('L2');
    expect(await passwd.textContent()).not.toContain('added');
    await passwd.click();
    const details = page.getByRole('region', { name: 'Details of /etc/passwd' });
    await expect.poll(() => details.getByRole('table', { name: 'Layers that changed it' }).getByRole('row').allTextContents()).toEqual([
      expect.stringMatching(/^Layer\s*Change/),
      expect.stringMatching(/^\s*L0\s*added\s*-rw-r--r--\s*0:0\s*30 B\s*$/),
      expect.stringMatching(/^\s*L2\s*modified\s*-rw-r--r--\s*0:0\s*63 B\s*$/),
    ]);
    expect(await details.textContent()).toContain('This layer modifies it.');
    expect(await details.locator('[data-fate]').textContent()).toContain('Containers of this image see this version.');
    await details.getByRole('button', { name: 'Close the details' }).click();
    expect(await details.count()).toBe(0);
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
    // On disk: all the store takes, its compressed blobs too (what `strata df` adds up)
    expect(await page.locator('[data-figure="on-disk"]').textContent()).toContain(formatBytes(usage.layerBytes + usage.blobBytes + usage.stagingBytes));
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

  it('keeps a 101-layer image usable: few rows made, keys move the selection, the files stay in view', async () => {
    const { page, api } = strata;
    await api.runJob('images.import', { path: writeDockerArchive(strata.work, [many]) });
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.emulateMedia({ reducedMotion: 'reduce' }); // no theme transition half-way in the pictures
    await page.evaluate(`location.hash = 'images/' + encodeURIComponent('test/many:101')`);
    const layers = page.getByRole('listbox', { name: 'Layers, bottom first' });
    const selected = layers.locator('[role="option"][aria-selected="true"]');
    // Opened at its top layer, scrolled to it; only the rows in view (and a few around) are made.
    await expect.poll(() => selected.getAttribute('aria-label')).toMatch(/^Layer 100: .*rm \/data\/c3\.txt/);
    expect(await selected.getAttribute('aria-setsize')).toBe('101');
    expect(await layers.getByRole('option').count()).toBeLessThan(30);
    expect(await selected.isVisible()).toBe(true);

    // Keys: Home, then down three; the tree follows, and the page itself never scrolls.
    await layers.focus();
    await page.keyboard.press('Home');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await expect.poll(() => selected.getAttribute('aria-label')).toMatch(/^Layer 3: /);
    expect(await layers.getAttribute('aria-activedescendant')).toBe('layer-3');
    const own = page.getByRole('tree', { name: 'Files of layer 3, its own changes' });
    await expect.poll(() => own.getByRole('treeitem', { name: 'c3.txt, added, 7 B' }).isVisible()).toBe(true);
    // The keyboard's place is ringed.
    expect(await page.evaluate(`getComputedStyle(document.querySelector('[role="option"][aria-selected="true"]')).outlineStyle`)).toBe('solid');

    // Layer 57, half way down: moved to by Page Down and arrows, the file pane still fills the window beside it.
    await page.keyboard.press('PageDown');
    await expect.poll(async () => Number((await layers.getAttribute('aria-activedescendant'))!.slice('layer-'.length))).toBeGreaterThan(4);
    while (Number((await layers.getAttribute('aria-activedescendant'))!.slice('layer-'.length)) < 57) await page.keyboard.press('ArrowDown');
    await expect.poll(() => page.getByRole('tree', { name: 'Files of layer 57, its own changes' }).isVisible()).toBe(true);
    expect(await layers.getByRole('option').count()).toBeLessThan(30);
    expect(await selected.isVisible()).toBe(true);
    const files = page.getByRole('region', { name: 'Files' });
    const box = (await files.boundingBox())!;
    expect(box.y).toBeLessThan(200);
    expect(box.y + box.height).toBeGreaterThan(700); // down to the window's foot: no half-blank window
    expect(box.y + box.height).toBeLessThanOrEqual(800);
    expect(await page.evaluate('document.scrollingElement.scrollTop')).toBe(0);

    // The merged view up to 57: each file with its layer, names in natural order (c2 before c10).
    await page.getByRole('radio', { name: 'Merged up to here' }).click();
    const merged = page.getByRole('tree', { name: 'Files of layer 57, merged with the layers below' });
    await page.getByRole('searchbox', { name: 'Filter by path' }).fill('data/');
    await expect.poll(() => merged.getByRole('treeitem', { name: /^c57\.txt, from layer 57,/ }).isVisible()).toBe(true);
    const names = (await merged.getByRole('treeitem').allTextContents()).map((text) => text.match(/\b(c\d+\.txt|log\.txt)/)?.[1]).filter(Boolean);
    expect(names.slice(0, 4)).toEqual(['c1.txt', 'c2.txt', 'c3.txt', 'c4.txt']);
    expect(names.indexOf('c9.txt')).toBeLessThan(names.indexOf('c10.txt'));
    expect(await merged.getByRole('treeitem', { name: /^c57\.txt/ }).textContent()).toContain('L57');

    // A file's details: /data/log.txt as layer 50 wrote it, hidden by layer 60.
    await merged.getByRole('treeitem', { name: /^log\.txt, from layer 50,/ }).click();
    const details = page.getByRole('region', { name: 'Details of /data/log.txt' });
    await expect.poll(() => details.getByRole('table', { name: 'Layers that changed it' }).getByRole('row').count()).toBe(1 + 10);
    expect(await details.textContent()).toMatch(/Mode\s*-rw-r--r--\s*0644\s*Owner\s*0:0\s*uid:gid\s*Size\s*5 KiB/);
    expect(await details.textContent()).toContain('Layer 50’s version (modified).');
    expect(await details.locator('[data-fate]').textContent()).toBe('Hidden by layer 60: it writes a new version over this one.');
    await page.mouse.move(700, 30); // off every row: no hover in the pictures
    await screenshot(page, 'image-layers-many-1280-light');
    await page.emulateMedia({ colorScheme: 'dark' });
    await screenshot(page, 'image-layers-many-1280-dark');
    await page.setViewportSize({ width: 1920, height: 1080 });
    await screenshot(page, 'image-layers-many-1920-dark');
    await page.emulateMedia({ colorScheme: 'light' });
    await screenshot(page, 'image-layers-many-1920-light');

    // Down a layer with the details open: they follow the selected layer.
    await layers.focus();
    await page.keyboard.press('End');
    await expect.poll(() => details.locator('[data-fate]').textContent()).toBe('Containers of this image see this version.');
    expect(await details.textContent()).toContain('This layer modifies it.'); // layer 100 rewrites it too
    // A file the top layer deletes: what the layer's own view shows of it.
    await page.getByRole('radio', { name: 'This layer’s changes' }).click();
    await page.getByRole('searchbox', { name: 'Filter by path' }).fill('c3.txt');
    await page.getByRole('tree', { name: 'Files of layer 100, its own changes' }).getByRole('treeitem', { name: /^c3\.txt, deleted/ }).click();
    const deleted = page.getByRole('region', { name: 'Details of /data/c3.txt' });
    await expect.poll(() => deleted.textContent()).toContain('This layer deletes it, with a whiteout.');
    expect(await deleted.locator('[data-fate]').textContent()).toBe('Containers of this image do not see it.');
    await page.getByRole('searchbox', { name: 'Filter by path' }).fill('');

    // A wasted badge lists that layer's wasted files, in view.
    await layers.focus();
    await page.keyboard.press('Home');
    for (let i = 0; i < 10; i++) await page.keyboard.press('ArrowDown');
    await layers.getByRole('button', { name: '1 KiB wasted in layer 10: list the files' }).click();
    const wasted = page.getByRole('table', { name: 'Wasted files' });
    await expect.poll(() => wasted.getByRole('row').count()).toBe(1 + 1);
    expect(await wasted.getByRole('row').nth(1).textContent()).toMatch(/\/data\/log\.txt\s*1\s*layer 10\s*layer 20 \(overwritten\)\s*1 KiB/);
    expect(await wasted.isVisible()).toBe(true);
    await screenshot(page, 'image-layers-many-wasted-1920-light');
    await page.setViewportSize({ width: 1400, height: 900 });
  });

  it("puts an OCI layout's tag-only refs under the repository the import dialog gives", async () => {
    const { page } = strata;
    const layout = writeOciLayout(path.join(strata.work, 'oci', 'layout'), [{ ...a, tag: '1.0' }], { compression: 'none' });
    await page.getByRole('button', { name: '← All images' }).click();
    await page.getByRole('button', { name: 'Import an image' }).first().click();
    const dialog = page.getByRole('dialog', { name: 'Import an image' });
    await dialog.getByRole('textbox', { name: 'Path' }).fill(layout);
    await dialog.getByRole('textbox', { name: /^Tag/ }).fill('team/app:2');
    await dialog.getByRole('textbox', { name: /^Repository/ }).fill('team/app');
    await dialog.getByRole('button', { name: 'Import' }).click();
    await expect.poll(() => dialog.getByText('give a tag or a repository, not both').isVisible()).toBe(true);
    await screenshot(page, 'import-dialog-repository');
    await dialog.getByRole('textbox', { name: /^Tag/ }).fill('');
    expect(await dialog.getByText('give a tag or a repository, not both').count()).toBe(0); // cleared as the value is fixed
    await dialog.getByRole('button', { name: 'Import' }).click();
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'Imported team/app:1.0' }).count()).toBe(1);
    expect((await strata.engine.listImages()).flatMap((image) => image.tags)).toContain('team/app:1.0');
    // Not for a docker-archive: the field goes.
    await page.getByRole('button', { name: 'Import an image' }).first().click();
    await dialog.getByRole('combobox', { name: 'Format' }).selectOption('docker-archive');
    expect(await dialog.getByRole('textbox', { name: /^Repository/ }).count()).toBe(0);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
  });
});
