// The engine never blocks the window (issue #13, point 5): no synchronous file system or
// child-process call runs on the event loop while the API answers a method or a timer ticks.
// Every `*Sync` function of node:fs, and child_process's execFileSync / execSync / spawnSync,
// is wrapped to record the stack of each call made from Strata's own code (src-main/,
// native/lib/); syncBuiltinESMExports() makes ESM named imports see the wrappers. Then, over
// a real store with real containers, every read method, every lifecycle method and a few
// ticks of the timers (stats sampler, container watch, the supervisor's restart policy, an
// election's takeover) run, and none may have made such a call.
//
// Not counted, on purpose:
// - Opening: Engine.open (first-open recovery) and the API's own start run once, before the
//   API serves; they may stay synchronous. The wrappers are armed only after.
// - Jobs (import, pull, build, save, commit, prune) run under the store's loop budget
//   (another part of the issue); the test runs one to read jobs.* but not while armed.
// - Calls from test code, vitest or Node's module loader (their first caller is not ours).
import childProcess from 'node:child_process';
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Reply } from '@shared/api/protocol';
import type { ContainerRecord } from '@shared/api/types/containers';
import type { JobInfo } from '@shared/api/types/jobs';
import { openSupervisedApi, type SupervisedApi } from '../../src-main/api/supervised-api';
import type { Session } from '../../src-main/api/session';
import { BuildWorkspace } from '../../src-main/engine/build/build-workspace';
import { Engine } from '../../src-main/engine/index';
import { SupervisorElection, supervisorPidOf } from '../../src-main/engine/supervisor/election';
import { removeTestStore } from '../helpers/containers';
import { makeTempDir, testImages, writeOciLayout } from '../helpers/test-images';

const asRoot = process.getuid?.() === 0;
if (!asRoot) console.log('no-sync-fs: skipped — running containers needs root');

const OURS = [`${path.sep}src-main${path.sep}`, `${path.sep}native${path.sep}lib${path.sep}`];

/** Sync calls made from our code while armed: the function and the stack. */
const calls: { fn: string; stack: string }[] = [];
let armed = false;
const restore: (() => void)[] = [];

function wrap(target: Record<string, unknown>, name: string, label: string): void {
  const original = target[name];
  if (typeof original !== 'function') return;
  const wrapper = function (this: unknown, ...args: unknown[]): unknown {
    if (armed) record(label);
    return (original as (...a: unknown[]) => unknown).apply(this, args);
  };
  target[name] = wrapper;
  restore.push(() => (target[name] = original));
}

function record(fn: string): void {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 40;
  const stack = new Error().stack ?? '';
  Error.stackTraceLimit = limit;
  // The first frame past this file and Node's internals is the caller that matters.
  const frames = stack.split('\n').slice(1);
  const caller = frames.find((frame) => !frame.includes('no-sync-fs.test') && !frame.includes('node:'));
  if (!caller || !OURS.some((dir) => caller.includes(dir))) return;
  calls.push({ fn, stack: frames.join('\n') });
}

function patch(): void {
  for (const name of Object.keys(fs)) if (name.endsWith('Sync')) wrap(fs as unknown as Record<string, unknown>, name, `fs.${name}`);
  for (const name of ['execFileSync', 'execSync', 'spawnSync']) wrap(childProcess as unknown as Record<string, unknown>, name, `child_process.${name}`);
  syncBuiltinESMExports();
}

function unpatch(): void {
  for (const undo of restore.splice(0)) undo();
  syncBuiltinESMExports();
}

/** Runs `work` armed; fails naming each sync call it made, with its stack. */
async function noSync(what: string, work: () => Promise<unknown>): Promise<void> {
  calls.length = 0;
  armed = true;
  try {
    await work();
  } finally {
    armed = false;
  }
  const seen = calls.splice(0);
  const report = seen.map((call) => `${call.fn}\n${call.stack}`).join('\n\n');
  expect(seen.map((call) => call.fn), `${what} made synchronous calls:\n${report}`).toEqual([]);
}

let work: string;
let engine: Engine;
let supervised: SupervisedApi;
let session: Session;
const events: { event: string; payload: unknown }[] = [];

async function call<T>(method: string, input: unknown): Promise<T> {
  const reply: Reply = await session.call(method, input);
  if ('error' in reply) throw new Error(`${method}: ${reply.error.code} ${reply.error.message}`);
  return reply.result as T;
}

function eventsOf(name: string): number {
  return events.filter((event) => event.event === name).length;
}

async function until(check: () => boolean | Promise<boolean>): Promise<void> {
  await expect.poll(check).toBe(true);
}

describe.skipIf(!asRoot)('no synchronous fs on the API and its timers', () => {
  beforeAll(async () => {
    work = makeTempDir('no-sync-fs');
    const { a, b } = testImages(work);
    engine = Engine.open({ root: path.join(work, 'store') });
    await engine.importImage({ path: writeOciLayout(path.join(work, 'layout'), [a]) });
    // b: a VOLUME (seeded from the image on first start) and a layer of its own (swept by its rmi)
    const withVolume = (config: Record<string, unknown>) => void ((config.config as Record<string, unknown>).Volumes = { '/opt': {} });
    await engine.importImage({ path: writeOciLayout(path.join(work, 'layout-b'), [b], { mutateConfig: withVolume }) });
    // a build in progress (this process) holding test/a:1: every sweep reads its references and asks whether its owner lives
    const build = await BuildWorkspace.open(engine.store);
    build.protect({ manifests: [(await engine.inspectImage('test/a:1')).manifestDigest] });
    supervised = openSupervisedApi({ engine, containerPollMs: 100 }, { retryMs: 100, restarts: { pollMs: 100 } });
    session = supervised.api.openSession((event, payload) => events.push({ event, payload }));
    session.subscribe('stats.samples');
    // The API has opened once its sampler has (opening reads the host once, as Engine.open does).
    await (supervised.api.stats as unknown as { sampler: Promise<unknown> }).sampler;
    patch();
  });

  afterAll(async () => {
    unpatch();
    session?.close();
    await supervised?.close();
    if (engine) await removeTestStore(engine, work);
  });

  it('image reads, a tag and an untag, disk usage, system info', async () => {
    const buildContext = path.join(work, 'outline-context');
    fs.mkdirSync(buildContext, { recursive: true });
    fs.writeFileSync(path.join(buildContext, 'Containerfile'), 'FROM test/a:1 AS base\nARG FLAVOUR=plain\n');
    await noSync('images.*, disk.usage and system.info', async () => {
      await call('images.containerfileOutline', { contextDir: buildContext }); // the Build dialog, as a path is typed
      await call('images.containerfileOutline', { containerfileText: 'FROM test/a:1\nARG X\n' }); // … and as its editor's text changes
      await call('images.list', {});
      await call('images.inspect', { ref: 'test/a:1' });
      await call('images.tree', { ref: 'test/a:1', merged: true, depth: 2 });
      await call('images.tree', { ref: 'test/a:1', layer: 0 });
      await call('images.wasted', { ref: 'test/a:1' });
      await call('images.pathHistory', { ref: 'test/a:1', path: '/etc/passwd' });
      await call('disk.usage', {});
      await call('images.tag', { source: 'test/a:1', target: 'test/a:2' });
      await call('images.remove', { ref: 'test/a:2', dryRun: true }); // the window's question before a removal
      await call('images.remove', { ref: 'test/a:2' }); // an untag: no sweep
      await call('images.remove', { ref: 'test/a:1', dryRun: true }); // a delete's preview: a dry sweep
      await call('images.prunePreview', {});
      await call('system.info', {});
    });
  });

  it('a container through its whole life, with its reads', async () => {
    await noSync('the lifecycle and container reads', async () => {
      const created = await call<ContainerRecord>('containers.create', { image: 'test/a:1', options: { name: 'busy', command: ['sh', '-c', 'echo started; mkdir /made; exec sleep 1000'] } });
      await call('containers.start', { ref: created.id });
      await call('containers.list', {});
      await call('containers.list', { all: true, filters: ['status=running'] });
      await call('containers.inspect', { ref: 'busy' });
      await call('containers.runtimeConfig', { ref: 'busy' });
      await until(async () => (await call<unknown[]>('containers.logs', { ref: 'busy' })).length > 0);
      await until(async () => (await call<unknown[]>('containers.diff', { ref: 'busy' })).length > 0);
      session.subscribe('logs.lines');
      const { follow } = await call<{ follow: string }>('logs.follow', { ref: 'busy', tail: 10 });
      await until(() => eventsOf('logs.lines') > 0);
      await call('logs.unfollow', { follow });
      await call('containers.exec', { ref: 'busy', command: ['echo', 'hello'] });
      await call('containers.pause', { ref: 'busy' });
      await call('containers.unpause', { ref: 'busy' });
      await call('containers.update', { ref: 'busy', update: { memory: 64 * 2 ** 20, pidsLimit: 50 } });
      await call('stats.recent', { ref: 'busy' });
      await call('stats.history', { ref: 'busy' });
      await call('stats.export', { ref: 'busy', format: 'csv' });
      await call('containers.restart', { ref: 'busy', timeoutS: 1 });
      await call('containers.kill', { ref: 'busy' });
      await call('containers.start', { ref: 'busy' });
      await call('containers.stop', { ref: 'busy', timeoutS: 1 });
      await call('containers.remove', { ref: 'busy' });
      const ran = await call<ContainerRecord>('containers.run', { image: 'test/a:1', options: { network: 'none', command: ['true'] } });
      await call('containers.remove', { ref: ran.id, force: true });
      // an anonymous volume seeded from the image, a published port on the bridge: both go with rm -f
      const published = await call<ContainerRecord>('containers.run', {
        image: 'test/b:1',
        options: { command: ['sleep', '1000'], publish: [{ hostIp: '127.0.0.1', hostPort: 0, containerPort: 80, protocol: 'tcp' }] },
      });
      await call('containers.remove', { ref: published.id, force: true });
      // the image's last tag: it goes, and the sweep deletes the layer and blobs only it used
      const removed = await call<{ freed: { layers: string[] } }>('images.remove', { ref: 'test/b:1' });
      expect(removed.freed.layers).toHaveLength(1);
    });
  });

  it('jobs.* read the jobs without blocking', async () => {
    const started = await call<JobInfo>('images.prune', { dryRun: true });
    await until(async () => (await call<JobInfo>('jobs.get', { id: started.id })).state !== 'running');
    await noSync('jobs.*', async () => {
      await call('jobs.list', {});
      await call('jobs.get', { id: started.id });
      await call('jobs.output', { id: started.id });
      await call('jobs.cancel', { id: started.id });
    });
  });

  it('the timers: stats sampler, container watch, restart policy', async () => {
    const ticks = (name: string) => eventsOf(name);
    await noSync('timer ticks', async () => {
      session.subscribe('containers.changed');
      // restarted by the supervisor's monitor each time it exits (after its back-off)
      const flapping = await call<ContainerRecord>('containers.run', { image: 'test/a:1', options: { network: 'none', command: ['true'], restart: { name: 'always' } } });
      await until(async () => ((await call<ContainerRecord>('containers.inspect', { ref: flapping.id })).state.restartCount ?? 0) >= 1);
      const samples = ticks('stats.samples');
      const changes = ticks('containers.changed');
      await until(() => ticks('stats.samples') >= samples + 3 && ticks('containers.changed') > changes);
      await call('containers.update', { ref: flapping.id, update: { restart: { name: 'no' } } });
      await call('containers.remove', { ref: flapping.id, force: true });
    });
  });

  it("the election's takeover, from a follower's timer", async () => {
    // Another process (flock(1), and the sleep it runs, sharing its descriptor) holds the
    // lock; it dies while armed, and our follower takes over on a tick.
    const lock = path.join(work, 'election.lock');
    const holder = childProcess.spawn('flock', [lock, 'sleep', '600'], { stdio: 'ignore', detached: true });
    const kill = () => {
      try {
        process.kill(-holder.pid!, 'SIGKILL'); // its group: flock and its sleep
      } catch {
        // gone already
      }
    };
    await until(() => fs.existsSync(lock) && flockHeld(lock));
    const follower = new SupervisorElection(lock, { retryMs: 20 });
    follower.start(); // opening and the first try may block: once, as a front end opens
    try {
      expect(follower.role).toBe('follower');
      await noSync('the takeover', async () => {
        kill();
        await until(() => follower.role === 'supervisor');
      });
      expect(await supervisorPidOf(lock)).toBe(process.pid);
    } finally {
      kill();
      follower.stop();
    }
  });
});

/** Whether some process holds a flock on `file` (/proc/locks, by inode). */
function flockHeld(file: string): boolean {
  const inode = fs.statSync(file).ino;
  return fs
    .readFileSync('/proc/locks', 'utf8')
    .split('\n')
    .some((line) => line.includes('FLOCK') && line.split(/\s+/).some((field) => field.endsWith(`:${inode}`)));
}
