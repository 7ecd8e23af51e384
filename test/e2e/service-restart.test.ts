// The window when the system engine dies and comes back: the test user's `strata serve
// --connection system` in front of `strata system service`; the service is killed with -9
// while a container runs — the page says the connection was lost and that it is
// reconnecting, the container keeps running — then a new service starts on the same socket
// and store: the page says nothing any more and lists the container running, re-adopted.
import path from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src-main/engine/index';
import { removeTestStore } from '../helpers/containers';
import { makeTempDir, testImages, writeOciLayout } from '../helpers/test-images';
import type { Child } from '../engine/store/store-fixture';
import { type TestUser, findTestUser, openDir, startService, stopService, watchCliAs } from '../system/system-fixture';
import { CHROMIUM, collectPageErrors, ensureRendererBuilt, failOnErrors, screenshot, skipReason } from './harness';

const user = findTestUser();
const skip = skipReason() ?? (typeof user === 'string' ? user : undefined);
if (skip) console.log(`e2e service-restart: skipped — ${skip}`);

let work: string;
let engine: Engine;
let socketPath: string;
const services: Child[] = [];
let server: Child | undefined;
let browser: Browser | undefined;

describe.skipIf(skip !== undefined)('the window while the system engine is killed and comes back', () => {
  beforeAll(async () => {
    ensureRendererBuilt();
    work = openDir(makeTempDir('e2e-service-restart'));
    engine = Engine.open({ root: path.join(work, 'store') });
    await engine.importImage({ path: writeOciLayout(path.join(work, 'layout'), [testImages(work).a]) });
    socketPath = path.join(openDir(path.join(work, 'run')), 'strata.sock');
    services.push(await startService(engine.root, socketPath));
    server = watchCliAs(user as TestUser, true, { STRATA_SYSTEM_SOCKET: socketPath }, 'serve', '--connection', 'system', '--port', '0');
    await server.line(/^Strata is serving at /);
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    server?.process.kill('SIGTERM');
    await server?.exited;
    for (const service of services) await stopService(service);
    if (engine) await removeTestStore(engine, work);
  });

  it('says the connection is lost and reconnecting, then shows the container running again', async () => {
    const url = server!.stdout().match(/Strata is serving at (\S+)/)![1]!;
    const page = await browser!.newPage({ viewport: { width: 1280, height: 800 } });
    const errors: string[] = [];
    collectPageErrors(page, errors);
    const container = await engine.runContainer('test/a:1', { name: 'survivor', command: ['sleep', '600'] });
    await page.goto(`${url}#containers`);
    await page
      .getByRole('row', { name: /survivor/ })
      .waitFor()
      .catch(async (error: unknown) => {
        // seen once in CI, not here: say what the page showed and what the engine lists
        const shown = await page.locator('main').textContent().catch(() => '(no main)');
        const listed = (await engine.listContainers({ all: true })).map((c) => `${c.name} ${c.state.status}`);
        throw new Error(`${String(error)}\nthe page: ${shown}\nthe store lists: ${listed.join(', ')}\nserve said: ${server!.stdout()}`);
      });
    const panel = page.getByRole('region', { name: 'Engine connection' });
    await expect.poll(() => panel.textContent()).toMatch(/System engine\s*Connected/);

    services[0]!.process.kill('SIGKILL');
    await services[0]!.exited;
    const notice = page.getByRole('status', { name: 'Engine' });
    await notice.waitFor({ timeout: 30_000 });
    expect(await notice.textContent()).toMatch(/System engine: connection lost, reconnecting…/);
    expect(await panel.textContent()).toMatch(/Reconnecting…/);
    await screenshot(page, 'engine-reconnecting');
    expect(process.kill(container.state.pid!, 0)).toBe(true); // the container outlives its engine

    services.push(await startService(engine.root, socketPath));
    await notice.waitFor({ state: 'detached', timeout: 60_000 });
    await expect.poll(() => panel.textContent(), { timeout: 30_000 }).toMatch(/System engine\s*Connected/);
    await page.reload();
    await expect.poll(() => page.getByRole('row', { name: /survivor/ }).textContent(), { timeout: 30_000 }).toMatch(/running/i);
    await page.close();
    // The page's calls in flight when the engine died fail, and it says so in its console: expected here.
    failOnErrors('service-restart', errors, [{ pattern: /connection to the Strata engine closed|cannot reach the Strata engine/, why: 'calls in flight when the service was killed' }]);
  }, 180_000);
});
