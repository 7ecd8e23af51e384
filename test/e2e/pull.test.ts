// As a user: pull an image from a registry in the window — the Pull dialog, the job's
// progress in Jobs, the image in the list afterwards; a tag the registry lacks shows the
// engine's message. The registry is Debian's docker-registry (Distribution 2.8) on loopback.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TestRegistry } from '../helpers/registry';
import { testImages } from '../helpers/test-images';
import { type Strata, ensureRendererBuilt, screenshot, skipReason, startStrata } from './harness';

const reason = skipReason() ?? TestRegistry.unavailable();
if (reason) console.log(`e2e pull: skipped: ${reason}`);

describe.skipIf(reason)('the window, pull (Chromium)', () => {
  let strata: Strata;
  let registry: TestRegistry;

  beforeAll(async () => {
    ensureRendererBuilt();
    strata = await startStrata('pull');
    registry = await TestRegistry.start();
    const { a } = testImages(strata.work);
    await registry.pushImage('team/app', '1', a);
  });

  // a page error, a console error or a server error fails the test that caused it
  afterEach(() => strata?.expectNoErrors());

  afterAll(async () => {
    await strata?.stop();
    await registry?.stop();
  });

  async function pull(reference: string): Promise<void> {
    const { page } = strata;
    await page.goto(`${strata.url}#images`);
    await page.getByRole('button', { name: 'Pull…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Pull an image' });
    await dialog.getByRole('textbox', { name: 'Image' }).fill(reference);
    await dialog.getByRole('button', { name: 'Pull', exact: true }).click();
  }

  it('pulls an image from the dialog: the job in Jobs, then the image in the list', async () => {
    const { page } = strata;
    const reference = `${registry.address}/team/app:1`;
    // Checked before anything is sent.
    await pull('Team/App');
    const dialog = page.getByRole('dialog', { name: 'Pull an image' });
    await expect.poll(() => dialog.getByText('A name such as busybox').isVisible()).toBe(true);
    await dialog.getByRole('button', { name: 'Cancel' }).click();

    await pull(reference);
    await expect.poll(() => page.getByRole('heading', { name: 'Jobs', level: 1 }).isVisible()).toBe(true);
    await expect.poll(async () => (await strata.engine.listImages()).some((image) => image.tags.includes(reference)), { timeout: 20_000 }).toBe(true);
    await expect.poll(() => page.getByRole('status').filter({ hasText: `Pulled ${reference}` }).isVisible()).toBe(true);
    await screenshot(page, 'jobs-pull', { keepToasts: true });
    await page.goto(`${strata.url}#images`);
    await expect.poll(() => page.getByRole('row').filter({ hasText: reference }).isVisible()).toBe(true);
    expect((await strata.engine.inspectImage(reference)).layers.map((layer) => layer.digest)).toHaveLength(3);
  });

  it('says what went wrong for a tag the registry lacks', async () => {
    const { page } = strata;
    const reference = `${registry.address}/team/app:missing`;
    await pull(reference);
    await expect.poll(() => page.getByRole('alert').filter({ hasText: `Could not pull ${reference}` }).isVisible(), { timeout: 20_000 }).toBe(true);
    await expect.poll(() => page.getByText(/not found|no such|unknown/i).first().isVisible()).toBe(true);
    expect((await strata.engine.listImages()).some((image) => image.tags.includes(reference))).toBe(false);
  });
});
