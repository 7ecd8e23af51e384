// `strata serve`'s front door, without containers: the static renderer with the window's
// CSP, paths kept inside the static root, and who may open the API socket.
import fs from 'node:fs';
import path from 'node:path';
import { WebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '@shared/api/client';
import { Api } from '../../src-main/api/dispatch';
import { pageSocketUrl, webSocketTransport } from '@shared/api/ws-transport';
import { CONTENT_SECURITY_POLICY } from '@shared/csp';
import { checkSocketRequest, isLoopbackHost, tokenMatches } from '../../src-main/server/access';
import { type RunningServer, startServer } from '../../src-main/server/server';
import { resolveStaticPath } from '../../src-main/server/static-files';
import { Engine } from '../../src-main/engine/index';
import { isStrataError } from '@shared/errors';
import { makeTempDir } from '../helpers/test-images';
import { RawClient, httpGet, refusal } from './ws-client';

let work: string;
let site: string;
let api: Api;
let server: RunningServer;
let socketUrl: string;

beforeAll(async () => {
  work = makeTempDir('api-server');
  site = path.join(work, 'site');
  fs.mkdirSync(path.join(site, 'assets'), { recursive: true });
  fs.writeFileSync(path.join(site, 'index.html'), '<!doctype html><title>Strata</title>');
  fs.writeFileSync(path.join(site, 'assets', 'app-1234.js'), 'console.log("strata")');
  fs.writeFileSync(path.join(site, 'assets', 'style.css'), 'body{}');
  fs.writeFileSync(path.join(site, 'assets', 'icon.svg'), '<svg/>');
  fs.writeFileSync(path.join(site, '.env'), 'SECRET=1');
  fs.writeFileSync(path.join(work, 'secret.txt'), 'outside the site');
  fs.symlinkSync(path.join(work, 'secret.txt'), path.join(site, 'assets', 'link.txt'));
  api = new Api({ engine: Engine.open({ root: path.join(work, 'store') }) });
  server = await startServer({ api, staticRoot: site });
  socketUrl = `ws://127.0.0.1:${server.port}/api?token=${server.token}`;
});

afterAll(async () => {
  await server.close();
  await api.close();
  fs.rmSync(work, { recursive: true, force: true });
});

describe('static files', () => {
  it('serves index.html at / with the window CSP plus this socket, and hardening headers', async () => {
    const page = await httpGet(server.origin, `/?token=${server.token}`);
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>Strata</title>');
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    const csp = page.headers['content-security-policy'] as string;
    expect(csp.startsWith(CONTENT_SECURITY_POLICY.split('; connect-src')[0]!)).toBe(true);
    expect(csp).toContain(`connect-src 'self' ws://127.0.0.1:* ws://127.0.0.1:${server.port}`);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.headers['referrer-policy']).toBe('no-referrer');
  });

  it('allows the socket of the host the page came through (an SSH tunnel: localhost:<its port>)', async () => {
    const page = await httpGet(server.origin, '/', { headers: { Host: 'localhost:8888' } });
    expect(page.headers['content-security-policy']).toContain('ws://localhost:8888');
  });

  it('serves assets with their content types, HEAD without a body', async () => {
    expect((await httpGet(server.origin, '/assets/app-1234.js')).headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect((await httpGet(server.origin, '/assets/style.css')).headers['content-type']).toBe('text/css; charset=utf-8');
    expect((await httpGet(server.origin, '/assets/icon.svg')).headers['content-type']).toBe('image/svg+xml');
    const head = await httpGet(server.origin, '/assets/app-1234.js', { method: 'HEAD' });
    expect([head.status, head.body, head.headers['content-length']]).toEqual([200, '', '21']);
  });

  it('refuses paths out of the root, dot-files, symlinks out, and other methods', async () => {
    for (const rawPath of ['/../secret.txt', '/assets/../../secret.txt', '/%2e%2e/secret.txt', '/..%2fsecret.txt', '/assets/%2e%2e%2f%2e%2e%2fsecret.txt', '/.env', '/assets/link.txt', '/%00', '/%zz', '/assets', '/nope.js']) {
      const answer = await httpGet(server.origin, rawPath);
      expect(answer.status, rawPath).toBe(404);
      expect(answer.body).not.toContain('outside the site');
      expect(answer.body).not.toContain('SECRET');
    }
    expect((await httpGet(server.origin, '/', { method: 'POST' })).status).toBe(405);
    expect((await httpGet(server.origin, '/api')).status).toBe(426);
  });

  it('answers only loopback host names (DNS rebinding gets nothing)', async () => {
    expect((await httpGet(server.origin, '/', { headers: { Host: 'evil.example:80' } })).status).toBe(403);
    expect(isLoopbackHost('127.0.0.1:1')).toBe(true);
    expect(isLoopbackHost('[::1]:1')).toBe(true);
    expect(isLoopbackHost('LOCALHOST')).toBe(true);
    expect(isLoopbackHost('127.0.0.1.evil.example')).toBe(false);
    expect(isLoopbackHost(undefined)).toBe(false);
  });

  it('resolves paths lexically inside the root', () => {
    expect(resolveStaticPath('/site', '/')).toBe('/site/index.html');
    expect(resolveStaticPath('/site', '/a/./b.js')).toBe('/site/a/b.js');
    expect(resolveStaticPath('/site', '/a/../b.js')).toBeUndefined();
    expect(resolveStaticPath('/site', '/a\\..\\b.js')).toBeUndefined();
  });
});

describe('who may open the API socket', () => {
  it('admits the right token, with no Origin (a script) or the page’s own', async () => {
    const script = await RawClient.connect(socketUrl);
    expect(await script.call('images.list')).toEqual({ result: [] });
    await script.close();
    const page = await RawClient.connect(socketUrl, { origin: server.origin });
    expect(await page.call('images.list')).toEqual({ result: [] });
    await page.close();
  });

  it('refuses a wrong or missing token with 401', async () => {
    expect(await refusal(`ws://127.0.0.1:${server.port}/api?token=${server.token}x`)).toEqual({ status: 401, body: 'wrong token\n' });
    expect(await refusal(`ws://127.0.0.1:${server.port}/api`)).toEqual({ status: 401, body: 'missing token\n' });
  });

  it('refuses a foreign Origin with 403, even with the token', async () => {
    for (const origin of ['http://evil.example', `http://localhost:${server.port}`, `https://127.0.0.1:${server.port}`, 'null']) {
      expect((await refusal(socketUrl, { origin })).status, origin).toBe(403);
    }
  });

  it('refuses a non-loopback Host and another path', async () => {
    expect((await refusal(socketUrl, { headers: { Host: 'evil.example' } })).status).toBe(403);
    expect((await refusal(`ws://127.0.0.1:${server.port}/other?token=${server.token}`)).status).toBe(404);
  });

  it('compares tokens in constant time, and checks host, origin, token in that order', () => {
    expect(tokenMatches('abc', 'abc')).toBe(true);
    expect(tokenMatches('abc', 'abcd')).toBe(false);
    expect(tokenMatches('abc', null)).toBe(false);
    expect(checkSocketRequest({ host: 'evil', origin: 'http://evil', url: '/api' }, 't')).toMatchObject({ status: 403 });
    expect(checkSocketRequest({ host: '127.0.0.1:1', origin: 'http://evil', url: '/api?token=t' }, 't')).toMatchObject({ status: 403 });
    expect(checkSocketRequest({ host: '127.0.0.1:1', origin: 'http://127.0.0.1:1', url: '/api?token=t' }, 't')).toEqual({ ok: true });
  });

  it('refuses to listen anywhere but loopback', async () => {
    const error = await startServer({ api, host: '0.0.0.0' }).catch((e: unknown) => e);
    expect(isStrataError(error, 'INVALID_ARGUMENT')).toBe(true);
  });
});

describe('protocol', () => {
  it('answers unreadable frames with id null, unknown methods and events with stable codes', async () => {
    const client = await RawClient.connect(socketUrl);
    client.send('this is not json');
    expect(await client.next((f) => f.id === null)).toMatchObject({ error: { code: 'INVALID_ARGUMENT' } });
    client.send({ method: 'images.list' }); // no id
    expect(await client.next((f) => f.id === null)).toMatchObject({ error: { code: 'INVALID_ARGUMENT' } });
    client.send({ id: 1, method: 'images.list', extra: true });
    expect(await client.next((f) => f.id === null)).toMatchObject({ error: { code: 'INVALID_ARGUMENT' } });
    client.socket.send(Buffer.from('{"id":2,"method":"images.list"}'), () => {}); // binary
    expect(await client.next((f) => f.id === null)).toMatchObject({ error: { code: 'INVALID_ARGUMENT' } });
    expect(await client.call('images.nope', {})).toMatchObject({ error: { code: 'UNKNOWN_METHOD', message: 'no such method: "images.nope"' } });
    expect(await client.call('images.inspect', { ref: 42 })).toMatchObject({ error: { code: 'INVALID_ARGUMENT' } });
    expect(await client.subscribe('nope.event')).toMatchObject({ error: { code: 'INVALID_ARGUMENT' } });
    expect(await client.subscribe('jobs.done')).toEqual({ id: expect.any(Number), result: null });
    expect(await client.unsubscribe('jobs.done')).toEqual({ id: expect.any(Number), result: null });
    // String ids are echoed too.
    client.send({ id: 'abc', method: 'jobs.list' });
    expect(await client.next((f) => f.id === 'abc')).toEqual({ id: 'abc', result: [] });
    await client.close();
  });

  it('works through the typed client and the browser transport (the page URL gives the socket)', async () => {
    const page = new URL(server.url);
    const url = pageSocketUrl(page);
    expect(url).toBe(socketUrl);
    const transport = webSocketTransport(url, { WebSocket });
    const client = createClient(transport);
    expect(await client.call('images.list')).toEqual([]);
    const info = await client.call('system.info');
    expect(info.storeRoot).toBe(path.join(work, 'store'));
    transport.close();
  });

  it('fails pending calls when the connection drops, and reconnects on the next call', async () => {
    const first = await startServer({ api, staticRoot: site, token: server.token });
    const transport = webSocketTransport(`ws://127.0.0.1:${first.port}/api?token=${server.token}`, { WebSocket });
    const client = createClient(transport);
    expect(await client.call('jobs.list')).toEqual([]);
    const pending = client.call('images.list');
    await first.close(); // drops the connection
    await pending.then(
      () => undefined, // answered before the close: fine
      (error: { code?: string }) => expect(error.code).toBe('INTERNAL'),
    );
    await expect(client.call('jobs.list')).rejects.toMatchObject({ code: 'UNAVAILABLE', message: expect.stringMatching(/cannot reach the Strata engine: connect ECONNREFUSED/) }); // nothing listens
    const second = await startServer({ api, staticRoot: site, token: server.token, port: first.port });
    expect(await client.call('jobs.list')).toEqual([]);
    transport.close();
    await second.close();
  });
});
