// The window as a normal user sees it: `strata serve` run as an unprivileged uid (the
// built CLI, a store of that user's), and the page says why containers cannot start and
// what to do, while the rest of the window works.
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../helpers/test-images';
import { CHROMIUM, REPO, collectPageErrors, ensureRendererBuilt, failOnErrors, screenshot, skipReason } from './harness';

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
  server = spawn(SETPRIV, [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', process.execPath, path.join(REPO, 'bin/strata.js'), '--root', path.join(home, 'store'), 'serve', '--port', '0'], {
    env: { PATH: process.env.PATH, HOME: home, XDG_RUNTIME_DIR: home },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
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
    await notice.getByRole('button', { name: 'Images only for now' }).click();
    await notice.waitFor({ state: 'detached' });
    await page.reload();
    await panel.waitFor();
    expect(await page.getByRole('status', { name: 'Engine' }).count()).toBe(0);
    await page.close();
    failOnErrors('rootless', errors);
  });
});
