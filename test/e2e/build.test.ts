// As a user: build an image from the Build dialog and follow it there — each step with its
// header, what each RUN printed, how far the build is; then a build that fails, whose
// failing step's output stays in view with the reason.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { testImages, writeOciLayout } from '../helpers/test-images';
import { type Strata, ensureRendererBuilt, screenshot, skipReason, startStrata } from './harness';

const reason = skipReason();
if (reason) console.log(`e2e build: skipped: ${reason}`);

function context(strata: Strata, name: string, containerfile: string): string {
  const dir = path.join(strata.work, 'contexts', name);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'Containerfile'), containerfile);
  return dir;
}

describe.skipIf(reason)('the window, building an image (Chromium)', () => {
  let strata: Strata;

  beforeAll(async () => {
    ensureRendererBuilt();
    strata = await startStrata('build');
    const { a } = testImages(strata.work);
    await strata.engine.importImage({ path: writeOciLayout(path.join(strata.work, 'layout'), [a]) });
  });

  // a page error, a console error or a server error fails the test that caused it
  afterEach(() => strata?.expectNoErrors());

  afterAll(async () => {
    await strata?.stop();
  });

  it('shows every step and what each RUN printed', async () => {
    const { page, engine } = strata;
    const dir = context(strata, 'two-runs', 'FROM test/a:1\nRUN echo "first step says apple"; echo "and a second line" >&2\nRUN echo "second step says banana"\n');
    await page.goto(`${strata.url}#images`);
    await page.getByRole('button', { name: 'Build…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Build an image' });
    await dialog.getByRole('textbox', { name: 'Context directory' }).fill(dir);
    await dialog.getByRole('textbox', { name: 'Tag' }).fill('test/built:1');
    await dialog.getByRole('button', { name: 'Build', exact: true }).click();

    const log = dialog.getByRole('log', { name: 'Build output' });
    await expect.poll(() => dialog.getByRole('status').textContent(), { timeout: 60_000 }).toBe('Built test/built:1: 3 steps');
    const step2 = log.getByRole('region', { name: 'Step 2' });
    const step3 = log.getByRole('region', { name: 'Step 3' });
    expect(await log.getByRole('heading').allTextContents()).toEqual([
      expect.stringMatching(/^STEP 1\/3: FROM test\/a:1/),
      expect.stringMatching(/^STEP 2\/3: RUN .*first step says apple/),
      expect.stringMatching(/^STEP 3\/3: RUN .*second step says banana/),
    ]);
    expect(await step2.locator('pre').textContent()).toBe('first step says apple\nand a second line');
    expect(await step3.locator('pre').textContent()).toBe('second step says banana');
    expect(await dialog.getByRole('progressbar', { name: 'Steps done' }).evaluate((bar) => [(bar as unknown as { value: number }).value, (bar as unknown as { max: number }).max])).toEqual([3, 3]);
    expect((await engine.inspectImage('test/built:1')).tags).toContain('test/built:1');
    await screenshot(page, 'build-dialog');

    // Again: the steps come from the cache, and say so.
    await dialog.getByRole('button', { name: 'Build again' }).click();
    await expect.poll(() => step3.getByRole('heading').textContent(), { timeout: 60_000 }).toMatch(/cached$/);
    await dialog.getByRole('button', { name: 'Close', exact: true }).click();
    expect(await page.getByRole('dialog').count()).toBe(0);
  });

  it('keeps the failing step and its output in view when the build fails', async () => {
    const { page } = strata;
    const dir = context(strata, 'fails', 'FROM test/a:1\nRUN echo "checking the cherries"; echo "no cherries left" >&2; exit 7\nRUN echo never\n');
    await page.getByRole('button', { name: 'Build…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Build an image' });
    await dialog.getByRole('textbox', { name: 'Context directory' }).fill(dir);
    await dialog.getByRole('button', { name: 'Build', exact: true }).click();

    await expect.poll(() => dialog.getByRole('status').textContent(), { timeout: 60_000 }).toBe('The build failed at step 2 of 3');
    expect(await dialog.getByRole('alert').textContent()).toContain('exit code 7');
    const failing = dialog.getByRole('log', { name: 'Build output' }).getByRole('region', { name: 'Step 2' });
    expect(await failing.getByRole('heading').textContent()).toMatch(/failed$/);
    const output = failing.locator('pre');
    expect(await output.textContent()).toBe('checking the cherries\nno cherries left');
    expect(await output.isVisible()).toBe(true);
    await expect.poll(() => output.evaluate((pre) => {
      const log = pre.closest('[role="log"]')!.getBoundingClientRect();
      const box = pre.getBoundingClientRect();
      return box.bottom > log.top && box.top < log.bottom;
    })).toBe(true);
    await screenshot(page, 'build-failed');
    await dialog.getByRole('button', { name: 'Close', exact: true }).click();
  });
});
