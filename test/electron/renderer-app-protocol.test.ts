// The built renderer as the window loads it: out/renderer served by the app:// handler
// (src-main/electron/app-protocol.ts, the function the main process gives protocol.handle),
// here behind a loopback HTTP server, in Debian's Chromium, with a fake `window.strata`
// bridge standing in for the preload. It must load under the handler's CSP header with zero
// CSP violations and no console errors.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_HOST, APP_SCHEME, serveAppRequest } from '../../src-main/electron/app-protocol';
import { CHROMIUM, REPO, collectPageErrors, failOnErrors } from '../e2e/harness';

const RENDERER = path.join(REPO, 'out', 'renderer');
const skip = fs.existsSync(CHROMIUM) ? undefined : `${CHROMIUM} is missing (apt-get install chromium): this test drives Debian's Chromium`;
if (skip) console.log(`skipping the renderer-over-app:// test: ${skip}`);

/**
 * The fake preload bridge, as page script (this file's TypeScript has no DOM types): a few
 * answers the first screen needs, an UNSUPPORTED error for the rest; CSP violations become
 * console errors.
 */
const FAKE_BRIDGE = `
  const answers = {
    'containers.list': [],
    'images.list': [],
    'system.info': { version: '0.0.0', platform: 'linux', arch: 'x64', kernel: '6', storeRoot: '/var/lib/strata', cgroupVersion: 'v2', rootless: false, privilege: 'root', uid: 0, cpus: 2, memoryBytes: 1073741824, storeSupervisor: true, storeSupervisorPid: 1, capabilities: { containers: { ok: true }, limits: { ok: true }, pause: { ok: true }, networks: ['bridge', 'host', 'none'], bridge: { ok: true }, statsSource: 'cgroup', hostUser: { uid: 0, name: 'root' } } },
  };
  const calls = (window.__calls = []);
  document.addEventListener('securitypolicyviolation', (event) => console.error('CSP violation: ' + event.violatedDirective + ' blocked ' + event.blockedURI));
  Object.defineProperty(window, 'strata', {
    value: Object.freeze({
      version: '0.0.0',
      platform: 'linux',
      invoke: (method) => {
        calls.push(method);
        return Promise.resolve(method in answers ? { result: answers[method] } : { error: { code: 'UNSUPPORTED', message: method + ": not in this test's fake bridge" } });
      },
      subscribe: () => () => {},
      pickPath: () => Promise.resolve(undefined),
    }),
  });
`;

describe.skipIf(skip)('the built renderer over the app:// handler', () => {
  let server: http.Server;
  let base = '';
  let browser: Browser;

  beforeAll(async () => {
    if (!fs.existsSync(path.join(RENDERER, 'index.html'))) throw new Error(`${RENDERER} is not built: run \`npm run build\` first`);
    server = http.createServer((request, response) => {
      // The same handler protocol.handle gets, with the URL the window would ask for.
      void serveAppRequest(RENDERER, new Request(`${APP_SCHEME}://${APP_HOST}${request.url}`, { method: request.method }))
        .then(async (answer) => {
          response.writeHead(answer.status, Object.fromEntries(answer.headers));
          response.end(Buffer.from(await answer.arrayBuffer()));
        })
        .catch((error: unknown) => {
          response.writeHead(500);
          response.end(String(error));
        });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
  });

  it('loads index.html and its assets with the CSP header, zero CSP violations, no console errors', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    collectPageErrors(page, errors);
    const failed: string[] = [];
    page.on('requestfailed', (request) => failed.push(`${request.url()}: ${request.failure()?.errorText}`));
    await page.addInitScript({ content: FAKE_BRIDGE });
    const response = await page.goto(`${base}/index.html`, { waitUntil: 'networkidle' });
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-security-policy']).toContain("default-src 'self'");
    // The app mounted, and talked to the bridge (not a WebSocket).
    await expect.poll(() => page.locator('#app > *').count()).toBeGreaterThan(0);
    const calls = (await page.evaluate('window.__calls')) as string[];
    expect(calls).toContain('containers.list');
    expect(failed).toEqual([]);
    failOnErrors('renderer over app://', errors, [{ pattern: /not in this test's fake bridge/, why: 'the fake bridge answers only the first screen' }]);
    await page.close();
  });
});
