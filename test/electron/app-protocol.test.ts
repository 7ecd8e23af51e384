// The app:// handler (src-main/electron/app-protocol.ts) serves out/renderer and nothing
// else: no path, encoding or symlink leads out of its root; every answer has the CSP.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY } from '@shared/csp';
import { appFilePath, serveAppRequest } from '../../src-main/electron/app-protocol';
import { makeTempDir } from '../helpers/test-images';

const work = makeTempDir('app-protocol');
const root = path.join(work, 'renderer');
fs.mkdirSync(path.join(root, 'assets'), { recursive: true });
fs.writeFileSync(path.join(root, 'index.html'), '<!doctype html><title>t</title>');
fs.writeFileSync(path.join(root, 'assets', 'a.js'), 'export {}');
fs.writeFileSync(path.join(work, 'secret.txt'), 'secret');
fs.symlinkSync(path.join(work, 'secret.txt'), path.join(root, 'assets', 'link.txt'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

const get = (url: string, method = 'GET') => serveAppRequest(root, new Request(url, { method }));

describe('app:// handler', () => {
  it('serves the page and its assets with their types and the CSP', async () => {
    for (const [url, type] of [
      ['app://strata/index.html', 'text/html; charset=utf-8'],
      ['app://strata/', 'text/html; charset=utf-8'],
      ['app://strata/assets/a.js', 'text/javascript; charset=utf-8'],
    ] as const) {
      const response = await get(url);
      expect(response.status, url).toBe(200);
      expect(response.headers.get('content-type')).toBe(type);
      expect(response.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    }
    expect(await (await get('app://strata/index.html')).text()).toContain('<title>t</title>');
  });

  it('refuses what lies outside the root, another host, a symlink out, a missing file and other methods', async () => {
    for (const url of ['app://strata/../secret.txt', 'app://strata/%2e%2e/secret.txt', 'app://strata/..%2fsecret.txt', 'app://strata/assets/%2e%2e%2f%2e%2e%2fsecret.txt', 'app://other/index.html', 'app://strata/a%00b', 'app://strata/assets%5c..%5c..%5csecret.txt', 'app://strata/assets/link.txt', 'app://strata/missing.js', 'app://strata/assets', 'app://strata/%E0%A4%A']) {
      const response = await get(url);
      expect(response.status, url).toBe(404);
      expect(await response.text()).not.toContain('secret');
    }
    expect((await get('app://strata/index.html', 'POST')).status).toBe(405);
  });

  it('maps URLs to files only under the root', () => {
    expect(appFilePath(root, 'app://strata/assets/a.js')).toBe(path.join(root, 'assets', 'a.js'));
    expect(appFilePath(root, 'file:///etc/passwd')).toBeUndefined();
  });
});
