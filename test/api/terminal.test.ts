// Terminal sessions through the API over the WebSocket, against real containers: a tty
// container's own terminal (input, output, resize, several viewers, the end with its exit
// code), an exec session in a container without one, sessions ending with their client, and
// a viewer that never reads while the container floods its terminal (the engine drops it and
// stays small; the container is not held back).
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api } from '../../src-main/api/dispatch';
import { MAX_CLIENT_BACKLOG } from '../../src-main/api/terminal-relay';
import { DeliveryLedger } from '../../src-main/electron/delivery-ledger';
import type { ContainerRecord, TerminalExitEvent, TerminalOutputEvent } from '@shared/api/types/containers';
import { Engine } from '../../src-main/engine/index';
import { type RunningServer, startServer } from '../../src-main/server/server';
import { removeTestStore } from '../helpers/containers';
import { type TestImage, makeLayer, makeTempDir, testImages, writeDockerArchive } from '../helpers/test-images';
import { RawClient } from './ws-client';

let work: string;
let engine: Engine;
let api: Api;
let server: RunningServer;
let url: string;
const clients: RawClient[] = [];

/** The test image plus the applets a terminal test needs. */
function terminalImage(dir: string): TestImage {
  const { a } = testImages(dir);
  const tools = makeLayer(dir, 'tty-tools', (root) => {
    fs.mkdirSync(path.join(root, 'bin'));
    for (const applet of ['tty', 'stty', 'yes', 'head', 'ps']) fs.symlinkSync('busybox', path.join(root, 'bin', applet));
  });
  return { tag: 'test/tty:1', layers: [...a.layers, tools], cmd: ['/bin/sh'] };
}

/**
 * The same with a /bin/bash (a script that says so and runs busybox's sh, reached by an
 * absolute link that only resolves inside the image), and one whose /bin/bash points at
 * /usr/bin/bash, which the image lacks and the host has: judged inside the image, no shell.
 */
function bashImages(dir: string, base: TestImage): TestImage[] {
  const bash = makeLayer(dir, 'bash-link', (root) => {
    fs.mkdirSync(path.join(root, 'usr/libexec'), { recursive: true });
    fs.writeFileSync(path.join(root, 'usr/libexec/bash'), '#!/bin/sh\nexport SHELL_IS=bash\nexec /bin/sh "$@"\n', { mode: 0o755 });
    fs.mkdirSync(path.join(root, 'bin'));
    fs.symlinkSync('/usr/libexec/bash', path.join(root, 'bin', 'bash'));
  });
  const hostBash = makeLayer(dir, 'host-bash-link', (root) => {
    fs.mkdirSync(path.join(root, 'bin'));
    fs.symlinkSync('/usr/bin/bash', path.join(root, 'bin', 'bash'));
  });
  return [
    { ...base, tag: 'test/bash:1', layers: [...base.layers, bash] },
    { ...base, tag: 'test/hostbash:1', layers: [...base.layers, hostBash] },
  ];
}

beforeAll(async () => {
  work = makeTempDir('api-terminal');
  engine = Engine.open({ root: path.join(work, 'store') });
  const tty = terminalImage(work);
  await engine.importImage({ path: writeDockerArchive(work, [tty, ...bashImages(work, tty)]) });
  api = new Api({ engine, containerPollMs: 1000 });
  server = await startServer({ api, staticRoot: path.join(work, 'no-site') });
  url = `ws://127.0.0.1:${server.port}/api?token=${server.token}`;
}, 60_000);

afterAll(async () => {
  for (const client of clients) await client.close();
  await server?.close();
  await api?.close();
  if (engine) await removeTestStore(engine, work);
});

async function connect(): Promise<RawClient> {
  const client = await RawClient.connect(url);
  clients.push(client);
  for (const event of ['terminal.output', 'terminal.exit']) expect((await client.subscribe(event)).error).toBeUndefined();
  return client;
}

async function result<T>(client: RawClient, method: string, input: unknown): Promise<T> {
  const reply = await client.call(method, input);
  if ('error' in reply) throw new Error(`${method}: ${reply.error.code} ${reply.error.message}`);
  return reply.result as T;
}

/** The session's output so far, as text with \r removed. */
function screen(client: RawClient, session: string): string {
  return client
    .events<TerminalOutputEvent>('terminal.output')
    .filter((event) => event.session === session)
    .map((event) => Buffer.from(event.data, 'base64').toString('latin1'))
    .join('')
    .replace(/\r/g, '');
}

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function type(client: RawClient, session: string, text: string): Promise<void> {
  return result(client, 'terminal.input', { session, data: Buffer.from(text).toString('base64') });
}

/** Stops or restarts reading the socket (ws's pause/resume, which its type declarations here lack). */
function reading(client: RawClient, on: boolean): void {
  const socket = client.socket as unknown as { pause(): void; resume(): void };
  if (on) socket.resume();
  else socket.pause();
}

/** Connections to the shim's sockets: its listening attach socket and one per client. */
function shimSockets(shimPid: number): number {
  return fs.readdirSync(`/proc/${shimPid}/fd`).filter((fd) => {
    try {
      return fs.readlinkSync(`/proc/${shimPid}/fd/${fd}`).startsWith('socket:');
    } catch {
      return false;
    }
  }).length;
}

describe('terminal sessions over the WebSocket', () => {
  it("a tty container's terminal: input, output, resize, two viewers, clients leaving, the exit code", async () => {
    const one = await connect();
    const container = await result<ContainerRecord>(one, 'containers.run', { image: 'test/tty:1', options: { tty: true, interactive: true, command: ['sh'] } });
    expect(container.options.tty).toBe(true);
    const a = await result<{ session: string; container: string }>(one, 'terminal.open', { ref: container.name, rows: 30, cols: 100 });
    expect(a.container).toBe(container.id);
    await type(one, a.session, 'echo $((6*7)); tty; stty size\n');
    await until(() => /\n42\n\/dev\/pts\/0\n30 100\n/.test(screen(one, a.session)), '42, the tty and its size');

    const shimPid = (await engine.inspectContainer(container.id)).state.shimPid!;
    const before = shimSockets(shimPid);
    const two = await connect();
    const b = await result<{ session: string }>(two, 'terminal.open', { ref: container.id, rows: 30, cols: 100 });
    await until(() => screen(two, b.session).includes('42'), 'the scrollback for the second viewer');
    expect(shimSockets(shimPid)).toBe(before + 1); // accepted: it has sent the scrollback
    await type(two, b.session, 'echo from-$((2+3))\n');
    await until(() => screen(one, a.session).includes('from-5') && screen(two, b.session).includes('\nfrom-5'), 'both viewers seeing the output');
    await result(two, 'terminal.resize', { session: b.session, rows: 12, cols: 40 });
    await type(one, a.session, 'stty size\n');
    await until(() => screen(one, a.session).includes('\n12 40\n'), 'the new size');

    // a session is its client's: another cannot type into it
    expect(await two.call('terminal.input', { session: a.session, data: '' })).toMatchObject({ error: { code: 'NOT_FOUND' } });
    // the client goes: its session ends, the shim's connection with it; the container runs on
    await two.close();
    await until(() => shimSockets(shimPid) === before, "the shim's connection closed");
    expect((await engine.inspectContainer(container.id)).state.status).toBe('running');

    await type(one, a.session, 'exit 7\n');
    const exit = await one.next((frame) => frame.event === 'terminal.exit');
    expect(exit.payload).toEqual({ session: a.session, exitCode: 7, reason: 'exited' } satisfies TerminalExitEvent);
    expect(await one.call('terminal.input', { session: a.session, data: '' })).toMatchObject({ error: { code: 'NOT_FOUND' } });
  });

  it('refuses a container without a terminal, one not running, and a bad size', async () => {
    const client = await connect();
    const plain = await result<ContainerRecord>(client, 'containers.run', { image: 'test/tty:1', options: { command: ['sleep', '1000'] } });
    expect(await client.call('terminal.open', { ref: plain.id, rows: 24, cols: 80 })).toMatchObject({ error: { code: 'CONFLICT', message: expect.stringMatching(/has no terminal nor stdin/) } });
    const created = await result<ContainerRecord>(client, 'containers.create', { image: 'test/tty:1', options: { tty: true } });
    expect(await client.call('terminal.open', { ref: created.id, rows: 24, cols: 80 })).toMatchObject({ error: { code: 'CONFLICT', message: expect.stringMatching(/is created/) } });
    expect(await client.call('terminal.open', { ref: created.id, rows: 0, cols: 80 })).toMatchObject({ error: { code: 'INVALID_ARGUMENT' } });
    await result(client, 'containers.kill', { ref: plain.id });
  });

  it('start: attached before the program runs, so a quick one loses neither output nor exit code', async () => {
    const client = await connect();
    const created = await result<ContainerRecord>(client, 'containers.create', { image: 'test/tty:1', options: { tty: true, command: ['sh', '-c', 'stty size; echo quick; exit 3'] } });
    const s = await result<{ session: string }>(client, 'terminal.open', { ref: created.id, start: true, rows: 11, cols: 33 });
    const exit = await client.next((frame) => frame.event === 'terminal.exit');
    expect(exit.payload).toMatchObject({ session: s.session, exitCode: 3, reason: 'exited' });
    expect(screen(client, s.session)).toBe('11 33\nquick\n');
  });

  it('an exec session in a running container without a terminal', async () => {
    const client = await connect();
    const plain = await result<ContainerRecord>(client, 'containers.run', { image: 'test/tty:1', options: { command: ['sleep', '1000'] } });
    const s = await result<{ session: string }>(client, 'terminal.open', { ref: plain.id, exec: { command: ['sh'], env: ['WHO=exec'] }, rows: 20, cols: 60 });
    await type(client, s.session, 'tty; stty size; echo hi-$WHO; exit 4\n');
    const exit = await client.next((frame) => frame.event === 'terminal.exit');
    expect(exit.payload).toMatchObject({ session: s.session, exitCode: 4, reason: 'exited' });
    expect(screen(client, s.session)).toMatch(/\/dev\/pts\/0\n20 60\nhi-exec\n/);
    // a command that ends before anything could attach still gives its exit code
    const quick = await result<{ session: string }>(client, 'terminal.open', { ref: plain.id, exec: { command: ['sh', '-c', 'exit 5'] }, rows: 20, cols: 60 });
    expect((await client.next((frame) => frame.event === 'terminal.exit')).payload).toMatchObject({ session: quick.session, exitCode: 5 });
    expect(await client.call('terminal.open', { ref: plain.id, exec: { command: ['no-such-program'] }, rows: 20, cols: 60 })).toMatchObject({ error: { code: 'INVALID_ARGUMENT' } });
    await result(client, 'containers.kill', { ref: plain.id });
  });

  it('stdin without a terminal: a container run with -i alone and an exec with tty false, stderr apart, closeInput is EOF', async () => {
    const client = await connect();
    const stderrOf = (session: string) =>
      client
        .events<TerminalOutputEvent>('terminal.output')
        .filter((event) => event.session === session && event.stream === 'stderr')
        .map((event) => Buffer.from(event.data, 'base64').toString())
        .join('');
    const stdoutOf = (session: string) =>
      client
        .events<TerminalOutputEvent>('terminal.output')
        .filter((event) => event.session === session && event.stream === undefined)
        .map((event) => Buffer.from(event.data, 'base64').toString())
        .join('');
    const created = await result<ContainerRecord>(client, 'containers.create', { image: 'test/tty:1', options: { interactive: true, command: ['sh', '-c', 'while read l; do echo "out $l"; echo "err $l" >&2; done; exit 3'] } });
    const s = await result<{ session: string }>(client, 'terminal.open', { ref: created.id, start: true, rows: 24, cols: 80 });
    await type(client, s.session, 'a\nb\n');
    await until(() => stdoutOf(s.session) === 'out a\nout b\n' && stderrOf(s.session) === 'err a\nerr b\n', 'both streams');
    await result(client, 'terminal.resize', { session: s.session, rows: 10, cols: 10 }); // no terminal: nothing to size, no harm
    await result(client, 'terminal.closeInput', { session: s.session });
    expect((await client.next((frame) => frame.event === 'terminal.exit')).payload).toMatchObject({ session: s.session, exitCode: 3, reason: 'exited' });

    const box = await result<ContainerRecord>(client, 'containers.run', { image: 'test/tty:1', options: { command: ['sleep', '1000'] } });
    const e = await result<{ session: string }>(client, 'terminal.open', { ref: box.id, exec: { command: ['sh'], tty: false }, rows: 24, cols: 80 });
    await type(client, e.session, '[ -t 0 ] || echo piped; echo oops >&2\n');
    await until(() => stdoutOf(e.session) === 'piped\n' && stderrOf(e.session) === 'oops\n', 'the exec session\'s streams');
    await result(client, 'terminal.closeInput', { session: e.session });
    expect((await client.next((frame) => frame.event === 'terminal.exit' && (frame.payload as TerminalExitEvent).session === e.session)).payload).toMatchObject({ exitCode: 0 });
    await result(client, 'containers.kill', { ref: box.id });
  });

  it("exec without a command: the image's /bin/bash (resolved inside it), else /bin/sh", async () => {
    const client = await connect();
    const opened: Record<string, string[] | undefined> = {};
    for (const image of ['test/bash:1', 'test/hostbash:1', 'test/tty:1']) {
      const box = await result<ContainerRecord>(client, 'containers.run', { image, options: { command: ['sleep', '1000'] } });
      const s = await result<{ session: string; exec?: { command: string[] } }>(client, 'terminal.open', { ref: box.id, exec: {}, rows: 20, cols: 60 });
      opened[image] = s.exec?.command;
      await type(client, s.session, 'echo shell-$((6*7))-$SHELL_IS; exit 3\n');
      expect((await client.next((frame) => frame.event === 'terminal.exit' && (frame.payload as TerminalExitEvent).session === s.session)).payload).toMatchObject({ exitCode: 3 });
      expect(screen(client, s.session)).toContain(image === 'test/bash:1' ? '\nshell-42-bash\n' : '\nshell-42-\n');
      await result(client, 'containers.kill', { ref: box.id });
    }
    expect(opened).toEqual({ 'test/bash:1': ['/bin/bash'], 'test/hostbash:1': ['/bin/sh'], 'test/tty:1': ['/bin/sh'] });
  });

  it('an exec session left while it runs is listed and attached to again, by another client too', async () => {
    const one = await connect();
    const box = await result<ContainerRecord>(one, 'containers.run', { image: 'test/tty:1', options: { command: ['sleep', '1000'] } });
    const s = await result<{ session: string; exec: { id: string; command: string[] } }>(one, 'terminal.open', { ref: box.id, exec: { command: ['sh'] }, rows: 20, cols: 60 });
    expect(s.exec).toEqual({ id: expect.stringMatching(/^exec-[0-9a-f]{8}$/), command: ['sh'] });
    await type(one, s.session, 'echo before-$((6*7))\n');
    await until(() => screen(one, s.session).includes('\nbefore-42'), 'the first output');
    expect(await result(one, 'terminal.list', { ref: box.name })).toEqual([{ id: s.exec.id, container: box.id, command: ['sh'], startedAt: expect.any(String) }]);

    // An engine that was not there when it started (a restarted one: another Engine on the
    // same store) finds it too, and attaches: the sessions live in files, not in memory.
    const restarted = Engine.open({ root: path.join(work, 'store') });
    expect((await restarted.listExecSessions(box.id)).map((session) => session.id)).toEqual([s.exec.id]);
    const viaRestarted = await restarted.openTerminal({ ref: box.id, reattach: s.exec.id, rows: 20, cols: 60 });
    let replayed = '';
    viaRestarted.listen({ output: (data) => (replayed += data.toString()), end: () => undefined });
    await until(() => replayed.includes('before-42'), 'the scrollback through the other engine');
    viaRestarted.detach();

    // Its client goes (a window closed): the shell runs on, and a new client finds it.
    await one.close();
    const two = await connect();
    const listed = await result<{ id: string }[]>(two, 'terminal.list', { ref: box.id });
    expect(listed.map((session) => session.id)).toEqual([s.exec.id]);
    const again = await result<{ session: string; exec: { id: string } }>(two, 'terminal.open', { ref: box.id, reattach: s.exec.id, rows: 10, cols: 50 });
    expect(again.exec.id).toBe(s.exec.id);
    await until(() => screen(two, again.session).includes('before-42'), 'the scrollback');
    await type(two, again.session, 'stty size; exit 6\n');
    expect((await two.next((frame) => frame.event === 'terminal.exit')).payload).toMatchObject({ session: again.session, exitCode: 6, reason: 'exited' });
    expect(screen(two, again.session)).toContain('\n10 50\n');
    // Ended: no longer listed, nor attached to.
    expect(await result(two, 'terminal.list', { ref: box.id })).toEqual([]);
    expect(await two.call('terminal.open', { ref: box.id, reattach: s.exec.id, rows: 10, cols: 50 })).toMatchObject({ error: { code: 'NOT_FOUND' } });
    expect(await two.call('terminal.open', { ref: box.id, reattach: '../exec-00000000', rows: 10, cols: 50 })).toMatchObject({ error: { code: 'INVALID_ARGUMENT' } });
    expect(await two.call('terminal.open', { ref: box.id, reattach: s.exec.id, exec: {}, rows: 10, cols: 50 })).toMatchObject({ error: { code: 'INVALID_ARGUMENT' } });
    expect(await two.call('terminal.list', { ref: 'no-such-box' })).toMatchObject({ error: { code: 'NOT_FOUND' } });

    // A container stopped with a session left: gone from the list.
    const left = await result<{ session: string; exec: { id: string } }>(two, 'terminal.open', { ref: box.id, exec: { command: ['sh'] }, rows: 20, cols: 60 });
    await result(two, 'terminal.close', { session: left.session });
    expect((await result<{ id: string }[]>(two, 'terminal.list', { ref: box.id })).map((session) => session.id)).toEqual([left.exec.id]);
    await result(two, 'containers.kill', { ref: box.id });
    await until(async () => (await engine.inspectContainer(box.id)).state.status === 'exited', 'the container to stop');
    expect(await result(two, 'terminal.list', { ref: box.id })).toEqual([]);
  });

  it('a list asked while a shell starts does not lose it (a window asks as its Open shell is pressed)', async () => {
    const client = await connect();
    const box = await result<ContainerRecord>(client, 'containers.run', { image: 'test/tty:1', options: { command: ['sleep', '1000'] } });
    let opened = false;
    const opening = result<{ session: string; exec: { id: string } }>(client, 'terminal.open', { ref: box.id, exec: { command: ['sh'] }, rows: 20, cols: 60 }).finally(() => (opened = true));
    let lists = 0;
    while (!opened) {
      await result(client, 'terminal.list', { ref: box.id });
      lists++;
    }
    const s = await opening;
    await result(client, 'terminal.close', { session: s.session });
    expect(lists).toBeGreaterThan(0);
    expect((await result<{ id: string }[]>(client, 'terminal.list', { ref: box.id })).map((session) => session.id)).toEqual([s.exec.id]);
    await result(client, 'containers.kill', { ref: box.id });
  });

  it('a window over IPC: dropped once it stops taking events (its preload tells which it took), kept while it takes them', async () => {
    const other = await connect();
    /** A window's session on the in-process API, its backlog kept as ipc.ts keeps it; `taking`: the preload acknowledges. */
    const windowSession = (taking: boolean) => {
      const ledger = new DeliveryLedger();
      const events: { event: string; payload: { session: string; data?: string; reason?: string; exitCode?: number | null } }[] = [];
      const session = api.openSession(
        (event, payload) => {
          const seq = ledger.sent(payload);
          events.push({ event, payload: payload as (typeof events)[number]['payload'] });
          if (taking) setImmediate(() => ledger.acknowledged(seq));
        },
        { backlog: () => ledger.backlog() },
      );
      session.subscribe('terminal.output');
      session.subscribe('terminal.exit');
      return { session, events };
    };
    for (const taking of [false, true]) {
      const flood = 8_000_000;
      // Flat out for the window that stops; paced for the one that keeps up (100 KB every 10 ms),
      // so that a starved engine (a loaded machine) is not cut off by the holder itself.
      const script = taking ? `for i in $(seq 80); do head -c 100000 /dev/zero | tr '\\0' x; sleep 0.01; done; echo; echo done` : `yes ${'x'.repeat(99)} | head -c ${flood}; echo; echo done`;
      const created = await result<ContainerRecord>(other, 'containers.create', { image: 'test/tty:1', options: { tty: true, command: ['sh', '-c', script] } });
      const window = windowSession(taking);
      const opened = await window.session.call('terminal.open', { ref: created.id, start: true, rows: 24, cols: 80 });
      expect(opened).toHaveProperty('result');
      await until(() => window.events.some((e) => e.event === 'terminal.exit'), 'the session to end', 120_000);
      const exit = window.events.find((e) => e.event === 'terminal.exit')!.payload;
      const received = window.events.filter((e) => e.event === 'terminal.output').reduce((sum, e) => sum + Buffer.from(e.payload.data!, 'base64').length, 0);
      if (taking) {
        expect(exit).toMatchObject({ exitCode: 0, reason: 'exited' });
        expect(received).toBeGreaterThanOrEqual(flood);
      } else {
        expect(exit).toMatchObject({ exitCode: null, reason: 'dropped' });
        expect(received).toBeLessThan(MAX_CLIENT_BACKLOG); // what was sent before the drop: about the bound, as base64 JSON
        await until(async () => (await engine.inspectContainer(created.id)).state.status === 'exited', 'the flood to end', 120_000); // not held back
      }
      window.session.close();
    }
  }, 240_000);

  it('a viewer that never reads while the container prints 50 MB: dropped, the engine stays small, nothing waits', async () => {
    const slow = await connect();
    const other = await connect();
    const created = await result<ContainerRecord>(other, 'containers.create', {
      image: 'test/tty:1',
      options: { tty: true, command: ['sh', '-c', `yes ${'x'.repeat(99)} | head -c 50000000; echo; echo done`] },
    });
    const gc = (globalThis as { gc?: () => void }).gc;
    gc?.();
    const rssBefore = process.memoryUsage.rss();
    let peak = rssBefore;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 20);
    try {
      // it stops reading from here on (the kernel's buffers, then the server's, fill up)
      const s = await result<{ session: string }>(slow, 'terminal.open', { ref: created.id, start: true, rows: 24, cols: 80 });
      reading(slow, false);
      // the container runs to its end meanwhile, and the engine answers other clients
      await until(async () => (await engine.inspectContainer(created.id)).state.status === 'exited', 'the flood to end', 170_000);
      expect((await engine.inspectContainer(created.id)).state.exitCode).toBe(0);
      expect(await other.call('system.info', {})).toHaveProperty('result');
      clearInterval(sampler);
      reading(slow, true);
      const exit = await slow.next((frame) => frame.event === 'terminal.exit', 60_000);
      expect(exit.payload).toMatchObject({ session: s.session, exitCode: null, reason: 'dropped' });
      // what it was sent before it was dropped: the buffers' worth, not 50 MB
      const received = slow.events<TerminalOutputEvent>('terminal.output').reduce((sum, event) => sum + Buffer.from(event.data, 'base64').length, 0);
      expect(received).toBeGreaterThan(0);
      expect(received).toBeLessThan(50_000_000 / 2);
      // 50 MB of output would be 67 MB as base64 held for it: the engine held about its bound
      expect(peak - rssBefore).toBeLessThan(MAX_CLIENT_BACKLOG + 48 * 1024 * 1024);
    } finally {
      clearInterval(sampler);
    }
  }, 240_000);
});
