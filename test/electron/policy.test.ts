// The window's pure rules (src-main/electron/policy.ts, sandbox.ts): what the open dialog may
// be asked for, which URLs are the app, and the sandbox decision.
import { describe, expect, it } from 'vitest';
import { isAppUrl, pickPathOptions } from '../../src-main/electron/policy';
import { sandboxPlan } from '../../src-main/electron/sandbox';

describe('pickPathOptions', () => {
  it('takes a file or a directory with a title, and nothing else', () => {
    expect(pickPathOptions({ kind: 'directory', title: 'Choose the build context' })).toEqual({ kind: 'directory', title: 'Choose the build context' });
    expect(pickPathOptions({ kind: 'file', title: 'Choose an image archive', defaultPath: '/etc' })).toEqual({ kind: 'file', title: 'Choose an image archive' });
  });

  it('refuses anything else', () => {
    for (const request of [undefined, null, 'file', {}, { kind: 'save', title: 'x' }, { kind: 'file' }, { kind: 'file', title: 3 }, { kind: 'file', title: 'x'.repeat(201) }]) {
      expect(pickPathOptions(request)).toBeUndefined();
    }
  });
});

describe('isAppUrl', () => {
  const app = { kind: 'app' } as const;
  it('is the one page of app://strata (any fragment or query), or the dev server origin', () => {
    for (const url of ['app://strata/index.html', 'app://strata/index.html#/containers', 'app://strata/', 'app://strata/index.html?x=1']) expect(isAppUrl(url, app), url).toBe(true);
    expect(isAppUrl('http://localhost:5173/#/images', { kind: 'url', url: 'http://localhost:5173/' })).toBe(true);
  });
  it('is nothing else: file://, another host or page, credentials, another scheme', () => {
    for (const url of ['file:///work/out/renderer/index.html', 'app://evil/index.html', 'app://strata/other.html', 'app://u:p@strata/index.html', 'https://strata/index.html', 'not a url']) expect(isAppUrl(url, app), url).toBe(false);
    expect(isAppUrl('http://localhost:5174/', { kind: 'url', url: 'http://localhost:5173/' })).toBe(false);
  });
});

describe('sandboxPlan', () => {
  it('root needs --no-sandbox on the command line and then gets no enableSandbox; a user always gets the sandbox', () => {
    expect(sandboxPlan(0, ['electron', '.']).kind).toBe('refuse');
    expect(sandboxPlan(0, ['electron', '--no-sandbox', '.']).kind).toBe('no-sandbox');
    expect(sandboxPlan(0, ['electron', '.'], true).kind).toBe('no-sandbox');
    expect(sandboxPlan(1000, ['electron', '.']).kind).toBe('sandbox');
    expect(sandboxPlan(1000, ['electron', '--no-sandbox', '.']).kind).toBe('sandbox');
  });
});
