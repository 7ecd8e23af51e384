// The API without a network: the table checked at the boundary, stable error codes,
// sessions and their subscriptions, the container watcher, and the typed client's job
// helper over a transport of our own.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '@shared/api/client';
import { type ContainerSource, ContainerWatcher } from '../../src-main/api/container-watch';
import { StrataError } from '@shared/errors';
import { events, methods } from '@shared/api/contract';
import { Api } from '../../src-main/api/dispatch';
import { EventBus } from '../../src-main/api/events';
import { handlers } from '../../src-main/api/handlers/index';
import { EventListeners } from '@shared/api/listeners';
import type { EventListener, Reply, Transport } from '@shared/api/protocol';
import { Session } from '../../src-main/api/session';
import type { ContainerChangedEvent, ContainerRecord } from '@shared/api/types/containers';
import { Engine } from '../../src-main/engine/index';
import { isApiError } from '@shared/api/api-error';
import { makeTempDir } from '../helpers/test-images';

let work: string;
let api: Api;

beforeAll(() => {
  work = makeTempDir('api-dispatch');
  api = new Api({ engine: Engine.open({ root: path.join(work, 'store') }), version: '9.9.9' });
});

afterAll(async () => {
  await api.close();
  fs.rmSync(work, { recursive: true, force: true });
});

function errorOf(reply: Reply): { code: string; message: string } {
  if (!('error' in reply)) throw new Error(`expected an error, got ${JSON.stringify(reply)}`);
  return reply.error;
}

describe('the table', () => {
  it('has a handler for every method and nothing else', () => {
    expect(Object.keys(handlers).sort()).toEqual(Object.keys(methods).sort());
  });

  it('names methods area.verb and events area.noun', () => {
    for (const name of [...Object.keys(methods), ...Object.keys(events)]) expect(name).toMatch(/^[a-z]+\.[a-z][a-zA-Z]*$/);
  });
});

describe('dispatch', () => {
  const session = () => api.openSession(() => {});

  it('answers a call with its output', async () => {
    const s = session();
    expect(await s.call('images.list', {})).toEqual({ result: [] });
    expect(await s.call('images.list', undefined)).toEqual({ result: [] }); // no input: {}
    const info = await s.call('system.info', {});
    expect(info).toMatchObject({ result: { version: '9.9.9', storeRoot: path.join(work, 'store'), rootless: process.getuid!() !== 0 } });
  });

  it('refuses an unknown method with UNKNOWN_METHOD, own properties only', async () => {
    for (const name of ['images.frobnicate', '__proto__', 'constructor', 'toString', '']) {
      expect(errorOf(await session().call(name, {}))).toMatchObject({ code: 'UNKNOWN_METHOD' });
    }
  });

  it('refuses malformed input with INVALID_ARGUMENT naming the field', async () => {
    const s = session();
    const cases: [string, unknown, RegExp][] = [
      ['images.inspect', {}, /ref/],
      ['images.inspect', { ref: 5 }, /ref: .*expected string/],
      ['images.inspect', { ref: '' }, /ref: must not be empty/],
      ['images.inspect', { ref: 'a', extra: 1 }, /extra/],
      ['images.list', null, /\(input\)/],
      ['images.list', 'x', /\(input\)/],
      ['images.list', [], /\(input\)/],
      ['images.tree', { ref: 'a', depth: -1 }, /depth/],
      ['images.wasted', { ref: 'a', layer: 1 }, /layer/],
      ['containers.logs', { ref: 'a', tail: 1e9 }, /tail/],
      ['containers.create', { image: 'a', options: [] }, /options: expected an object/],
      ['containers.kill', { ref: 'a', signal: 'kill -9' }, /signal/],
      ['images.import', { path: '/x', format: 'tarball' }, /format/],
    ];
    for (const [method, input, message] of cases) {
      const error = errorOf(await s.call(method, input));
      expect(error.code, `${method} ${JSON.stringify(input)}`).toBe('INVALID_ARGUMENT');
      expect(error.message).toMatch(new RegExp(`^${method.replace('.', '\\.')}: invalid input: `));
      expect(error.message).toMatch(message);
    }
  });

  it("checks container options with the engine's own schema", async () => {
    const error = errorOf(await session().call('containers.create', { image: 'nope:1', options: { memory: 5 } }));
    expect(error).toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(error.message).toMatch(/^options: invalid input: memory/);
    const device = { hostPath: '/dev/no-such-node', containerPath: '/dev/x', permissions: 'r' };
    const perms = errorOf(await session().call('containers.create', { image: 'nope:1', options: { devices: [{ ...device, permissions: 'rx' }] } }));
    expect(perms).toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(perms.message).toMatch(/^options: invalid input: devices.*permissions "rx"/);
    // the host node is looked up before anything is made
    const missing = errorOf(await session().call('containers.create', { image: 'nope:1', options: { devices: [device] } }));
    expect(missing).toMatchObject({ code: 'NOT_FOUND', message: '--device /dev/no-such-node: no such file on the host' });
  });

  it('checks the security options: capability names, flags, no CLI text', async () => {
    const create = async (options: unknown) => errorOf(await session().call('containers.create', { image: 'nope:1', options: options as never }));
    const capability = await create({ capAdd: ['NET_ADMIN', 'SYS_WIZARD'] });
    expect(capability.code).toBe('INVALID_ARGUMENT');
    expect(capability.message).toMatch(/^options: invalid input: capAdd\.1: unknown capability "SYS_WIZARD"/);
    expect(await create({ readonlyRootfs: 'yes' })).toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/^options: invalid input: readonlyRootfs/) });
    expect(await create({ noNewPrivileges: 'false' })).toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/^options: invalid input: noNewPrivileges/) });
    expect(await create({ seccompProfile: '' })).toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/^options: invalid input: seccompProfile/) });
    // --security-opt is the CLI's text: the API takes its parsed fields only
    expect(await create({ securityOpt: ['no-new-privileges'] })).toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/securityOpt/) });
    // valid options get as far as the image
    expect(await create({ capAdd: ['sys_admin'], capDrop: ['ALL'], readonlyRootfs: true, noNewPrivileges: false, seccompProfile: 'unconfined' })).toMatchObject({ code: 'NOT_FOUND' });
  });

  it("passes the engine's codes through", async () => {
    const s = session();
    expect(errorOf(await s.call('images.inspect', { ref: 'nope:1' }))).toMatchObject({ code: 'NOT_FOUND', message: 'no such image: nope:1' });
    expect(errorOf(await s.call('containers.list', { filters: ['colour=red'] }))).toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(errorOf(await s.call('jobs.get', { id: 'nope' }))).toMatchObject({ code: 'NOT_FOUND' });
    expect(errorOf(await s.call('logs.unfollow', { follow: 'nope' }))).toMatchObject({ code: 'NOT_FOUND' });
  });

  it('starts job methods as jobs and tells their end', async () => {
    const done: unknown[] = [];
    const s = api.openSession((event, payload) => done.push([event, payload]));
    s.subscribe('jobs.done');
    const reply = await s.call('images.prune', { dryRun: true });
    expect(reply).toMatchObject({ result: { kind: 'images.prune', state: 'running' } });
    const id = (reply as { result: { id: string } }).result.id;
    await expect.poll(() => done.length).toBe(1);
    expect(done[0]).toEqual(['jobs.done', expect.objectContaining({ id, state: 'succeeded', result: { images: [], freed: { blobs: [], layers: [], bytes: 0 } } })]);
    s.close();
  });

  it('reports INTERNAL errors to onInternalError, and only those', async () => {
    const seen: string[] = [];
    const engine = Engine.open({ root: path.join(work, 'store') });
    const broken = new Api({ engine, onInternalError: (method) => seen.push(method) });
    engine.listImages = () => {
      throw new Error('disk on fire');
    };
    const s = broken.openSession(() => {});
    expect(errorOf(await s.call('images.list', {}))).toEqual({ code: 'INTERNAL', message: 'disk on fire' });
    await s.call('images.inspect', { ref: 'nope:1' }); // NOT_FOUND: not reported
    expect(seen).toEqual(['images.list']);
    await broken.close();
  });
});

describe('sessions', () => {
  it('deliver only the events subscribed to, until unsubscribed or closed', () => {
    const bus = new EventBus();
    const got: [string, unknown][] = [];
    const s = new Session(async () => ({ result: null }), bus, (event, payload) => got.push([event, payload]));
    expect(s.subscribe('jobs.done')).toEqual({ result: null });
    expect(s.subscribe('jobs.done')).toEqual({ result: null }); // again: still once
    bus.publish('jobs.done', { id: '1', kind: 'k', state: 'succeeded', startedAt: 'now' });
    bus.publish('jobs.progress', { id: '1', kind: 'k', progress: { step: 's', message: 'm' } });
    expect(got.map(([event]) => event)).toEqual(['jobs.done']);
    expect(s.unsubscribe('jobs.done')).toEqual({ result: null });
    bus.publish('jobs.done', { id: '2', kind: 'k', state: 'succeeded', startedAt: 'now' });
    expect(got).toHaveLength(1);
    expect(errorOf(s.subscribe('jobs.exploded'))).toMatchObject({ code: 'INVALID_ARGUMENT', message: 'no such event: "jobs.exploded"' });
    expect(errorOf(s.subscribe('__proto__'))).toMatchObject({ code: 'INVALID_ARGUMENT' });

    s.subscribe('logs.lines');
    s.emit('logs.lines', { follow: 'f', container: 'c', lines: [] });
    let ended = 0;
    s.own('f', () => ended++);
    s.close();
    s.emit('logs.lines', { follow: 'f', container: 'c', lines: [] });
    expect(got.map(([event]) => event)).toEqual(['jobs.done', 'logs.lines']);
    expect(ended).toBe(1);
    expect(bus.hasSubscribers('logs.lines')).toBe(false);
  });

  it('run on-demand producers only while someone listens', () => {
    const bus = new EventBus();
    let running = 0;
    bus.produceOnDemand('containers.changed', () => {
      running++;
      return () => running--;
    });
    expect(running).toBe(0);
    const stopA = bus.subscribe('containers.changed', () => {});
    const stopB = bus.subscribe('containers.changed', () => {});
    expect(running).toBe(1);
    stopA();
    stopA(); // twice: no effect
    expect(running).toBe(1);
    stopB();
    expect(running).toBe(0);
    bus.subscribe('containers.changed', () => {});
    expect(running).toBe(1);
    bus.close();
    expect(running).toBe(0);
  });
});

describe('ContainerWatcher', () => {
  const record = (id: string, status: ContainerRecord['state']['status']): ContainerRecord =>
    ({ id, name: id, created: 'now', image: { ref: 'i', id: 'i', manifestDigest: 'm' }, layers: [], options: {}, state: { status } }) as ContainerRecord;

  /** A source over a list the test changes, counting whole listings and single looks, with hints the test gives. */
  function fakeSource(list: () => ContainerRecord[]) {
    const counts = { list: 0, inspect: [] as string[] };
    let hint: ((id: string | undefined) => void) | undefined;
    const source: ContainerSource = {
      list: async () => {
        counts.list++;
        return list();
      },
      inspect: async (id) => {
        counts.inspect.push(id);
        const found = list().find((r) => r.id === id);
        if (!found) throw new StrataError('NOT_FOUND', `no such container: ${id}`);
        return found;
      },
      ids: async () => list().map((r) => r.id),
      watch: (listener) => {
        hint = listener;
        return () => (hint = undefined);
      },
    };
    return { source, counts, hint: (id: string | undefined) => hint?.(id), watching: () => hint !== undefined };
  }

  it('publishes differences only, and nothing while stopped', async () => {
    let list = [record('a', 'created')];
    const seen: ContainerChangedEvent[] = [];
    const fake = fakeSource(() => list);
    const watcher = new ContainerWatcher(fake.source, (event) => seen.push(event), 60_000);
    await watcher.refreshAll(); // not started: no-op
    const stop = watcher.start(); // baseline: no events
    await watcher.refreshAll();
    expect(seen).toEqual([]);
    list = [record('a', 'running'), record('b', 'created')];
    await watcher.refreshAll();
    expect(seen.map((e) => [e.id, e.container?.state.status])).toEqual([
      ['a', 'running'],
      ['b', 'created'],
    ]);
    list = [record('b', 'created')];
    await watcher.refreshAll();
    expect(seen.at(-1)).toEqual({ id: 'a' });
    stop();
    expect(fake.watching()).toBe(false);
    list = [];
    await watcher.refreshAll();
    expect(seen).toHaveLength(3);
  });

  it('after a call looks only at the containers touched, appeared or gone — never the whole list', async () => {
    let list = [record('a', 'created'), record('b', 'created')];
    const seen: ContainerChangedEvent[] = [];
    const fake = fakeSource(() => list);
    const watcher = new ContainerWatcher(fake.source, (event) => seen.push(event), 60_000);
    const stop = watcher.start();
    await watcher.idle();
    expect(fake.counts.list).toBe(1); // the baseline
    list = [record('a', 'running'), record('b', 'created'), record('c', 'created')];
    fake.hint('a'); // as the cache tells of a record written
    await watcher.refresh();
    expect(seen.map((e) => `${e.id} ${e.container?.state.status}`).sort()).toEqual(['a running', 'c created']);
    expect(fake.counts.inspect.sort()).toEqual(['a', 'c']); // b was not read
    list = [record('a', 'running'), record('c', 'created')];
    await watcher.refresh();
    expect(seen.at(-1)).toEqual({ id: 'b' });
    expect(fake.counts.list).toBe(1);
    stop();
  });

  it('looks again at a container it could not read, without a new hint', async () => {
    let status: ContainerRecord['state']['status'] = 'running';
    let failures = 0;
    const seen: ContainerChangedEvent[] = [];
    const fake = fakeSource(() => [record('a', status)]);
    const inspect = fake.source.inspect;
    fake.source.inspect = async (id) => {
      if (failures > 0) {
        failures--;
        throw new StrataError('INTERNAL', 'the record is being replaced');
      }
      return inspect(id);
    };
    const watcher = new ContainerWatcher(fake.source, (event) => seen.push(event), 60_000);
    const stop = watcher.start();
    await watcher.idle(); // the baseline
    status = 'exited';
    failures = 2;
    fake.hint('a');
    await expect.poll(() => seen.map((e) => `${e.id} ${e.container?.state.status}`)).toEqual(['a exited']);
    expect(fake.counts.inspect).toEqual(['a']); // the third look: two failed before the counting source
    stop();
  });

  it('skips a look that cannot read the store', async () => {
    let fail = false;
    const seen: ContainerChangedEvent[] = [];
    const fake = fakeSource(() => {
      if (fail) throw new Error('EIO');
      return [record('a', 'created')];
    });
    const watcher = new ContainerWatcher(fake.source, (event) => seen.push(event), 60_000);
    const stop = watcher.start();
    await watcher.idle(); // the baseline
    fail = true;
    await watcher.refresh();
    await watcher.refreshAll();
    fail = false;
    await watcher.refresh();
    await watcher.refreshAll();
    expect(seen).toEqual([]);
    stop();
  });
});

describe('the client', () => {
  /** A transport whose invoke answers as `answer` says and whose events the test pushes. */
  function fakeTransport(answer: (method: string, input: unknown, push: (event: string, payload: unknown) => void) => Reply): Transport & { calls: [string, unknown][] } {
    const listeners = new EventListeners();
    const calls: [string, unknown][] = [];
    return {
      calls,
      invoke: async (method, input) => {
        calls.push([method, input]);
        return answer(method, input, (event, payload) => listeners.emit(event, payload));
      },
      subscribe: (event: string, listener: EventListener) => {
        const registration = listeners.add(event, listener);
        return () => void registration.remove();
      },
    };
  }

  it('calls with {} by default and throws ApiError with the code', async () => {
    const transport = fakeTransport((method) => (method === 'images.list' ? { result: [] } : { error: { code: 'NOT_FOUND', message: 'gone' } }));
    const client = createClient(transport);
    expect(await client.call('images.list')).toEqual([]);
    expect(transport.calls[0]).toEqual(['images.list', {}]);
    const error = await client.call('images.inspect', { ref: 'x' }).catch((e: unknown) => e);
    expect(isApiError(error, 'NOT_FOUND')).toBe(true);
    expect((error as Error).message).toBe('gone');
  });

  it('runJob resolves with the result even when the end comes before the start is answered', async () => {
    const transport = fakeTransport((method, _input, push) => {
      const job = { id: 'j1', kind: method, state: 'running', startedAt: 'now' };
      push('jobs.progress', { id: 'j1', kind: method, progress: { step: 'x', message: 'early' } }); // before the id is known: kept
      push('jobs.progress', { id: 'j0', kind: method, progress: { step: 'x', message: 'another job' } });
      push('jobs.done', { ...job, state: 'succeeded', result: ['imported'] });
      return { result: job };
    });
    const progress: unknown[] = [];
    const started: string[] = [];
    const result = await createClient(transport).runJob('images.import', { path: '/x' }, { onProgress: (p) => progress.push(p), onStarted: (job) => started.push(job.id) });
    expect(result).toEqual(['imported']);
    expect(started).toEqual(['j1']);
    expect(progress).toEqual([{ step: 'x', message: 'early' }]);
  });

  it('runJob reports progress, cancels on abort and rejects with the job error', async () => {
    let push!: (event: string, payload: unknown) => void;
    const transport = fakeTransport((method, input, p) => {
      push = p;
      if (method === 'jobs.cancel') {
        setTimeout(() => push('jobs.done', { id: 'j2', kind: 'images.import', state: 'cancelled', startedAt: 'now', error: { code: 'CANCELLED', message: 'import cancelled' } }));
        return { result: { id: (input as { id: string }).id, state: 'running' } };
      }
      setTimeout(() => push('jobs.progress', { id: 'j2', kind: method, progress: { step: 'layer', message: 'layer 1 of 2' } }));
      return { result: { id: 'j2', kind: method, state: 'running', startedAt: 'now' } };
    });
    const controller = new AbortController();
    const progress: string[] = [];
    const running = createClient(transport).runJob('images.import', { path: '/x' }, {
      signal: controller.signal,
      onProgress: (p) => {
        progress.push(p.message);
        controller.abort();
      },
    });
    const error = await running.catch((e: unknown) => e);
    expect(isApiError(error, 'CANCELLED')).toBe(true);
    expect(progress).toEqual(['layer 1 of 2']);
    expect(transport.calls.map(([method]) => method)).toEqual(['images.import', 'jobs.cancel']);
  });

  it('runJob hands over output lines once each and in order, reading the ones it missed', async () => {
    const line = (seq: number) => ({ seq, kind: 'stdout', step: 2, text: `line ${seq}` });
    const transport = fakeTransport((method, input, push) => {
      if (method === 'jobs.output') {
        const since = (input as { since: number }).since;
        return { result: { jobId: 'j3', lines: [0, 1, 2, 3, 4].filter((seq) => seq >= since).map(line), first: 0, next: 5 } };
      }
      // Lines 0 and 1 went out before this client listened; 2–3 come twice; 4 after.
      push('jobs.output', { jobId: 'j3', lines: [line(2), line(3)] });
      push('jobs.output', { jobId: 'j9', lines: [line(0)] }); // another job's
      setTimeout(() => {
        push('jobs.output', { jobId: 'j3', lines: [line(3), line(4)] });
        push('jobs.done', { id: 'j3', kind: method, state: 'succeeded', startedAt: 'now', result: { id: 'img' } });
      });
      return { result: { id: 'j3', kind: method, state: 'running', startedAt: 'now' } };
    });
    const seen: number[] = [];
    await createClient(transport).runJob('images.build', { contextDir: '/x' }, { onOutput: (lines) => seen.push(...lines.map((l) => l.seq)) });
    expect(seen).toEqual([0, 1, 2, 3, 4]);
    expect(transport.calls.filter(([method]) => method === 'jobs.output')).toEqual([['jobs.output', { id: 'j3', since: 0 }]]);
  });
});
