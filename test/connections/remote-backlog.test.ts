// A front end relaying the system engine's events to a client of its own (the window's IPC
// on the system engine, src-main/connections/remote-api.ts): while that client is too far
// behind, the connection to the service is not read (read-gate.ts), so the service's bound on
// a slow client applies — a terminal flooding its output drops the session, the service and
// the front end stay small, and the client hears why once it catches up. Real service (the
// API on a Unix socket, as `strata system service` serves it), real containers.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api } from '../../src-main/api/dispatch';
import { MAX_CLIENT_BACKLOG } from '../../src-main/api/terminal-relay';
import { RemoteApi } from '../../src-main/connections/remote-api';
import { DeliveryLedger } from '../../src-main/electron/delivery-ledger';
import { Engine } from '../../src-main/engine/index';
import { type RunningUnixServer, startUnixSocketServer } from '../../src-main/server/unix-socket-server';
import type { ContainerRecord } from '@shared/api/types/containers';
import { removeTestStore } from '../helpers/containers';
import { makeTempDir, testImages, writeDockerArchive } from '../helpers/test-images';

let work: string;
let engine: Engine;
let api: Api;
let server: RunningUnixServer;
let remote: RemoteApi;

beforeAll(async () => {
  work = makeTempDir('remote-backlog');
  engine = Engine.open({ root: path.join(work, 'store') });
  const { a } = testImages(work);
  await engine.importImage({ path: writeDockerArchive(work, [{ ...a, tag: 'test/flood:1' }]) });
  api = new Api({ engine, containerPollMs: 1000 });
  const socketPath = path.join(work, 'strata.sock');
  server = await startUnixSocketServer({ host: api, socketPath, group: { name: 'root', gid: 0 }, log: () => undefined });
  remote = new RemoteApi(socketPath);
}, 60_000);

afterAll(async () => {
  remote?.close();
  await server?.close();
  await api?.close();
  if (engine) await removeTestStore(engine, work);
});

async function until(check: () => boolean, what: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('a window on the system engine that falls behind', () => {
  it('stops reading the service; the service drops the terminal session; the window hears it when it catches up', async () => {
    const ledger = new DeliveryLedger();
    const events: { event: string; payload: { session?: string; data?: string; reason?: string } }[] = [];
    let taking = false;
    const session = remote.openSession(
      (event, payload) => {
        const seq = ledger.sent(payload);
        events.push({ event, payload: payload as (typeof events)[number]['payload'] });
        if (taking) ledger.acknowledged(seq);
      },
      { backlog: () => ledger.backlog() },
    );
    await session.subscribe('terminal.output');
    await session.subscribe('terminal.exit');
    const created = (await session.call('containers.create', { image: 'test/flood:1', options: { tty: true, command: ['sh', '-c', `yes ${'x'.repeat(79)} | head -c 30000000; echo; echo done`] } })) as { result: ContainerRecord };
    expect(created, JSON.stringify(created)).toHaveProperty('result');
    const rssBefore = process.memoryUsage.rss();
    const opened = (await session.call('terminal.open', { ref: created.result.id, start: true, rows: 24, cols: 80 })) as { result: { session: string } };
    expect(opened, JSON.stringify(opened)).toHaveProperty('result');

    // The window takes nothing: the flood runs to its end all the same (nobody holds it back).
    for (;;) {
      const state = (await engine.inspectContainer(created.result.id)).state.status;
      if (state === 'exited') break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const delivered = events.filter((e) => e.event === 'terminal.output').reduce((sum, e) => sum + e.payload.data!.length, 0);
    expect(delivered).toBeLessThan(4 * MAX_CLIENT_BACKLOG); // the gate closed at the bound, not at 40 MB
    expect(process.memoryUsage.rss() - rssBefore).toBeLessThan(64 * 1024 * 1024);

    // It catches up: reading starts again, and the end says it was dropped.
    taking = true;
    ledger.acknowledged(events.length);
    await until(() => events.some((e) => e.event === 'terminal.exit'), 'the exit');
    expect(events.find((e) => e.event === 'terminal.exit')!.payload).toMatchObject({ session: opened.result.session, reason: 'dropped' });
    session.close();
  }, 240_000);
});
