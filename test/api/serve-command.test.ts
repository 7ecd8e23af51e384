// `strata serve`: prints the URL with its token, serves until told to stop, then closes
// everything; bad flags are refused before anything listens.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve } from '../../src-main/cli/commands/serve';
import { main } from '../../src-main/cli/main';
import type { Output } from '../../src-main/cli/output';
import { Engine } from '../../src-main/engine/index';
import { makeTempDir } from '../helpers/test-images';
import { RawClient, httpGet } from './ws-client';

let work: string;

beforeAll(() => {
  work = makeTempDir('api-serve');
  fs.mkdirSync(path.join(work, 'site'));
  fs.writeFileSync(path.join(work, 'site', 'index.html'), '<!doctype html><title>Strata</title>');
});

afterAll(() => {
  fs.rmSync(work, { recursive: true, force: true });
});

function captured(): Output & { text: () => string; errors: () => string } {
  let out = '';
  let err = '';
  return { out: (t) => void (out += t), err: (t) => void (err += t), interactive: false, text: () => out, errors: () => err };
}

describe('strata serve', () => {
  it('prints the URL with a token, serves the page and the API, and stops when told', async () => {
    const output = captured();
    const stop = new AbortController();
    let url = '';
    const serving = serve(Engine.open({ root: path.join(work, 'store') }), output, { signal: stop.signal, staticRoot: path.join(work, 'site'), onListening: (u) => (url = u) });
    await expect.poll(() => url).not.toBe('');
    expect(output.text()).toMatch(/^Strata is serving at http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{32}\n$/);
    expect(output.text()).toContain(url);
    const page = new URL(url);
    expect((await httpGet(page.origin, page.pathname + page.search)).body).toContain('<title>Strata</title>');
    const client = await RawClient.connect(`ws://${page.host}/api${page.search}`, { origin: page.origin });
    expect(await client.call('images.list')).toEqual({ result: [] });

    stop.abort();
    await serving;
    await expect.poll(() => client.socket.readyState).toBe(3); // closed by the server
    await expect(httpGet(page.origin, '/')).rejects.toThrow(/ECONNREFUSED/);
    expect(output.errors()).toBe('');
  });

  it('warns when the renderer is not built, and serves the API anyway', async () => {
    const output = captured();
    const stop = new AbortController();
    stop.abort(); // serve, print, and stop at once
    await serve(Engine.open({ root: path.join(work, 'store') }), output, { signal: stop.signal, staticRoot: path.join(work, 'nothing') });
    expect(output.errors()).toMatch(/has no index\.html: the API works, the page does not/);
    expect(output.text()).toMatch(/^Strata is serving at /);
  });

  it('refuses a bad port as a usage error and a non-loopback host', async () => {
    const listeners = process.listenerCount('SIGTERM');
    const usage = captured();
    expect(await main(['--root', path.join(work, 'store'), 'serve', '--port', 'http'], usage)).toBe(2);
    expect(usage.errors()).toMatch(/--port takes a port number/);
    const remote = captured();
    expect(await main(['--root', path.join(work, 'store'), 'serve', '--host', '0.0.0.0'], remote)).toBe(1);
    expect(remote.errors()).toMatch(/listens on loopback only .* SSH tunnel \[INVALID_ARGUMENT\]/);
    expect(process.listenerCount('SIGTERM')).toBe(listeners);
  });
});
