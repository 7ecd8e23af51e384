// The window as a normal user sees it: `strata serve` run as an unprivileged uid (the
// built CLI, a store of that user's), and the page says why containers cannot start and
// what to do, while the rest of the window works. That notice is a band above the view and
// the toasts keep their corner: with both on screen neither covers the other, at 1280×800
// and at 1920×1080.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { type Browser, type Locator, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, testImages, writeOciLayout } from '../helpers/test-images';
import { CHROMIUM, REPO, collectPageErrors, ensureRendererBuilt, failOnErrors, screenshot, screenshotLooks, skipReason } from './harness';

const NOBODY = 65534;
const SETPRIV = '/usr/bin/setpriv';
const skip = skipReason() ?? (fs.existsSync(SETPRIV) ? undefined : `${SETPRIV} is missing (util-linux): it runs the server as another user`);
if (skip) console.log(`e2e rootless: skipped: ${skip}`);

let work: string;
let server: ChildProcess | undefined;
let browser: Browser | undefined;
let url: string;

beforeAll(async () => {
  if (skip) return;
  ensureRendererBuilt();
  work = makeTempDir('e2e-rootless');
  fs.chmodSync(work, 0o755);
  const home = path.join(work, 'home');
  fs.mkdirSync(home);
  fs.chownSync(home, NOBODY, NOBODY);
  const asNobody = [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', process.execPath, path.join(REPO, 'bin/strata.js'), '--root', path.join(home, 'store')];
  const env = { PATH: process.env.PATH, HOME: home, XDG_RUNTIME_DIR: home };
  // An image of two tags in that user's store, by its own CLI (one without whiteouts: a
  // normal user cannot import those yet); untagging one gives a toast.
  const layout = writeOciLayout(path.join(work, 'layout'), [testImages(work).b]);
  for (const args of [['import', layout], ['tag', 'test/b:1', 'test/b:2']]) {
    const done = spawnSync(SETPRIV, [...asNobody, ...args], { env, encoding: 'utf8' });
    if (done.status !== 0) throw new Error(`strata ${args.join(' ')} as ${NOBODY}: ${done.stderr}`);
  }
  server = spawn(SETPRIV, [...asNobody, 'serve', '--port', '0'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  url = await new Promise<string>((resolve, reject) => {
    let out = '';
    let err = '';
    server!.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const found = /http:\/\/\S+/.exec(out);
      if (found) resolve(found[0]);
    });
    server!.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
    server!.on('exit', (code) => reject(new Error(`strata serve exited ${code}: ${err}`)));
  });
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  server?.kill('SIGTERM');
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

describe.skipIf(skip !== undefined)('the window without root', () => {
  it('says that containers need the system engine and how to get it, shows the engine it is on, and remembers "images only"', async () => {
    const page = await browser!.newPage();
    const errors: string[] = [];
    collectPageErrors(page, errors);
    await page.goto(url);
    const notice = page.getByRole('status', { name: 'Engine' });
    await notice.waitFor();
    expect(await notice.textContent()).toMatch(/Containers need the system engine\..*runs as user 65534.*group strata.*sudo strata system install/s);
    const panel = page.getByRole('region', { name: 'Engine connection' });
    await panel.waitFor();
    expect(await panel.textContent()).toMatch(/Engine in this app\s*Connected.*Runs as user 65534: images and layers only/s);
    await page.getByRole('button', { name: /images/i }).first().click();
    await page.getByRole('heading', { name: /images/i }).first().waitFor();
    await page.setViewportSize({ width: 1280, height: 800 });
    await screenshot(page, 'engine-notice-light-1280');
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.setViewportSize({ width: 1920, height: 1080 });
    await screenshot(page, 'engine-notice-dark-1920');
    await page.emulateMedia({ colorScheme: 'light' });

    // A toast while the notice is up (an untag's, with Undo): both seen whole, apart.
    await page.getByRole('button', { name: 'Images', exact: true }).click();
    await page.getByRole('button', { name: 'Remove tag test/b:2' }).click();
    const toast = page.getByRole('status').filter({ hasText: 'Untagged test/b:2' });
    await toast.waitFor();
    await toast.hover(); // held while pointed at: it stays for the looks below
    for (const size of [{ width: 1280, height: 800 }, { width: 1920, height: 1080 }]) {
      await page.setViewportSize(size);
      const [a, b] = [await inView(notice, size), await inView(toast, size)];
      const apart = a.x + a.width <= b.x || b.x + b.width <= a.x || a.y + a.height <= b.y || b.y + b.height <= a.y;
      expect(apart, `the engine notice ${JSON.stringify(a)} and the toast ${JSON.stringify(b)} overlap at ${size.width}×${size.height}`).toBe(true);
    }
    await screenshotLooks(page, 'engine-notice-and-toast');
    await toast.getByRole('button', { name: 'Undo: Untagged test/b:2' }).click();
    await page.getByRole('button', { name: 'Remove tag test/b:2' }).waitFor();
    await notice.getByRole('button', { name: 'Images only for now' }).click();
    await notice.waitFor({ state: 'detached' });
    await page.reload();
    await panel.waitFor();
    expect(await page.getByRole('status', { name: 'Engine' }).count()).toBe(0);
    await page.close();
    failOnErrors('rootless', errors);
  });
});

/** An element's box, which must be all inside the window (seen whole). */
async function inView(locator: Locator, size: { width: number; height: number }): Promise<{ x: number; y: number; width: number; height: number }> {
  const box = await locator.boundingBox();
  if (!box) throw new Error(`${String(locator)} is not shown`);
  expect(box.x >= 0 && box.y >= 0 && box.x + box.width <= size.width + 0.5 && box.y + box.height <= size.height + 0.5, `${String(locator)} ${JSON.stringify(box)} inside ${size.width}×${size.height}`).toBe(true);
  return box;
}
