// The e2e harness: the window as a normal user runs it — `strata system service` as root on
// a temporary store and socket, and `strata serve --connection system` as the unprivileged
// test user (a member of group strata) serving the built renderer and relaying each tab to
// the service — driven in Debian's Chromium by playwright-core. Where the test user is
// missing (.ci/run makes it), `strata serve` runs in this process as root instead, and says
// so. Everything it starts — containers, mounts, cgroups, processes, the store — goes in stop().
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, type Page, chromium } from 'playwright-core';
import { WebSocket } from 'ws';
import { type ApiClient, createClient } from '@shared/api/client';
import { pageSocketUrl, webSocketTransport, type SocketConstructor, type WebSocketTransport } from '@shared/api/ws-transport';
import { serve } from '../../src-main/cli/commands/serve';
import { Engine } from '../../src-main/engine/index';
import { makeTempDir } from '../helpers/test-images';
import type { Child } from '../engine/store/store-fixture';
import { type TestUser, findTestUser, openDir, startService, stopService, watchCliAs } from '../system/system-fixture';

export const CHROMIUM = '/usr/bin/chromium';
export const REPO = fileURLToPath(new URL('../..', import.meta.url));
export const RENDERER = path.join(REPO, 'out', 'renderer');
export const SCREENSHOTS = path.join(REPO, 'test', 'e2e', 'screenshots');

/** Why the e2e suite cannot run here, or undefined when it can. */
export function skipReason(): string | undefined {
  if (!fs.existsSync(CHROMIUM)) return `${CHROMIUM} is missing (apt-get install chromium): the e2e tests drive Debian's Chromium`;
  if (process.getuid?.() !== 0) return 'the e2e tests run containers through the real engine, which needs root';
  return undefined;
}

/**
 * Builds the renderer (npx electron-vite build) unless out/renderer is newer than every
 * source file. The e2e files run in parallel: a lock directory lets one build while the
 * others wait for it.
 */
export function ensureRendererBuilt(): void {
  const built = path.join(RENDERER, 'index.html');
  const newest = (dir: string): number =>
    fs.readdirSync(dir, { withFileTypes: true }).reduce((max, entry) => {
      const full = path.join(dir, entry.name);
      return Math.max(max, entry.isDirectory() ? newest(full) : fs.statSync(full).mtimeMs);
    }, 0);
  const fresh = (): boolean => fs.existsSync(built) && fs.statSync(built).mtimeMs > newest(path.join(REPO, 'src-renderer'));
  const lock = path.join(os.tmpdir(), 'strata-e2e-renderer-build.lock');
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (fresh()) return;
    try {
      fs.mkdirSync(lock);
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`${lock} is held for too long: remove it if no build runs`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200); // another file is building
    }
  }
  try {
    if (!fresh()) execFileSync('npx', ['electron-vite', 'build'], { cwd: REPO, stdio: 'pipe' });
  } finally {
    fs.rmdirSync(lock);
  }
}

export interface Strata {
  work: string;
  engine: Engine;
  /** The page's URL, with its token. */
  url: string;
  browser: Browser;
  page: Page;
  /** The API as the test sees it (for facts to check the page against). */
  api: ApiClient;
  /**
   * Lets errors matching `pattern` pass until the next expectNoErrors(): only for errors the
   * test provokes on purpose, and `why` says which.
   */
  allowErrors(pattern: RegExp, why: string): void;
  /** Fails on any page error, console error or server error seen since the last call that no allowance covers. */
  expectNoErrors(): void;
  /** Removes everything, then fails on errors as expectNoErrors() does. */
  stop(): Promise<void>;
}

/** Collects what a page reports as an error: uncaught exceptions and console.error lines. */
export function collectPageErrors(page: Page, into: string[]): void {
  page.on('pageerror', (error) => into.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') into.push(`console: ${message.text()} (${message.location().url || 'no source'})`);
  });
}

/** Throws on the errors no allowance covers, naming them. */
export function failOnErrors(label: string, errors: readonly string[], allowed: readonly { pattern: RegExp; why: string }[] = []): void {
  const unexpected = errors.filter((text) => !allowed.some(({ pattern }) => pattern.test(text)));
  if (unexpected.length) throw new Error(`e2e ${label}: the window or the server reported errors:\n${unexpected.join('\n')}`);
}

const testUser = findTestUser();
if (typeof testUser === 'string') console.log(`e2e: the window is served by root in the test process, not by a normal user through the system engine — ${testUser}`);

/** How the page is served: the test user's `strata serve` in front of the system engine, or in-process as root. */
interface Serving {
  url: string;
  /** Server-side errors seen so far (the service's and serve's unexpected failures). */
  errors(): string[];
  stop(): Promise<void>;
}

async function serveThroughSystemEngine(user: TestUser, work: string, store: string): Promise<Serving> {
  openDir(work); // the test user reaches the socket below it
  const socketPath = path.join(openDir(path.join(work, 'run')), 'strata.sock');
  const service: Child = await startService(store, socketPath);
  let server: Child | undefined;
  try {
    server = watchCliAs(user, true, { STRATA_SYSTEM_SOCKET: socketPath }, 'serve', '--connection', 'system', '--port', '0');
    const line = await server.line(/^Strata is serving at /);
    const url = line.replace(/^Strata is serving at /, '').trim();
    return {
      url,
      errors: () => [service.stderr(), server!.stderr()].join('\n').split('\n').filter((text) => /failed unexpectedly|Error/.test(text)),
      async stop() {
        server!.process.kill('SIGTERM');
        await server!.exited;
        await stopService(service);
      },
    };
  } catch (error) {
    server?.process.kill('SIGKILL');
    await stopService(service);
    throw error;
  }
}

async function serveInProcess(engine: Engine): Promise<Serving> {
  const stopServing = new AbortController();
  let url = '';
  const errors: string[] = [];
  const serving = serve(engine, { out: () => {}, err: (text) => void errors.push(text), interactive: false }, { signal: stopServing.signal, staticRoot: RENDERER, onListening: (u) => (url = u) });
  while (!url) await new Promise((resolve) => setTimeout(resolve, 20));
  return {
    url,
    errors: () => errors.splice(0),
    async stop() {
      stopServing.abort();
      await serving;
    },
  };
}

export async function startStrata(label: string): Promise<Strata> {
  const work = makeTempDir(`e2e-${label}`);
  const store = path.join(work, 'store');
  // The test's own view of the same store (facts to check the page against); the store's locks are the kernel's, across processes.
  const engine = Engine.open({ root: store });
  const serving = typeof testUser === 'string' ? await serveInProcess(engine) : await serveThroughSystemEngine(testUser, work, store);
  const url = serving.url;
  const errors: string[] = [];
  const transport: WebSocketTransport = webSocketTransport(pageSocketUrl(new URL(url)), { WebSocket: WebSocket as unknown as SocketConstructor });
  const api = createClient(transport);
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  collectPageErrors(page, errors);
  let allowed: { pattern: RegExp; why: string }[] = [];
  const expectNoErrors = () => {
    const seen = [...errors.splice(0), ...serving.errors()];
    const allowedNow = allowed;
    allowed = [];
    failOnErrors(label, seen, allowedNow);
  };

  return {
    work,
    engine,
    url,
    browser,
    page,
    api,
    allowErrors(pattern, why) {
      allowed.push({ pattern, why });
    },
    expectNoErrors,
    async stop() {
      await browser.close().catch(() => {});
      transport.close();
      for (const container of await engine.listContainers({ all: true })) await engine.removeContainer(container.id, { force: true }).catch(() => {});
      await serving.stop();
      const mounts = fs.readFileSync('/proc/self/mountinfo', 'utf8');
      fs.rmSync(work, { recursive: true, force: true });
      if (mounts.includes(work)) throw new Error(`mounts left under ${work}`);
      expectNoErrors();
    },
  };
}

/** Saves a screenshot of the whole window under test/e2e/screenshots/, toasts dismissed. */
export async function screenshot(page: Page, name: string, options: { keepToasts?: boolean } = {}): Promise<string> {
  if (!options.keepToasts) {
    for (const dismiss of await page.getByRole('button', { name: /^Dismiss: / }).all()) await dismiss.click({ timeout: 1000 }).catch(() => {}); // it may have gone by itself
  }
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  const file = path.join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

/** The window sizes and themes a designer looks at. */
export const LOOKS = [
  { width: 1280, height: 800, colorScheme: 'light' },
  { width: 1280, height: 800, colorScheme: 'dark' },
  { width: 1920, height: 1080, colorScheme: 'light' },
  { width: 1920, height: 1080, colorScheme: 'dark' },
] as const;

/**
 * Screenshots of the window as it is, at 1280×800 and 1920×1080, light and dark
 * (`<name>-1280x800-dark.png` …); the page's size and theme are put back afterwards. Toasts
 * stay (the state may be one). Returns the files.
 */
export async function screenshotLooks(page: Page, name: string): Promise<string[]> {
  const viewport = page.viewportSize();
  const files: string[] = [];
  try {
    for (const look of LOOKS) {
      await page.setViewportSize({ width: look.width, height: look.height });
      await page.emulateMedia({ colorScheme: look.colorScheme });
      await page.waitForTimeout(400); // charts follow the theme and the size on their next frame
      files.push(await screenshot(page, `${name}-${look.width}x${look.height}-${look.colorScheme}`, { keepToasts: true }));
    }
  } finally {
    if (viewport) await page.setViewportSize(viewport);
    await page.emulateMedia({ colorScheme: 'light' });
  }
  return files;
}
