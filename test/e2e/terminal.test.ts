// As a user: the Terminal tab of a container's detail. Run a container with "Interactive
// terminal (-it)" and land on its own terminal; open a shell in a running container, type
// into it and read the answer off xterm's rows; resize the window and see the shell learn
// the new size; search its scrollback (Ctrl+Shift+F); leave the tab and come back to the
// same session and scrollback; reload the window and attach again to the shell it left
// running; exit and see the end with Reopen. A shell opened with a command of several
// words says that command with its quotes, as the rest of the window does (`sh -c '…'`).
// Screenshots in light and dark.
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { quoteCommand } from '@shared/shell-words';
import { type TestImage, makeLayer, testImages, writeOciLayout } from '../helpers/test-images';
import { type Strata, ensureRendererBuilt, screenshot, screenshotLooks, skipReason, startStrata } from './harness';

const reason = skipReason();
if (reason) console.log(`e2e terminal: skipped: ${reason}`);

/** The test image plus the busybox applets a terminal test types. */
function terminalImage(dir: string): TestImage {
  const { a } = testImages(dir);
  const tools = makeLayer(dir, 'tty-tools', (root) => {
    fs.mkdirSync(path.join(root, 'bin'));
    for (const applet of ['tty', 'stty', 'sleep']) fs.symlinkSync('busybox', path.join(root, 'bin', applet));
  });
  return { tag: 'test/tty:1', layers: [...a.layers, tools], cmd: ['/bin/sh'] };
}

/** The terminal's screen as text, a line per row (xterm's DOM renderer writes spaces as no-break spaces). */
async function screenText(page: Page): Promise<string> {
  const rows = await page.locator('[data-terminal] .xterm-rows > div').allTextContents();
  return rows.map((row) => row.replace(/\u00a0/g, ' ').trimEnd()).join('\n');
}

/** Types a line into the focused terminal. */
async function typeLine(page: Page, text: string): Promise<void> {
  await page.keyboard.type(text);
  await page.keyboard.press('Enter');
}

/** The answer of the `stty size` asked as question `ask` (see shellSize), as [rows, cols]. */
async function sizeAnswer(page: Page, ask: number): Promise<number[] | undefined> {
  const answer = new RegExp(`^size-${ask}: (\\d+) (\\d+)$`, 'm').exec(await screenText(page));
  return answer ? [Number(answer[1]), Number(answer[2])] : undefined;
}

/** What xterm copies (its selection), through a copy event as the system's copy makes it. */
async function copiedText(page: Page): Promise<string> {
  return page.locator('[data-terminal] textarea').evaluate((area) => {
    const page = globalThis as unknown as { DataTransfer: new () => { getData(type: string): string }; ClipboardEvent: new (type: string, init: object) => unknown };
    const data = new page.DataTransfer();
    (area as unknown as { dispatchEvent(event: unknown): boolean }).dispatchEvent(new page.ClipboardEvent('copy', { clipboardData: data, bubbles: true, cancelable: true }));
    return data.getData('text/plain');
  });
}

/**
 * The shells the panel offers to attach to again, once there are `count`; when they do not
 * come, the error says what the engine lists and what the panel shows (a flake seen in CI
 * only: the list stayed empty after a reload).
 */
async function shellsLeft(strata: Strata, id: string, count: number) {
  const { page, engine } = strata;
  const left = page.getByRole('list', { name: 'Shells still running in this container' });
  try {
    await expect.poll(() => left.getByRole('listitem').count()).toBe(count);
  } catch (error) {
    const container = await engine.inspectContainer(id);
    const dir = path.join(strata.work, 'store', 'containers', container.id);
    const sessionFiles = fs.readdirSync(dir).filter((name) => name.startsWith('exec-'));
    const exits = sessionFiles.filter((name) => name.endsWith('.exit.json')).map((name) => fs.readFileSync(path.join(dir, name), 'utf8').trim());
    const runtimeFiles = fs.readdirSync('/run/strata', { recursive: true, encoding: 'utf8' }).filter((name) => name.includes(container.id) && name.includes('exec-'));
    const listed = await engine.listExecSessions(id).catch((e: Error) => e.message);
    const panel = await page.getByRole('region', { name: 'Terminal' }).locator('form, p, ul').allInnerTexts();
    throw new Error(
      `the panel lists ${await left.getByRole('listitem').count()} shells left running; the engine lists ${JSON.stringify(listed)}; ` +
        `the container's session files ${JSON.stringify(sessionFiles)}, exits ${JSON.stringify(exits)}; runtime ${JSON.stringify(runtimeFiles)}; the panel says ${JSON.stringify(panel)}`,
      { cause: error },
    );
  }
  return left;
}

/** Rows the terminal shows. */
const rowCount = (page: Page): Promise<number> => page.locator('[data-terminal] .xterm-rows > div').count();

/**
 * The shell's `stty size` once it agrees with the rows shown: a size sent while the pane was
 * still settling reaches the shell a moment later, so ask again (a few times at most).
 */
let asked = 0;
async function shellSize(page: Page): Promise<number[]> {
  for (let attempt = 0; ; attempt++) {
    const rows = await rowCount(page);
    // Each answer is labelled, so an earlier one still on the screen (before `clear` ran) is never taken for it.
    const ask = ++asked;
    await typeLine(page, `clear; echo "size-${ask}: $(stty size)"`);
    let size: number[] | undefined;
    await expect.poll(async () => (size = await sizeAnswer(page, ask))).toBeDefined();
    if (size![0] === rows || attempt === 4) return size!;
  }
}

describe.skipIf(reason)('the window, terminal (Chromium)', () => {
  let strata: Strata;

  beforeAll(async () => {
    ensureRendererBuilt();
    strata = await startStrata('terminal');
    await strata.engine.importImage({ path: writeOciLayout(path.join(strata.work, 'layout'), [terminalImage(strata.work)]) });
  });

  afterEach(() => strata?.expectNoErrors());

  afterAll(async () => {
    await strata?.stop();
  });

  it('runs a container with -it from the dialog and lands on its own terminal', async () => {
    const { page } = strata;
    await page.goto(`${strata.url}#containers`);
    await page.getByRole('button', { name: 'Run a container' }).first().click();
    const dialog = page.getByRole('dialog', { name: 'Run a container' });
    await dialog.getByRole('combobox', { name: 'Image' }).selectOption('test/tty:1');
    await dialog.getByRole('textbox', { name: 'Name' }).fill('box');
    await dialog.getByRole('checkbox', { name: /Interactive terminal \(-it\)/ }).check();
    await dialog.getByRole('button', { name: 'Run', exact: true }).click();

    await expect.poll(() => page.getByRole('heading', { name: 'box', level: 1 }).isVisible(), { timeout: 10_000 }).toBe(true);
    expect((await strata.engine.inspectContainer('box')).options).toMatchObject({ tty: true, interactive: true });
    await expect.poll(() => page.getByRole('tab', { name: 'Terminal' }).getAttribute('aria-selected')).toBe('true');
    await expect.poll(() => page.getByRole('button', { name: 'Detach' }).isVisible()).toBe(true);
    await page.locator('[data-terminal] .xterm').click();
    await typeLine(page, 'echo $((6*7)); tty');
    await expect.poll(() => screenText(page)).toMatch(/^42$/m);
    await expect.poll(() => screenText(page)).toMatch(/^\/dev\/pts\/\d+$/m); // its own terminal, not a pipe

    // Ctrl+K in the terminal is the shell's; outside it, the palette's.
    await page.keyboard.press('Control+k');
    expect(await page.getByRole('dialog', { name: /command palette/i }).isVisible()).toBe(false);
    await page.getByRole('heading', { name: 'box', level: 1 }).click();
    await page.keyboard.press('Control+k');
    await expect.poll(() => page.getByRole('dialog', { name: /command palette/i }).isVisible()).toBe(true);
    await page.keyboard.press('Escape');

    // Exiting the container's own shell ends the container: the end says with what.
    await page.locator('[data-terminal] .xterm').click();
    await typeLine(page, 'exit 7');
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'The process exited with 7.' }).isVisible(), { timeout: 15_000 }).toBe(true);
    expect(await page.getByRole('button', { name: 'Reopen' }).isVisible()).toBe(true);
    await strata.engine.removeContainer('box', { force: true });
  });

  it('opens a shell in a running container, follows the window size, keeps it across tabs, shows its end', async () => {
    const { page, engine } = strata;
    await page.setViewportSize({ width: 1400, height: 900 });
    const created = await engine.createContainer('test/tty:1', { name: 'svc', command: ['sleep', '600'] });
    await engine.startContainer(created.id);
    await page.goto(`${strata.url}#containers/${created.id}`);
    await page.getByRole('tab', { name: 'Terminal' }).click();
    expect(await page.getByRole('textbox', { name: 'Shell to open' }).inputValue()).toBe(''); // the engine's choice: bash if the image has it, else sh
    expect(await page.getByRole('button', { name: 'Attach to its terminal' }).count()).toBe(0); // made without a tty
    await page.getByRole('button', { name: 'Open shell' }).click();
    await expect.poll(() => page.getByRole('button', { name: 'Detach' }).isVisible()).toBe(true);
    expect(await page.getByText('/bin/sh', { exact: true }).isVisible()).toBe(true); // this image has no bash

    await typeLine(page, 'echo $((6*7))');
    await expect.poll(() => screenText(page)).toMatch(/^42$/m);

    // The shell learns the pane's size, and its new size when the window shrinks.
    const before = await shellSize(page);
    expect(before[0]).toBe(await rowCount(page));
    await page.setViewportSize({ width: 1280, height: 800 });
    await expect.poll(() => rowCount(page)).toBeLessThan(before[0]!);
    const after = await shellSize(page);
    expect(after[0]).toBe(await rowCount(page));
    expect(after[1]).toBeLessThan(before[1]!);
    await typeLine(page, 'echo marker-$((6*7))');
    await expect.poll(() => screenText(page)).toMatch(/^marker-42$/m);
    await screenshot(page, 'container-terminal-light');
    await page.emulateMedia({ colorScheme: 'dark' });
    await expect.poll(() => page.locator('[data-terminal] .xterm-scrollable-element').evaluate((el) => (el as unknown as { style: { backgroundColor: string } }).style.backgroundColor)).toBe('rgb(13, 15, 19)'); // --code-bg, dark (xterm sets it on the element)
    await screenshot(page, 'container-terminal-dark');
    await page.emulateMedia({ colorScheme: 'light' });

    // Search the scrollback: Ctrl+Shift+F from the terminal, the match selected and counted,
    // Enter and Shift+Enter between matches, Escape back to the shell.
    await page.locator('[data-terminal] .xterm').click();
    await typeLine(page, 'for i in 1 2 3 4 5 6 7 8 9; do echo needle-$i; done; echo needle-$((3+4))-again');
    await expect.poll(() => screenText(page)).toMatch(/^needle-7-again$/m);
    await page.keyboard.press('Control+Shift+F');
    const find = page.getByRole('textbox', { name: 'Find in the terminal' });
    await expect.poll(() => find.evaluate((el) => el === (globalThis as unknown as { document: { activeElement: unknown } }).document.activeElement)).toBe(true);
    await find.fill('needle-7');
    const count = page.getByRole('search', { name: 'Search the terminal' }).getByRole('status');
    await expect.poll(() => count.textContent()).toMatch(/^\d of 2$/);
    expect(await copiedText(page)).toBe('needle-7');
    const first = await count.textContent();
    await find.press('Enter');
    await expect.poll(() => count.textContent()).not.toBe(first);
    await find.press('Shift+Enter');
    await expect.poll(() => count.textContent()).toBe(first);
    expect(await page.locator('[data-terminal] .xterm-find-result-decoration, [data-terminal] .xterm-find-active-result-decoration').count()).toBeGreaterThan(0);
    await find.fill('no-such-needle');
    await expect.poll(() => count.textContent()).toBe('No matches');
    await find.fill('needle-7-again');
    await expect.poll(() => count.textContent()).toBe('1 of 1');
    await screenshot(page, 'container-terminal-search-light');
    await page.emulateMedia({ colorScheme: 'dark' });
    await screenshot(page, 'container-terminal-search-dark');
    await page.emulateMedia({ colorScheme: 'light' });
    // Ctrl+K in the search field is still the palette's.
    await find.click();
    await page.keyboard.press('Control+k');
    await expect.poll(() => page.getByRole('dialog', { name: /command palette/i }).isVisible()).toBe(true);
    await page.keyboard.press('Escape');
    await find.click();
    await find.press('Escape');
    expect(await page.getByRole('search', { name: 'Search the terminal' }).count()).toBe(0);
    expect(await page.locator('[data-terminal] .xterm-find-result-decoration').count()).toBe(0);
    await page.keyboard.type('echo back-$((6*7))'); // the keys are the shell's again
    await page.keyboard.press('Enter');
    await expect.poll(() => screenText(page)).toMatch(/^back-42$/m);

    // Away to the logs and back: the same session, its screen as it was plus what it printed
    // meanwhile, still taking input.
    // The shell prints once the test lets it (a directory appearing), while the tab is away.
    await page.locator('[data-terminal] .xterm').click(); // the screenshots' toast dismissal took the focus
    await typeLine(page, 'while [ ! -e /tmp/go ]; do sleep 0.1; done; echo later-$((6*7)); rm -r /tmp/go');
    await page.getByRole('tab', { name: 'Logs' }).click();
    expect(await page.locator('[data-terminal]').count()).toBe(0);
    expect((await engine.execContainer('svc', { command: ['mkdir', '/tmp/go'] })).exitCode).toBe(0);
    await expect.poll(async () => (await engine.execContainer('svc', { command: ['ls', '/tmp/go'] })).exitCode).not.toBe(0); // it has printed
    await page.getByRole('tab', { name: 'Terminal' }).click();
    expect(await screenText(page)).toMatch(/^marker-42$/m);
    await expect.poll(() => screenText(page)).toMatch(/^later-42$/m);
    await page.locator('[data-terminal] .xterm').click();
    await typeLine(page, 'echo again-$((6*7))');
    await expect.poll(() => screenText(page)).toMatch(/^again-42$/m);

    // The window reloads (or closes and opens again): the shell ran on, and is offered to
    // attach to again, its recent screen with it.
    await page.reload();
    await page.getByRole('tab', { name: 'Terminal' }).click();
    const left = await shellsLeft(strata, 'svc', 1);
    expect(await left.textContent()).toContain('/bin/sh');
    await screenshot(page, 'container-terminal-reattach');
    await left.getByRole('button', { name: /^Reattach/ }).click();
    await expect.poll(() => page.getByRole('button', { name: 'Detach' }).isVisible()).toBe(true);
    await expect.poll(() => screenText(page)).toMatch(/^again-42$/m);
    expect(await left.count()).toBe(0);
    await page.locator('[data-terminal] .xterm').click();
    await typeLine(page, 'echo reattached-$((6*7))');
    await expect.poll(() => screenText(page)).toMatch(/^reattached-42$/m);
    // Detach, then Reattach from the end notice: the same shell.
    await page.getByRole('button', { name: 'Detach' }).click();
    await page.getByRole('button', { name: 'Reattach', exact: true }).click();
    await expect.poll(() => page.getByRole('button', { name: 'Detach' }).isVisible()).toBe(true);
    await expect.poll(() => screenText(page)).toMatch(/^reattached-42$/m);
    await page.locator('[data-terminal] .xterm').click();

    // A multi-line paste (a clipboard paste event, as the system's paste makes): each line runs.
    // (The page's own globals: this file is type-checked without the DOM library.)
    await page.locator('[data-terminal] textarea').evaluate((area, text) => {
      const page = globalThis as unknown as { DataTransfer: new () => { setData(type: string, value: string): void }; ClipboardEvent: new (type: string, init: object) => unknown };
      const data = new page.DataTransfer();
      data.setData('text/plain', text);
      (area as unknown as { dispatchEvent(event: unknown): boolean }).dispatchEvent(new page.ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
    }, 'echo pasted-one\necho pasted-$((40+2))\n');
    await expect.poll(() => screenText(page)).toMatch(/^pasted-one$[\s\S]*^pasted-42$/m);

    // The shell ends: the end state, and Reopen opens a new one.
    await typeLine(page, 'exit 5');
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'The process exited with 5.' }).isVisible()).toBe(true);
    await screenshot(page, 'container-terminal-ended');
    await page.getByRole('button', { name: 'Reopen' }).click();
    await expect.poll(() => page.getByRole('button', { name: 'Detach' }).isVisible()).toBe(true);
    await typeLine(page, 'echo reopened-$((6*7))');
    await expect.poll(() => screenText(page)).toMatch(/^reopened-42$/m);
    await typeLine(page, 'exit');
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'The process exited with 0.' }).isVisible()).toBe(true);
  });

  it('says a shell\'s command with its quotes, in its bar and in the shells left running', async () => {
    const { page, engine } = strata;
    const created = await engine.createContainer('test/tty:1', { name: 'quoted', command: ['sleep', '600'] });
    await engine.startContainer(created.id);
    await page.goto(`${strata.url}#containers/${created.id}`);
    await page.getByRole('tab', { name: 'Terminal' }).click();
    const words = ['sh', '-c', 'echo "it\'s $((6*7))"; exec sh'];
    const line = quoteCommand(words);
    expect(line).toBe(`sh -c 'echo "it'\\''s $((6*7))"; exec sh'`);
    await page.getByRole('textbox', { name: 'Shell to open' }).fill(line);
    await page.getByRole('button', { name: 'Open shell' }).click();
    await expect.poll(() => page.getByRole('button', { name: 'Detach' }).isVisible()).toBe(true);
    await expect.poll(() => screenText(page)).toMatch(/^it's 42$/m); // the words the engine ran are the ones typed
    expect(await page.getByText(line, { exact: true }).isVisible()).toBe(true);
    await screenshotLooks(page, 'terminal-quoted-command');
    // Left running by a reload: offered again under the same quoted line.
    await page.reload();
    await page.getByRole('tab', { name: 'Terminal' }).click();
    const left = await shellsLeft(strata, created.id, 1);
    expect(await left.locator('.mono').textContent()).toBe(line);
    expect(await left.getByRole('button', { name: `Reattach to ${line} (`, exact: false }).count()).toBe(1);
    await engine.removeContainer(created.id, { force: true });
  });
});
