// As a user: build an image from the Build dialog and follow it there — each step with its
// header, what each RUN printed, how far the build is; then a build that fails, whose
// failing step's output stays in view with the reason. The form's build arguments (offered
// from the Containerfile's ARGs, a wrong name said at its row without moving the form),
// target stage (a list of the Containerfile's stages) and no cache reach the build; a
// context without a Containerfile opens the editor, whose parse errors name their line and
// whose text builds the image without being written into the context.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { testImages, writeOciLayout } from '../helpers/test-images';
import { type Strata, ensureRendererBuilt, screenshot, screenshotLooks, skipReason, startStrata } from './harness';

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
    await dialog.getByRole('textbox', { name: /^Tag\b/ }).fill('test/built:1');
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
    expect(await dialog.getByRole('progressbar').count()).toBe(0); // ended: the line says how, no bar
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
    expect(await dialog.getByRole('progressbar').count()).toBe(0); // no bar stopped half way
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
  it('takes build arguments, a target stage and no cache from the form', async () => {
    const { page, engine } = strata;
    const dir = context(
      strata,
      'args-target',
      [
        'FROM test/a:1 AS base',
        'ARG FLAVOUR=plain',
        'LABEL flavour=$FLAVOUR',
        'RUN echo "flavour $FLAVOUR, run $(cat /proc/sys/kernel/random/uuid)" | tee /stamp',
        'FROM base AS extra',
        'LABEL extra=yes',
        '',
      ].join('\n'),
    );
    await page.goto(`${strata.url}#images`);
    await page.reload(); // a fresh window, whatever an earlier test left open
    await page.getByRole('button', { name: 'Build…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Build an image' });
    await dialog.getByRole('textbox', { name: 'Context directory' }).fill(dir);
    await dialog.getByRole('textbox', { name: /^Tag\b/ }).fill('test/flavoured:1');

    // The Containerfile's stages become the Target list, its ARGs buttons that add their row.
    const targetList = dialog.getByRole('combobox', { name: /^Target stage/ });
    await expect.poll(() => targetList.locator('option').allTextContents()).toEqual(['Last stage (extra): the whole file', 'base — FROM test/a:1, line 1']);
    expect(await dialog.getByRole('textbox', { name: /^Path in the context Found Containerfile: 2 stages · ARG FLAVOUR/ }).count()).toBe(1);

    // A wrong name is said at its row, and clears when fixed, moving nothing below it.
    const network = dialog.getByRole('combobox', { name: /^Network for RUN/ });
    const networkTop = () => network.evaluate((el) => el.getBoundingClientRect().top - el.closest('form')!.getBoundingClientRect().top);
    await dialog.getByRole('button', { name: 'Add build argument', exact: true }).click();
    const before = await networkTop();
    const name1 = dialog.getByRole('textbox', { name: 'Build argument 1 name' });
    await name1.fill('MY-ARG');
    const rowProblem = dialog.getByText('"-" can not be in a name: letters, digits and _ only.');
    await expect.poll(() => rowProblem.isVisible()).toBe(true);
    expect(await name1.getAttribute('aria-invalid')).toBe('true');
    expect(await networkTop()).toBe(before);
    await screenshot(page, 'build-dialog-arg-problem');
    await name1.fill('MY_ARG');
    await expect.poll(() => rowProblem.count()).toBe(0);
    expect(await name1.getAttribute('aria-invalid')).toBe('false');
    expect(await networkTop()).toBe(before);
    await dialog.getByRole('button', { name: 'Remove build argument 1' }).click();

    await dialog.getByRole('button', { name: 'Add build argument FLAVOUR' }).click();
    const value1 = dialog.getByRole('textbox', { name: 'Build argument 1 value' });
    expect(await dialog.getByRole('textbox', { name: 'Build argument 1 name' }).inputValue()).toBe('FLAVOUR');
    expect(await value1.getAttribute('placeholder')).toBe('default: plain');
    expect(await value1.evaluate((el) => el === el.ownerDocument.activeElement)).toBe(true);
    await value1.fill('mint');
    await targetList.selectOption('base');
    await screenshotLooks(page, 'build-dialog-form');
    await dialog.getByRole('button', { name: 'Build', exact: true }).click();

    await expect.poll(() => dialog.getByRole('status').textContent(), { timeout: 60_000 }).toBe('Built test/flavoured:1: 4 steps');
    const first = await engine.inspectImage('test/flavoured:1');
    expect(first.config.Labels).toEqual({ flavour: 'mint' }); // the base stage: no "extra" label
    const runStep = dialog.getByRole('log', { name: 'Build output' }).getByRole('region', { name: 'Step 4' });
    expect(await runStep.locator('pre').textContent()).toMatch(/^flavour mint, run [0-9a-f-]{36}$/);
    const firstRun = await runStep.locator('pre').textContent();

    // No cache: the RUN runs again (a new uuid, a new layer) where a plain rebuild would reuse it.
    await dialog.getByRole('button', { name: 'Change settings…' }).click();
    await dialog.getByRole('checkbox', { name: /^No cache/ }).check();
    await dialog.getByRole('button', { name: 'Build', exact: true }).click();
    await expect.poll(() => dialog.getByRole('status').textContent(), { timeout: 60_000 }).toBe('Built test/flavoured:1: 4 steps');
    expect(await runStep.getByRole('heading').textContent()).not.toMatch(/cached$/);
    expect(await runStep.locator('pre').textContent()).toMatch(/^flavour mint, run /);
    expect(await runStep.locator('pre').textContent()).not.toBe(firstRun);
    const second = await engine.inspectImage('test/flavoured:1');
    expect(second.layers.at(-1)!.chainId).not.toBe(first.layers.at(-1)!.chainId);
    expect(second.config.Labels).toEqual({ flavour: 'mint' });
    await dialog.getByRole('button', { name: 'Close', exact: true }).click();
  });

  it('opens the editor for a context without a Containerfile, and builds from what is written there', async () => {
    const { page, engine } = strata;
    const dir = path.join(strata.work, 'contexts', 'no-containerfile');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'hello.txt'), 'hello from the context\n');
    await page.goto(`${strata.url}#images`);
    await page.reload();
    await page.getByRole('button', { name: 'Build…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Build an image' });
    await dialog.getByRole('textbox', { name: 'Context directory' }).fill(dir);
    const editor = dialog.getByRole('textbox', { name: /^Containerfile text/ });
    await expect.poll(() => editor.isVisible()).toBe(true);
    expect(await dialog.getByRole('radio', { name: 'Write one here' }).isChecked()).toBe(true);
    // The starter text starts FROM an image the store has (the list's first).
    const from = /^FROM (\S+)\n/.exec(await editor.inputValue())?.[1];
    expect((await engine.inspectImage(from!)).tags).toContain(from);
    expect(await dialog.getByText('This context has no Containerfile or Dockerfile').count()).toBe(1);

    // A parse error is said at the editor with its line, and goes when the line is fixed.
    await editor.fill('FROM test/a:1\nCOPY hello.txt /hello.txt\nLABLE made=editor\n');
    const problem = dialog.getByText('Line 3: unknown instruction LABLE');
    await expect.poll(() => problem.isVisible()).toBe(true);
    expect(await editor.getAttribute('aria-invalid')).toBe('true');
    await screenshot(page, 'build-dialog-editor-error');
    await dialog.getByRole('button', { name: 'Build', exact: true }).click();
    expect(await dialog.getByRole('status').count()).toBe(0); // not sent while it does not parse
    await editor.fill('FROM test/a:1\nCOPY hello.txt /hello.txt\nLABEL made=editor\n');
    await expect.poll(() => problem.count()).toBe(0);
    await dialog.getByRole('textbox', { name: /^Tag\b/ }).fill('test/from-editor:1');
    await screenshotLooks(page, 'build-dialog-editor');
    await dialog.getByRole('button', { name: 'Build', exact: true }).click();

    await expect.poll(() => dialog.getByRole('status').textContent(), { timeout: 60_000 }).toBe('Built test/from-editor:1: 3 steps');
    const image = await engine.inspectImage('test/from-editor:1');
    expect(image.config.Labels).toEqual({ made: 'editor' });
    expect(image.layers.at(-1)!.createdBy).toBe('COPY hello.txt /hello.txt');
    expect(fs.readdirSync(dir)).toEqual(['hello.txt']); // the Containerfile was not written into the context
    await dialog.getByRole('button', { name: 'Close', exact: true }).click();
  });
});
