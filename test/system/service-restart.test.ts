// The system service dies and comes back: killed with -9 while a container runs, the
// container keeps running (its shim is its own process); the socket file it left is
// replaced by the next service, which finds the container running and can stop it; a
// client that listens to events sees the drop and reconnects by itself, its subscription
// renewed. A second service on a socket a live one answers on is refused; SIGTERM ends a
// service cleanly — socket file gone, containers still running. A CLI following a log through
// the service says the connection was lost and ends (exit 1). Needs root and the build.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { socketTransport } from '../../src-main/connections/socket-transport';
import { Engine } from '../../src-main/engine/index';
import type { ContainerChangedEvent, ContainerRecord } from '@shared/api/types/containers';
import type { ConnectionStatus, WebSocketTransport } from '@shared/api/ws-transport';
import type { Reply } from '@shared/api/protocol';
import { removeTestStore } from '../helpers/containers';
import { makeTempDir, testImages, writeOciLayout } from '../helpers/test-images';
import { type Child, requireBuild, spawnCli } from '../engine/store/store-fixture';
import { GROUP, findTestUser, openDir, startService, stopService } from './system-fixture';

const found = findTestUser();
if (typeof found === 'string') console.log(`service-restart: skipped — ${found}`);

let work: string;
let root: string;
let socketPath: string;
let engine: Engine;
const services: Child[] = [];
let transport: WebSocketTransport | undefined;

function resultOf<T>(reply: Reply): T {
  if ('error' in reply) throw new Error(`${reply.error.code}: ${reply.error.message}`);
  return reply.result as T;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe.skipIf(typeof found === 'string')('the system service killed and started again', () => {
  beforeAll(async () => {
    requireBuild();
    work = openDir(makeTempDir('service-restart'));
    root = path.join(work, 'store');
    socketPath = path.join(openDir(path.join(work, 'run')), 'strata.sock');
    engine = Engine.open({ root }); // sets up and checks; the services supervise
    await engine.importImage({ path: writeOciLayout(path.join(work, 'layout'), [testImages(work).a]) });
  });

  afterAll(async () => {
    transport?.close();
    for (const service of services) await stopService(service);
    if (engine) await removeTestStore(engine, work);
  });

  it('keeps the container through kill -9; the next service re-adopts it; the client reconnects by itself', async () => {
    services.push(await startService(root, socketPath));
    const statuses: ConnectionStatus[] = [];
    const changes: ContainerChangedEvent[] = [];
    transport = socketTransport(socketPath, { onStatus: (status) => statuses.push(status) });
    transport.subscribe('containers.changed', (payload) => changes.push(payload as ContainerChangedEvent));
    const container = resultOf<ContainerRecord>(await transport.invoke('containers.run', { image: 'test/a:1', options: { command: ['sleep', '300'] } }));
    const pid = (await engine.inspectContainer(container.id)).state.pid!;
    expect(alive(pid)).toBe(true);
    await expect.poll(() => statuses.at(-1)?.state).toBe('connected');

    services[0]!.process.kill('SIGKILL');
    expect(await services[0]!.exited).toBe('SIGKILL');
    await expect.poll(() => statuses.at(-1)).toMatchObject({ state: 'disconnected', retryInMs: expect.any(Number) });
    expect(alive(pid)).toBe(true);
    expect((await engine.inspectContainer(container.id)).state.status).toBe('running');
    expect(fs.statSync(socketPath).isSocket()).toBe(true); // left behind by the killed service

    services.push(await startService(root, socketPath)); // replaces the dead socket
    await expect.poll(() => statuses.at(-1)?.state).toBe('connected');
    const listed = resultOf<ContainerRecord[]>(await transport.invoke('containers.list', {}));
    expect(listed.find((record) => record.id === container.id)?.state).toMatchObject({ status: 'running', pid });
    const info = resultOf<{ storeSupervisor: boolean }>(await transport.invoke('system.info', {}));
    expect(info.storeSupervisor).toBe(true);

    // The renewed subscription hears the stop the new service makes.
    resultOf(await transport.invoke('containers.stop', { ref: container.id, timeoutS: 1 }));
    await expect.poll(() => changes.some((change) => change.id === container.id && change.container?.state.status === 'exited')).toBe(true);
    expect(alive(pid)).toBe(false);
    resultOf(await transport.invoke('containers.remove', { ref: container.id }));
  });

  it('refuses to start a second service on a socket a live one answers on', async () => {
    const second = spawnCli(root, 'system', 'service', '--socket', socketPath, '--group', GROUP);
    expect(await second.exited).toBe(1);
    expect(second.stderr()).toMatch(/another Strata service already answers on .*strata\.sock.*\[CONFLICT\]/);
    expect(fs.statSync(socketPath).isSocket()).toBe(true);
  });

  it('stops on SIGTERM: the socket file goes, containers keep running', async () => {
    const container = await engine.runContainer('test/a:1', { command: ['sleep', '300'] });
    const service = services.at(-1)!;
    service.process.kill('SIGTERM');
    expect(await service.exited).toBe(0);
    expect(service.stdout()).toContain('stopping (containers keep running)');
    expect(fs.existsSync(socketPath)).toBe(false);
    expect((await engine.inspectContainer(container.id)).state.status).toBe('running');
    await engine.removeContainer(container.id, { force: true });
  });

  it('a CLI command following a log through the service says the connection was lost and ends when the service is killed', async () => {
    const service = await startService(root, socketPath);
    services.push(service);
    const container = await engine.runContainer('test/a:1', { command: ['sh', '-c', 'echo following; sleep 300'] });
    const cli = spawn(process.execPath, [path.resolve('bin/strata.js'), 'logs', '-f', container.id], { env: { ...process.env, STRATA_HOST: `unix://${socketPath}` }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    cli.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    cli.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    const ended = new Promise<number | null>((resolve) => cli.once('exit', resolve));
    await expect.poll(() => out, { timeout: 30_000 }).toContain('following');
    service.process.kill('SIGKILL');
    expect(await ended).toBe(1);
    expect(err).toMatch(/^strata logs: lost the connection to the engine \(.*\) \[UNAVAILABLE\]\n$/);
    expect((await engine.inspectContainer(container.id)).state.status).toBe('running');
    await engine.removeContainer(container.id, { force: true });
  });
});
