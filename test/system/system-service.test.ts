// `strata system service` for real: started as root on a socket of a temporary directory
// (root:strata 0660), used by the unprivileged test user (strata-test, made by .ci/run)
// through the built CLI and a raw API client in processes of that user. Outside group
// strata it is refused — by the socket's mode (EACCES) and, when the mode lets it through,
// by the service's SO_PEERCRED check, which logs the refusal — with a message that says how
// to join; as a member (setpriv --groups) it imports, runs a container with a published
// port reached from the host, follows the log, execs, stops and removes. Needs root, the
// build, and the test user.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src-main/engine/index';
import { removeTestStore } from '../helpers/containers';
import { makeTempDir, testImages, writeOciLayout } from '../helpers/test-images';
import { type Child, requireBuild } from '../engine/store/store-fixture';
import { type TestUser, cliAs, clientAs, findTestUser, openDir, startService, stopService } from './system-fixture';

const found = findTestUser();
if (typeof found === 'string') console.log(`system-service: skipped — ${found}`);
const user = found as TestUser;

let work: string;
let socketPath: string;
let layout: string;
let service: Child | undefined;

describe.skipIf(typeof found === 'string')('strata system service, used by a user outside and inside group strata', () => {
  beforeAll(async () => {
    requireBuild();
    work = openDir(makeTempDir('system-service'));
    socketPath = path.join(openDir(path.join(work, 'run')), 'strata.sock');
    const { a } = testImages(work);
    layout = writeOciLayout(path.join(work, 'layout'), [a]);
    service = await startService(path.join(work, 'store'), socketPath);
  });

  afterAll(async () => {
    await stopService(service);
    if (work) await removeTestStore(Engine.open({ root: path.join(work, 'store') }), work);
  });

  it('makes the socket root:strata 0660 in a directory anyone may traverse', () => {
    const stat = fs.statSync(socketPath);
    expect(stat.isSocket()).toBe(true);
    expect({ uid: stat.uid, gid: stat.gid, mode: stat.mode & 0o777 }).toEqual({ uid: 0, gid: user.strataGid, mode: 0o660 });
    expect(fs.statSync(path.dirname(socketPath)).mode & 0o777).toBe(0o755);
  });

  it('refuses a user outside the group with PERMISSION_DENIED and how to join', () => {
    const result = cliAs(user, false, { STRATA_HOST: `unix://${socketPath}` }, 'system', 'info');
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`you (uid ${user.uid}, user ${user.name}) are not in group strata`);
    expect(result.stderr).toContain(`sudo usermod -aG strata ${user.name}`);
    expect(result.stderr).toContain('[PERMISSION_DENIED]');
  });

  it('refuses by the peer credentials too, when the socket mode lets a stranger connect, and logs it', async () => {
    fs.chmodSync(socketPath, 0o666);
    try {
      const result = await clientAs(user, false, socketPath, 'info');
      expect(result.code).toBe(1);
      const error = result.steps.error as { shape?: unknown; closed: { code: number }; frames: unknown[] };
      expect(error.closed.code).toBe(4403);
      expect(error.frames).toContainEqual({ id: null, error: { code: 'PERMISSION_DENIED', message: expect.stringContaining(`sudo usermod -aG strata ${user.name}`) } });
      expect(service!.stderr()).toMatch(new RegExp(`refused uid ${user.uid} pid \\d+: you \\(uid ${user.uid}, user ${user.name}\\) are not in group strata`));
      // The CLI shows the engine's refusal as it shows the socket's.
      const cli = cliAs(user, false, { STRATA_HOST: `unix://${socketPath}` }, 'system', 'info');
      expect(cli.stderr).toMatch(/are not in group strata.*\[PERMISSION_DENIED\]/);
    } finally {
      fs.chmodSync(socketPath, 0o660);
    }
  });

  it('serves a member through the CLI: system info and the connection list', () => {
    const env = { STRATA_HOST: `unix://${socketPath}` };
    const info = cliAs(user, true, env, 'system', 'info', '--json');
    expect(info.stderr).toBe('');
    expect(JSON.parse(info.stdout)).toMatchObject({ connection: `unix://${socketPath}`, uid: 0, rootless: false, storeRoot: path.join(work, 'store'), storeSupervisor: true });
    const listed = cliAs(user, true, env, 'system', 'connections', '--json');
    const rows = JSON.parse(listed.stdout) as { name: string; default: boolean; reachable: string }[];
    expect(rows.find((row) => row.name === `unix://${socketPath}`)).toMatchObject({ default: true, reachable: expect.stringMatching(/^yes \(Strata .*, store /) });
    expect(rows.map((row) => row.name)).toEqual(['local', 'system', 'rootless', `unix://${socketPath}`]);
  });

  it('lets a member import, run with a published port, follow logs, exec, stop and remove', async () => {
    const { code, steps, stderr } = await clientAs(user, true, socketPath, 'lifecycle', layout);
    expect(steps.error, stderr).toBeUndefined();
    expect(code).toBe(0);
    expect(steps['images.list']!.images).toEqual([]);
    expect(steps['images.import']!.tags).toContain('test/a:1');
    expect(steps['containers.run']).toMatchObject({ status: 'running', port: expect.any(Number) });
    expect(steps.fetch!.body).toBe('served by the system engine\n');
    expect(steps['logs.follow']!.lines).toContain('started\n');
    expect(steps['containers.exec']).toMatchObject({ exitCode: 0, stdout: 'served by the system engine\n' });
    expect(steps['containers.stop']!.status).toBe('exited');
    expect(steps['containers.remove']!.id).toBe(steps['containers.run']!.id);
    expect(service!.stderr()).not.toMatch(/failed unexpectedly/);
  }, 120_000);

  it('lets a member do it all with the CLI too: import, images, run -d -p, fetch, logs, exec, stop, rm, run --rm', async () => {
    const env = { STRATA_HOST: `unix://${socketPath}` };
    const cli = (...args: string[]) => {
      const result = cliAs(user, true, env, ...args);
      expect(result.status, `strata ${args.join(' ')}: ${result.stderr}`).toBe(0);
      return result.stdout;
    };
    expect(cli('import', '-t', 'cli/web:1', layout)).toMatch(/cli\/web:1/);
    expect(cli('images')).toMatch(/cli\/web\s+1/);
    const script = 'echo started; mkdir -p /www; echo served to the CLI > /www/index.html; exec /bin/busybox httpd -f -p 80 -h /www';
    try {
    const id = cli('run', '-d', '--name', 'cli-web', '-p', '127.0.0.1::80', 'cli/web:1', '/bin/busybox', 'sh', '-c', script).trim();
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    const record = JSON.parse(cli('inspect', '--json', 'cli-web')) as { state: { network: { ports: { hostPort: number }[] } } }[];
    const port = record[0]!.state.network.ports[0]!.hostPort;
    await expect.poll(() => fetch(`http://127.0.0.1:${port}/`).then((answer) => answer.text(), () => ''), { timeout: 30_000 }).toBe('served to the CLI\n');
    expect(cli('logs', 'cli-web')).toContain('started');
    expect(cli('exec', 'cli-web', 'cat', '/www/index.html')).toBe('served to the CLI\n');
    expect(cli('ps')).toMatch(/cli-web/);
    cli('stop', '-t', '1', 'cli-web');
    expect(cli('ps', '-a')).toMatch(/Exited \(137\).*cli-web/s);
    cli('rm', 'cli-web');
    expect(cli('ps', '-a')).not.toMatch(/cli-web/);
    expect(cli('run', '--rm', 'cli/web:1', '/bin/busybox', 'echo', 'attached over the socket')).toBe('attached over the socket\n');
    const failed = cliAs(user, true, env, 'run', '--rm', 'cli/web:1', '/bin/busybox', 'sh', '-c', 'exit 7');
    expect(failed.status).toBe(7);
    } finally {
      cliAs(user, true, env, 'rm', '-f', 'cli-web');
      cliAs(user, true, env, 'rmi', 'cli/web:1');
    }
  }, 180_000);
});
