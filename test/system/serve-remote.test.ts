// `strata serve --connection system` run by the unprivileged test user: the window's page
// and its API for a browser, relayed to the system engine (the service as root), so the
// user's browser manages root's containers without the user being root. A user outside
// group strata is refused before anything listens. Needs root (to start the service), the
// build (out/renderer) and the test user.
import { type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src-main/engine/index';
import type { SystemInfo } from '@shared/api/types/system';
import { removeTestStore } from '../helpers/containers';
import { makeTempDir } from '../helpers/test-images';
import { RawClient, httpGet } from '../api/ws-client';
import { type Child, requireBuild } from '../engine/store/store-fixture';
import { type TestUser, cliAs, findTestUser, openDir, spawnCliAs, startService, stopService } from './system-fixture';

const found = findTestUser();
if (typeof found === 'string') console.log(`serve-remote: skipped — ${found}`);
const user = found as TestUser;

let work: string;
let socketPath: string;
let service: Child | undefined;
let serve: ChildProcess | undefined;

/** The serving line the child prints, or everything it said if it ended first. */
function servingUrl(child: ChildProcess): Promise<string> {
  let out = '';
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /Strata is serving at (\S+)/.exec(out);
      if (match) resolve(match[1]!);
    });
    child.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`strata serve ended (${code}): ${out}`)));
  });
}

describe.skipIf(typeof found === 'string')('strata serve as a user, in front of the system engine', () => {
  beforeAll(async () => {
    requireBuild();
    work = openDir(makeTempDir('serve-remote'));
    socketPath = path.join(openDir(path.join(work, 'run')), 'strata.sock');
    service = await startService(path.join(work, 'store'), socketPath);
  });

  afterAll(async () => {
    if (serve && serve.exitCode === null) {
      serve.kill('SIGTERM');
      await new Promise((resolve) => serve!.once('exit', resolve));
    }
    await stopService(service);
    if (work) await removeTestStore(Engine.open({ root: path.join(work, 'store') }), work);
  });

  it('serves the page and relays the API to the system engine for a member', async () => {
    serve = spawnCliAs(user, true, { STRATA_SYSTEM_SOCKET: socketPath }, 'serve', '--port', '0', '--connection', 'system');
    const page = new URL(await servingUrl(serve));
    expect((await httpGet(page.origin, '/')).body).toContain('<div id="app">');
    const client = await RawClient.connect(`ws://${page.host}/api${page.search}`);
    const info = await client.call('system.info');
    expect('result' in info && (info.result as SystemInfo)).toMatchObject({ uid: 0, storeRoot: path.join(work, 'store'), storeSupervisor: true });
    expect(await client.subscribe('containers.changed')).toMatchObject({ result: null });
    expect(await client.call('images.list')).toEqual({ result: [] });
    // The page's engine panel: this server relays to the socket, and cannot switch.
    expect(await client.call('connection.info')).toMatchObject({ result: { kind: 'socket', address: socketPath, state: 'connected', switchable: false, canInstallSystem: false } });
    expect(await client.call('connection.use', { name: 'local' })).toMatchObject({ error: { code: 'UNSUPPORTED' } });
    await client.close();
  });

  it('refuses to start for a user outside the group, saying how to join', () => {
    const result = cliAs(user, false, { STRATA_SYSTEM_SOCKET: socketPath }, 'serve', '--port', '0', '--connection', 'system');
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(new RegExp(`are not in group strata.*sudo usermod -aG strata ${user.name}.*\\[PERMISSION_DENIED\\]`));
  });
});
