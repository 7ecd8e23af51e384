// Every method of the table through the WebSocket transport, against a real engine on a
// store of its own: images imported as jobs, real containers (root), their events and
// logs. Containers are removed at the end; no mount may remain under the test directory.
import fs from 'node:fs';
import path from 'node:path';
import { WebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiClient, createClient } from '@shared/api/client';
import { Api } from '../../src-main/api/dispatch';
import type { ContainerChangedEvent, LogLinesEvent } from '@shared/api/types/containers';
import type { JobInfo, JobProgress, JobProgressEvent } from '@shared/api/types/jobs';
import type { StatsSample } from '@shared/api/types/stats';
import { type WebSocketTransport, webSocketTransport } from '@shared/api/ws-transport';
import { Engine } from '../../src-main/engine/index';
import { type RunningServer, startServer } from '../../src-main/server/server';
import { type TestImage, makeTempDir, tarDirectory, testImages, write, writeDockerArchive, writeOciLayout } from '../helpers/test-images';
import { RawClient } from './ws-client';

let work: string;
let root: string;
let engine: Engine;
let api: Api;
let server: RunningServer;
let transport: WebSocketTransport;
let client: ApiClient;
let raw: RawClient;
let a: TestImage;
let b: TestImage;

const LONG_RUNNING = ['sh', '-c', 'trap "exit 0" TERM; echo hello; echo oops >&2; while true; do sleep 1; done'];

beforeAll(async () => {
  work = makeTempDir('api-ws');
  root = path.join(work, 'store');
  ({ a, b } = testImages(work));
  engine = Engine.open({ root });
  api = new Api({ engine, containerPollMs: 200 });
  server = await startServer({ api, staticRoot: path.join(work, 'no-site') });
  const url = `ws://127.0.0.1:${server.port}/api?token=${server.token}`;
  transport = webSocketTransport(url, { WebSocket });
  client = createClient(transport);
  raw = await RawClient.connect(url);
});

afterAll(async () => {
  transport?.close();
  await raw?.close();
  await server?.close();
  await api?.close();
  if (engine) for (const container of await engine.listContainers({ all: true })) await engine.removeContainer(container.id, { force: true });
  const mounts = fs.readFileSync('/proc/self/mountinfo', 'utf8');
  fs.rmSync(work, { recursive: true, force: true });
  expect(mounts).not.toContain(work);
});

/** Resolves with the first event `name` that `match` accepts, heard through the typed client. */
function nextEvent<T>(name: 'containers.changed' | 'jobs.done' | 'jobs.progress' | 'logs.lines', match: (payload: T) => boolean, timeoutMs = 20_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`no ${name} event within ${timeoutMs} ms`));
    }, timeoutMs);
    const stop = client.on(name, (payload) => {
      if (!match(payload as T)) return;
      clearTimeout(timer);
      stop();
      resolve(payload as T);
    });
  });
}

describe('images over the WebSocket', () => {
  it('system.info describes the engine', async () => {
    const info = await client.call('system.info');
    const pkg = JSON.parse(fs.readFileSync('package.json', 'utf8')) as { version: string };
    expect(info).toMatchObject({ version: pkg.version, storeRoot: root, rootless: false, uid: 0, platform: 'linux' });
    expect(['v1', 'v2']).toContain(info.cgroupVersion);
    expect(info.cpus).toBeGreaterThan(0);
  });

  it('images.import runs as a job: progress, then the result (typed client)', async () => {
    const progress: JobProgress[] = [];
    let started: JobInfo | undefined;
    const imported = await client.runJob('images.import', { path: writeOciLayout(path.join(work, 'layout-a'), [a]) }, { onProgress: (p) => progress.push(p), onStarted: (job) => (started = job) });
    expect(started).toMatchObject({ kind: 'images.import', state: 'running' });
    expect(imported).toHaveLength(1);
    expect(imported[0]).toMatchObject({ tags: ['test/a:1'] });
    expect(imported[0]!.layers.map((layer) => layer.reused)).toEqual([false, false, false]);
    expect(progress.length).toBeGreaterThan(0);
    expect(progress[0]).toMatchObject({ step: expect.any(String), message: expect.any(String) });
  });

  it('images.import through raw frames: the job answer, progress events, one jobs.done', async () => {
    await raw.subscribe('jobs.progress');
    await raw.subscribe('jobs.done');
    const reply = await raw.call('images.import', { path: writeDockerArchive(work, [b]), tags: ['test/b:1'] });
    const job = (reply as { result: JobInfo }).result;
    expect(job).toMatchObject({ kind: 'images.import', state: 'running', id: expect.any(String) });
    const done = await raw.next((f) => f.event === 'jobs.done' && (f.payload as JobInfo).id === job.id);
    expect(done.payload).toMatchObject({ state: 'succeeded', result: [{ tags: ['test/b:1'] }] });
    // Two of B's three layers are A's: reused, not unpacked again.
    expect((done.payload as { result: { layers: { reused: boolean }[] }[] }).result[0]!.layers.map((l) => l.reused)).toEqual([true, true, false]);
    expect(raw.events<JobProgressEvent>('jobs.progress').filter((event) => event.id === job.id).length).toBeGreaterThan(0);
    await raw.unsubscribe('jobs.progress');
    await raw.unsubscribe('jobs.done');
  });

  it('lists, inspects and shows file trees, wasted space and disk usage', async () => {
    const images = await client.call('images.list');
    expect(images.map((image) => image.tags[0]).sort()).toEqual(['test/a:1', 'test/b:1']);
    const inspected = await client.call('images.inspect', { ref: 'test/a:1' });
    expect(inspected.layers.map((layer) => layer.createdBy)).toEqual(['test layer base', 'test layer app', 'test layer change']);
    expect(inspected.config.Cmd).toEqual(['/bin/sh']);

    const own = await client.call('images.tree', { ref: 'test/a:1', layer: 2 });
    expect(own.layer).toBe(2);
    const etc = own.root.children.find((node) => node.name === 'etc')!;
    expect(etc.children.find((node) => node.name === 'passwd')?.change).toBe('modified');
    expect(etc.children.find((node) => node.name === 'motd')?.change).toBe('deleted');

    const merged = await client.call('images.tree', { ref: 'test/a:1', merged: true, path: '/app' });
    expect(merged.root.path).toBe('app');
    expect(merged.root.children.map((node) => node.name)).toContain('data.txt');
    expect(merged.root.children.map((node) => node.name)).not.toContain('big.bin');

    const shallow = await client.call('images.tree', { ref: 'test/a:1', merged: true, depth: 1 });
    expect(shallow.truncated).toBe(true);
    const bin = shallow.root.children.find((node) => node.name === 'bin')!;
    expect(bin.children).toEqual([]);
    expect(bin.count).toBeGreaterThan(5);
    await expect(client.call('images.tree', { ref: 'test/a:1', path: '/no/such' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(client.call('images.tree', { ref: 'test/a:1', layer: 7 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });

    // Image A's layer 2 hides 1 MiB of layer 1 (big.bin) and 30 + 26 + 18 + 10 B of layer 0
    // (passwd rewritten, motd deleted, readme and old/notes.txt under an opaque directory).
    const waste = await client.call('images.wasted', { ref: 'test/a:1' });
    expect(waste.id).toBe(inspected.id);
    expect(waste.wastedBytes).toBe(1_048_576 + 84);
    expect(waste.efficiency).toBe((waste.totalBytes - waste.wastedBytes) / waste.totalBytes);
    expect(waste.layers.map((layer) => [layer.chainId, layer.wastedBytes])).toEqual(inspected.layers.map((layer, i) => [layer.chainId, [84, 1_048_576, 0][i]]));
    expect(waste.paths[0]).toEqual({ path: 'app/big.bin', bytes: 1_048_576, versions: [{ layer: 1, bytes: 1_048_576, hiddenBy: 2, how: 'deleted' }] });
    expect((await client.call('images.wasted', { ref: 'test/b:1' })).efficiency).toBe(1);
    await expect(client.call('images.wasted', { ref: 'no/such:1' })).rejects.toMatchObject({ code: 'NOT_FOUND' });

    // What each layer did to one path: written twice, then hidden.
    expect(await client.call('images.pathHistory', { ref: 'test/a:1', path: '/etc/passwd' })).toEqual({
      path: 'etc/passwd',
      changes: [
        { layer: 0, change: 'added', kind: 'file', size: 30, mode: 0o644, uid: 0, gid: 0 },
        { layer: 2, change: 'modified', kind: 'file', size: 63, mode: 0o644, uid: 0, gid: 0 },
      ],
    });
    expect((await client.call('images.pathHistory', { ref: 'test/a:1', path: 'usr/share/doc/readme' })).changes.map((change) => [change.layer, change.change, change.how, change.via])).toEqual([
      [0, 'added', undefined, undefined],
      [2, 'deleted', 'opaque', 'usr/share/doc'],
    ]);
    await expect(client.call('images.pathHistory', { ref: 'test/a:1', path: '/opt/b.txt' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(client.call('images.pathHistory', { ref: 'test/a:1', path: '' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });

    const disk = await client.call('disk.usage');
    expect(disk.images).toHaveLength(2);
    expect(disk.savedBytes).toBeGreaterThan(1 << 20); // the shared 1 MB file of layer "app", at least
    expect(disk.layers.find((layer) => layer.usedBy.length === 2)).toBeDefined();
    expect(disk.stagingBytes).toBe(0); // nothing being imported
  });

  it('tags, removes a tag, and previews a prune as a job', async () => {
    expect(await client.call('images.tag', { source: 'test/a:1', target: 'test/a:extra' })).toEqual({ tag: 'test/a:extra' });
    expect((await client.call('images.inspect', { ref: 'test/a:extra' })).tags.sort()).toEqual(['test/a:1', 'test/a:extra']);
    expect(await client.call('images.remove', { ref: 'test/a:extra' })).toMatchObject({ untagged: ['test/a:extra'], deleted: [] });
    await expect(client.call('images.remove', { ref: 'test/a:extra' })).rejects.toMatchObject({ code: 'NOT_FOUND' });

    const preview = await client.runJob('images.prune', { dryRun: true });
    expect(preview).toEqual({ images: [], freed: { blobs: [], layers: [], bytes: 0 } });
  });

  it('jobs.list, jobs.get, and jobs.cancel of a finished job', async () => {
    const jobs = await client.call('jobs.list');
    expect(jobs.filter((job) => job.kind === 'images.import').map((job) => job.state)).toEqual(['succeeded', 'succeeded']);
    const first = jobs[0]!;
    expect(await client.call('jobs.get', { id: first.id })).toMatchObject({ id: first.id, state: 'succeeded' });
    expect(await client.call('jobs.cancel', { id: first.id })).toMatchObject({ id: first.id, state: 'succeeded' });
    await expect(client.call('jobs.cancel', { id: 'no-such-job' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('jobs.cancel stops a running import: it ends cancelled and the store has nothing of it', async () => {
    const dir = path.join(work, 'rootfs-cancel');
    write(dir, 'hello.txt', 'to be cancelled\n');
    const tar = tarDirectory(dir, path.join(work, 'rootfs-cancel.tar'));
    // Another writer holds the store lock: the import waits for it, so the cancel surely comes first.
    let release!: () => void;
    let locked!: () => void;
    const holding = new Promise<void>((resolve) => (locked = resolve));
    const held = Engine.open({ root }).store.write(() => {
      locked();
      return new Promise<void>((resolve) => (release = resolve));
    });
    await holding;
    const controller = new AbortController();
    let started: JobInfo | undefined;
    const running = client.runJob('images.import', { path: tar, format: 'rootfs', tags: ['test/cancelled:1'] }, { signal: controller.signal, onStarted: (job) => (started = job) });
    await expect.poll(() => started).toBeDefined();
    const ended = nextEvent<JobInfo>('jobs.done', (job) => job.id === started!.id);
    controller.abort(); // the client sends jobs.cancel
    await expect.poll(async () => (await client.call('jobs.get', { id: started!.id })).cancelRequested).toBe(true);
    release();
    await held;
    await expect(running).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(await ended).toMatchObject({ state: 'cancelled', error: { code: 'CANCELLED' } });
    await expect(client.call('images.inspect', { ref: 'test/cancelled:1' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(fs.readdirSync(path.join(root, 'tmp'))).toEqual([]);
  });
});

describe('containers over the WebSocket', () => {
  it('create, start, pause, unpause, restart, kill, stop, remove — each told as containers.changed', async () => {
    const seen: ContainerChangedEvent[] = [];
    const stop = client.on('containers.changed', (event) => seen.push(event));
    await expect.poll(() => api.bus.hasSubscribers('containers.changed')).toBe(true);
    const statusOf = (id: string) => seen.filter((event) => event.id === id).map((event) => event.container?.state.status ?? 'removed');

    const created = await client.call('containers.create', { image: 'test/a:1', options: { name: 'api-one', command: LONG_RUNNING, labels: { via: 'api' } } });
    expect(created).toMatchObject({ name: 'api-one', state: { status: 'created' }, options: { labels: { via: 'api' } } });
    await expect.poll(() => statusOf(created.id)).toEqual(['created']);

    expect((await client.call('containers.start', { ref: 'api-one' })).state.status).toBe('running');
    await expect.poll(() => statusOf(created.id).at(-1)).toBe('running');
    expect((await client.call('containers.inspect', { ref: created.id.slice(0, 12) })).state.pid).toBeGreaterThan(0);

    expect((await client.call('containers.pause', { ref: 'api-one' })).state.status).toBe('paused');
    await expect(client.call('containers.pause', { ref: 'api-one' })).rejects.toMatchObject({ code: 'CONFLICT' });
    expect((await client.call('containers.unpause', { ref: 'api-one' })).state.status).toBe('running');
    expect((await client.call('containers.restart', { ref: 'api-one', timeoutS: 5 })).state.status).toBe('running');
    await client.call('containers.kill', { ref: 'api-one', signal: 'SIGKILL' }); // answers once the signal is sent
    await expect.poll(async () => (await client.call('containers.inspect', { ref: 'api-one' })).state).toMatchObject({ status: 'exited', signal: 9 });
    expect((await client.call('containers.start', { ref: 'api-one' })).state.status).toBe('running');
    expect((await client.call('containers.stop', { ref: 'api-one', timeoutS: 5 })).state).toMatchObject({ status: 'exited', exitCode: 0 });
    // Every step was told. The poll may also catch a state between two (restart = stop + start: exited),
    // and a change that keeps the status (restart: a new pid) repeats it: compare in order, collapsed.
    const steps = () => statusOf(created.id).filter((status, i, all) => status !== all[i - 1]);
    await expect.poll(() => inOrder(['created', 'running', 'paused', 'running', 'exited', 'running', 'exited'], steps())).toBe(true);
    expect(steps().at(-1)).toBe('exited');

    expect(await client.call('containers.remove', { ref: 'api-one' })).toEqual({ id: created.id });
    await expect.poll(() => steps().at(-1)).toBe('removed');
    await expect(client.call('containers.inspect', { ref: 'api-one' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    stop();
  });

  it('run = create + start; list with all and filters; exit codes recorded', async () => {
    const exited = nextEvent<ContainerChangedEvent>('containers.changed', (event) => event.container?.name === 'api-three' && event.container.state.status === 'exited');
    const ran = await client.call('containers.run', { image: 'test/b:1', options: { name: 'api-three', command: ['sh', '-c', 'cat /opt/b.txt; exit 3'] } });
    expect(['running', 'exited']).toContain(ran.state.status);
    expect((await exited).container!.state.exitCode).toBe(3);
    expect((await client.call('containers.list')).map((c) => c.name)).not.toContain('api-three'); // running ones only
    expect((await client.call('containers.list', { all: true })).map((c) => c.name)).toContain('api-three');
    expect((await client.call('containers.list', { filters: ['exited=3'] })).map((c) => c.name)).toEqual(['api-three']);
    await expect(client.call('containers.list', { filters: ['colour=red'] })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(await client.call('containers.logs', { ref: 'api-three' })).toEqual([{ time: expect.any(String), stream: 'stdout', log: 'only in image B\n' }]);
    await client.call('containers.remove', { ref: 'api-three' });
  });

  it('exec, diff, update and commit a running container; save an image as a job', async () => {
    await client.call('containers.run', { image: 'test/a:1', options: { name: 'api-worker', command: ['sh', '-c', 'echo made > /app/made.txt; touch /tmp/ready; sleep 60'], memory: 64 * 1024 * 1024 } });
    for (let i = 0; i < 500; i++) {
      if ((await client.call('containers.exec', { ref: 'api-worker', command: ['sh', '-c', 'test -e /tmp/ready'] })).exitCode === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(await client.call('containers.exec', { ref: 'api-worker', command: ['sh', '-c', 'cat /app/made.txt; echo $X >&2; exit 2'], env: ['X=1'] })).toEqual({ exitCode: 2, stdout: 'made\n', stderr: '1\n' });
    await expect(client.call('containers.exec', { ref: 'api-worker', command: [] })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(await client.call('containers.diff', { ref: 'api-worker' })).toContainEqual({ path: '/app/made.txt', kind: 'A' });
    expect(await client.call('containers.runtimeConfig', { ref: 'api-worker' })).toMatchObject({ ociVersion: expect.any(String), process: { args: ['sh', '-c', expect.stringContaining('made.txt')] } });
    const updated = await client.call('containers.update', { ref: 'api-worker', update: { memory: 96 * 1024 * 1024, pidsLimit: 40 } });
    expect(updated.options).toMatchObject({ memory: 96 * 1024 * 1024, pidsLimit: 40 });
    await expect(client.call('containers.update', { ref: 'api-worker', update: { memory: 1 } })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    const committed = await client.runJob('containers.commit', { ref: 'api-worker', tag: 'test/api-committed:1', message: 'from the API' });
    expect((await client.call('images.inspect', { ref: 'test/api-committed:1' })).id).toBe(committed.id);
    const archive = path.join(work, 'api-saved.tar');
    const saved = await client.runJob('images.save', { refs: ['test/api-committed:1'], format: 'oci-archive', output: archive });
    expect(saved).toMatchObject({ format: 'oci-archive', output: archive, images: [{ id: committed.id, tags: ['test/api-committed:1'] }] });
    expect(fs.statSync(archive).size).toBe(saved.bytes);
    await client.call('containers.remove', { ref: 'api-worker', force: true });
    await client.call('images.remove', { ref: 'test/api-committed:1' });
  });

  it('images.build runs as a job with step progress; a bad Containerfile fails it with its line', async () => {
    const context = path.join(work, 'build-context');
    fs.mkdirSync(context);
    fs.writeFileSync(path.join(context, 'Containerfile'), 'FROM test/a:1\nRUN echo built > /built.txt\nCMD ["cat", "/built.txt"]\n');
    const progress: JobProgress[] = [];
    const built = await client.runJob('images.build', { contextDir: context, tags: ['test/api-built:1'] }, { onProgress: (p) => progress.push(p) });
    expect(built.steps.map((step) => step.createdBy)).toEqual([expect.stringContaining('RUN'), expect.stringContaining('CMD')]);
    expect((await client.call('images.inspect', { ref: 'test/api-built:1' })).id).toBe(built.id);
    expect(progress.length).toBeGreaterThan(0);
    fs.writeFileSync(path.join(context, 'Containerfile'), 'FROM test/a:1\nFROBNICATE now\n');
    await expect(client.runJob('images.build', { contextDir: context, tags: ['test/api-broken:1'] })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('line 2') });
    await expect(client.call('images.inspect', { ref: 'test/api-broken:1' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await client.call('images.remove', { ref: 'test/api-built:1' });
  });

  it('stats: batches to subscribers, recent samples, stored history and its export', async () => {
    const ran = await client.call('containers.run', { image: 'test/a:1', options: { name: 'api-stats', command: ['sh', '-c', 'while true; do :; done'], memory: 64 * 1024 * 1024 } });
    const batches: StatsSample[][] = [];
    const stop = client.on('stats.samples', (batch) => batches.push(batch));
    try {
      for (let i = 0; i < 100 && !batches.some((batch) => batch.some((s) => s.id === ran.id && s.cpuPercent !== null)); i++) await new Promise((resolve) => setTimeout(resolve, 100));
    } finally {
      stop();
    }
    const sample = batches.flat().find((s) => s.id === ran.id && s.cpuPercent !== null)!;
    // A busy loop shows as CPU; how much of a core it gets is the machine's load's to say.
    expect(sample.cpuPercent).toBeGreaterThan(0);
    expect(sample.memoryLimit).toBe(64 * 1024 * 1024);
    expect((await client.call('stats.recent', { ref: 'api-stats' })).length).toBeGreaterThanOrEqual(2);
    expect(await client.call('stats.history', { ref: 'api-stats' })).toEqual(expect.any(Array));
    expect((await client.call('stats.export', { ref: 'api-stats', format: 'csv' })).text.split('\n')[0]).toMatch(/^time,/);
    await expect(client.call('stats.recent', { ref: 'no-such-container' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await client.call('containers.remove', { ref: 'api-stats', force: true });
  });

  it('refuses bad requests with stable codes', async () => {
    await expect(client.call('containers.create', { image: 'nope:1' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(client.call('containers.create', { image: 'test/a:1', options: { cpus: 100_000 } })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(client.call('containers.create', { image: 'test/a:1', options: { colour: 'red' } as never })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await client.call('containers.create', { image: 'test/a:1', options: { name: 'api-taken', command: ['true'] } });
    await expect(client.call('containers.create', { image: 'test/a:1', options: { name: 'api-taken' } })).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(client.call('images.remove', { ref: 'test/a:1' })).rejects.toMatchObject({ code: 'CONFLICT' }); // a container uses it
    await client.call('containers.remove', { ref: 'api-taken' });
    await expect(client.call('containers.start', { ref: 'api-taken' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('notices containers that another process creates and removes (the poll)', async () => {
    const other = Engine.open({ root }); // as the CLI would: not through this API
    // A subscription starts the poll from the list as it is then: a round trip on the same
    // socket makes sure the server has taken it before the other process acts.
    const appeared = nextEvent<ContainerChangedEvent>('containers.changed', (event) => event.container?.name === 'from-cli');
    await client.call('jobs.list');
    const made = await other.createContainer('test/a:1', { name: 'from-cli', command: ['true'] });
    expect((await appeared).id).toBe(made.id);
    const gone = nextEvent<ContainerChangedEvent>('containers.changed', (event) => event.id === made.id && event.container === undefined);
    await client.call('jobs.list');
    await other.removeContainer(made.id);
    await gone;
  });

  it('containers.logs reads tail, streams and since; logs.follow sends new lines as logs.lines', async () => {
    const container = await client.call('containers.run', {
      image: 'test/a:1',
      options: { name: 'api-talker', command: ['sh', '-c', 'trap "exit 0" TERM; echo first; echo oops >&2; i=0; while true; do i=$((i+1)); echo "tick $i"; sleep 0.2; done'] },
    });
    await expect.poll(async () => (await client.call('containers.logs', { ref: 'api-talker' })).length).toBeGreaterThan(3);
    const all = await client.call('containers.logs', { ref: 'api-talker' });
    // The shim reads stdout and stderr from two pipes: their relative order is not kept.
    expect(all.map((line) => [line.stream, line.log])).toEqual(expect.arrayContaining([
      ['stdout', 'first\n'],
      ['stderr', 'oops\n'],
    ]));
    expect(await client.call('containers.logs', { ref: 'api-talker', streams: ['stderr'] })).toEqual(all.filter((line) => line.stream === 'stderr'));
    expect(await client.call('containers.logs', { ref: 'api-talker', tail: 1, streams: ['stdout'], until: '2000-01-01' })).toEqual([]);
    expect(await client.call('containers.logs', { ref: 'api-talker', tail: 0 })).toEqual([]);
    expect((await client.call('containers.logs', { ref: 'api-talker', since: '1h', tail: 2 })).length).toBe(2);
    await expect(client.call('containers.logs', { ref: 'api-talker', since: 'yesterday' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });

    const batches: LogLinesEvent[] = [];
    const stop = client.on('logs.lines', (event) => batches.push(event));
    await expect.poll(() => api.bus.hasSubscribers('logs.lines')).toBe(true);
    const { follow, container: id } = await client.call('logs.follow', { ref: 'api-talker', tail: 1 });
    expect(id).toBe(container.id);
    const ticks = () => batches.filter((batch) => batch.follow === follow).flatMap((batch) => batch.lines.map((line) => line.log));
    await expect.poll(() => ticks().length, { timeout: 10_000 }).toBeGreaterThan(3); // the tail, then new ones
    const numbers = ticks().map((log) => Number(/tick (\d+)/.exec(log)?.[1]));
    expect(numbers.every((n, i) => i === 0 || n === numbers[i - 1]! + 1)).toBe(true);
    await client.call('logs.unfollow', { follow });
    const count = ticks().length;
    // The container goes on printing: a second follow receives new lines while the first gets
    // none (proven by what arrives, not by a wait).
    const { follow: witness } = await client.call('logs.follow', { ref: 'api-talker', tail: 0 });
    const witnessed = () => batches.filter((batch) => batch.follow === witness).flatMap((batch) => batch.lines);
    await expect.poll(() => witnessed().length, { timeout: 10_000 }).toBeGreaterThanOrEqual(3);
    expect(ticks().length).toBe(count);
    await client.call('logs.unfollow', { follow: witness });
    await expect(client.call('logs.unfollow', { follow })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    stop();

    // A follow ends with its connection.
    const other = await RawClient.connect(`ws://127.0.0.1:${server.port}/api?token=${server.token}`);
    await other.subscribe('logs.lines');
    const reply = await other.call('logs.follow', { ref: 'api-talker' });
    expect(reply).toMatchObject({ result: { container: container.id } });
    await other.next((f) => f.event === 'logs.lines');
    await other.close();
    await client.call('containers.remove', { ref: 'api-talker', force: true });
  });
});

/** Whether `expected` appears in `actual` in order, other entries allowed between. */
function inOrder(expected: string[], actual: string[]): boolean {
  let from = 0;
  for (const item of expected) {
    const at = actual.indexOf(item, from);
    if (at < 0) return false;
    from = at + 1;
  }
  return true;
}
