// The logs store (src-renderer/src/stores/logs.ts) over a fake engine: which follow is live
// (one at a time, each unfollowed when left), lines that arrive before the follow's answer,
// a follow that ends with an error, the bounded line buffer, search and stream choices, and
// a paused view (lines held back and counted, shown on resume).
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { LogLine } from '@shared/api/types/containers';
import { MAX_LINES, useLogsStore } from '../../../src-renderer/src/stores/logs';
import { deferred, engine, settle } from '../fake-engine';

vi.mock('../../../src-renderer/src/api/bridge', () => import('../fake-engine').then((m) => m.bridgeModule));

const line = (log: string, stream: LogLine['stream'] = 'stdout'): LogLine => ({ time: '2024-05-01T10:00:00.000Z', stream, log });
const texts = (lines: readonly LogLine[]) => lines.map((l) => l.log);

/** Each logs.follow answers with the next id: f1, f2, … */
function numberFollows(): void {
  let n = 0;
  engine.answer('logs.follow', ({ ref }) => ({ follow: `f${++n}`, container: ref }));
  engine.answer('logs.unfollow', () => undefined);
}

beforeEach(() => {
  engine.reset();
  setActivePinia(createPinia());
  numberFollows();
});

describe('following', () => {
  it('follows the opened container from its last 1000 lines, showing only its own follow\'s lines', async () => {
    const store = useLogsStore();
    await store.open('c1');
    expect(engine.inputsOf('logs.follow')).toEqual([{ ref: 'c1', tail: 1000 }]);
    expect(store.following).toBe(true);
    engine.emit('logs.lines', { follow: 'f1', container: 'c1', lines: [line('one'), line('two')] });
    engine.emit('logs.lines', { follow: 'f-other', container: 'c9', lines: [line('not mine')] });
    engine.emit('logs.lines', { follow: 'f1', container: 'c1', lines: [line('three')] });
    expect(texts(store.lines)).toEqual(['one', 'two', 'three']);
  });

  it('keeps lines that come before the follow\'s answer, in order', async () => {
    const answer = deferred<{ follow: string; container: string }>();
    engine.answer('logs.follow', () => answer.promise);
    const store = useLogsStore();
    const opening = store.open('c1');
    await settle();
    engine.emit('logs.lines', { follow: 'early', container: 'c1', lines: [line('a')] });
    engine.emit('logs.lines', { follow: 'early', container: 'c1', lines: [line('b')] });
    answer.resolve({ follow: 'early', container: 'c1' });
    await opening;
    engine.emit('logs.lines', { follow: 'early', container: 'c1', lines: [line('c')] });
    expect(texts(store.lines)).toEqual(['a', 'b', 'c']);
  });

  it('unfollows when following is turned off, keeps the lines, and reads the tail again when on', async () => {
    const store = useLogsStore();
    await store.open('c1');
    engine.emit('logs.lines', { follow: 'f1', container: 'c1', lines: [line('one')] });
    await store.setFollowing(false);
    expect(engine.inputsOf('logs.unfollow')).toEqual([{ follow: 'f1' }]);
    expect(store.following).toBe(false);
    engine.emit('logs.lines', { follow: 'f1', container: 'c1', lines: [line('late')] }); // sent before the unfollow landed
    expect(texts(store.lines)).toEqual(['one']);
    await store.setFollowing(true);
    expect(texts(store.lines)).toEqual([]); // the tail comes again
    engine.emit('logs.lines', { follow: 'f2', container: 'c1', lines: [line('one'), line('two')] });
    expect(texts(store.lines)).toEqual(['one', 'two']);
  });

  it('unfollows at once a follow that answers after following was turned off', async () => {
    const answer = deferred<{ follow: string; container: string }>();
    engine.answer('logs.follow', () => answer.promise);
    const store = useLogsStore();
    const opening = store.open('c1');
    await settle();
    await store.setFollowing(false);
    answer.resolve({ follow: 'slow', container: 'c1' });
    await opening;
    await settle();
    expect(engine.inputsOf('logs.unfollow')).toEqual([{ follow: 'slow' }]);
    engine.emit('logs.lines', { follow: 'slow', container: 'c1', lines: [line('x')] });
    expect(store.lines).toEqual([]);
  });

  it('moving to another container unfollows the first, even when its follow answers late', async () => {
    const first = deferred<{ follow: string; container: string }>();
    engine.answer('logs.follow', ({ ref }) => (ref === 'c1' ? first.promise : { follow: 'fB', container: ref }));
    const store = useLogsStore();
    const openingA = store.open('c1');
    await settle();
    await store.open('c2');
    first.resolve({ follow: 'fA', container: 'c1' });
    await openingA;
    await settle();
    expect(engine.inputsOf('logs.unfollow')).toEqual([{ follow: 'fA' }]);
    expect(store.container).toBe('c2');
    engine.emit('logs.lines', { follow: 'fA', container: 'c1', lines: [line('from c1')] });
    engine.emit('logs.lines', { follow: 'fB', container: 'c2', lines: [line('from c2')] });
    expect(texts(store.lines)).toEqual(['from c2']);
  });

  it('closing unfollows and stops listening', async () => {
    const store = useLogsStore();
    await store.open('c1');
    expect(engine.listening('logs.lines')).toBe(true);
    await store.close();
    expect(engine.inputsOf('logs.unfollow')).toEqual([{ follow: 'f1' }]);
    expect(engine.listening('logs.lines')).toBe(false);
    expect(store.container).toBeUndefined();
    await store.setFollowing(true); // nothing open: nothing to follow
    expect(engine.inputsOf('logs.follow')).toHaveLength(1);
  });

  it('turning following on again while on leaves no follow behind', async () => {
    const store = useLogsStore();
    await store.open('c1');
    await store.setFollowing(true);
    expect(engine.inputsOf('logs.unfollow')).toEqual([{ follow: 'f1' }]);
    engine.emit('logs.lines', { follow: 'f2', container: 'c1', lines: [line('tail')] });
    expect(texts(store.lines)).toEqual(['tail']);
  });
});

describe('errors', () => {
  it('shows why a follow could not start', async () => {
    engine.fail('logs.follow', 'NOT_FOUND', 'no such container: c1');
    const store = useLogsStore();
    await store.open('c1');
    expect(store.error).toBe('no such container: c1');
    expect(store.following).toBe(false);
  });

  it('stops following when the follow ends with an error, and follows afresh when asked', async () => {
    const store = useLogsStore();
    await store.open('c1');
    engine.emit('logs.lines', { follow: 'f1', container: 'c1', lines: [line('before')] });
    engine.emit('logs.lines', { follow: 'f1', container: 'c1', lines: [], error: { code: 'INTERNAL', message: 'the log file went away' } });
    expect(store.error).toBe('the log file went away');
    expect(store.following).toBe(false);
    expect(texts(store.lines)).toEqual(['before']);

    // The new follow's first lines come before its answer: they must not be taken for the ended one's.
    const answer = deferred<{ follow: string; container: string }>();
    engine.answer('logs.follow', () => answer.promise);
    const refollowing = store.setFollowing(true);
    await settle();
    engine.emit('logs.lines', { follow: 'f2', container: 'c1', lines: [line('tail 1'), line('tail 2')] });
    answer.resolve({ follow: 'f2', container: 'c1' });
    await refollowing;
    expect(texts(store.lines)).toEqual(['tail 1', 'tail 2']);
    expect(store.following).toBe(true);
    // The ended follow is the engine's to forget: not unfollowed (it would answer NOT_FOUND).
    expect(engine.inputsOf('logs.unfollow')).toEqual([]);
  });
});

describe('the lines shown', () => {
  it('keeps the newest MAX_LINES (5000)', async () => {
    expect(MAX_LINES).toBe(5000);
    const store = useLogsStore();
    await store.open('c1');
    const batch = (from: number, count: number) => Array.from({ length: count }, (_, i) => line(`l${from + i}`));
    engine.emit('logs.lines', { follow: 'f1', container: 'c1', lines: batch(0, 4999) });
    expect(store.lines).toHaveLength(4999);
    engine.emit('logs.lines', { follow: 'f1', container: 'c1', lines: batch(4999, 3) });
    expect(store.lines).toHaveLength(5000);
    expect(store.lines[0]?.log).toBe('l2');
    expect(store.lines.at(-1)?.log).toBe('l5001');
  });

  it('filters by text, case-blind, and by stream', async () => {
    const store = useLogsStore();
    await store.open('c1');
    engine.emit('logs.lines', { follow: 'f1', container: 'c1', lines: [line('Starting server'), line('WARN: slow disk', 'stderr'), line('listening on :80'), line('warn again', 'stderr')] });
    store.search = 'WARN';
    expect(texts(store.visible)).toEqual(['WARN: slow disk', 'warn again']);
    store.search = '';
    store.streams = { stdout: false, stderr: true };
    expect(texts(store.visible)).toEqual(['WARN: slow disk', 'warn again']);
    store.streams = { stdout: true, stderr: false };
    store.search = 'on';
    expect(texts(store.visible)).toEqual(['listening on :80']);
  });
});

describe('a paused view', () => {
  const emit = (...logs: string[]) => engine.emit('logs.lines', { follow: 'f1', container: 'c1', lines: logs.map((log) => line(log)) });

  it('holds arriving lines back and counts them, the follow going on', async () => {
    const store = useLogsStore();
    await store.open('c1');
    emit('one', 'two');
    store.pause();
    expect(store.paused).toBe(true);
    expect(store.following).toBe(true);
    expect(store.newLines).toBe(0);
    emit('three');
    emit('four', 'five');
    expect(texts(store.lines)).toEqual(['one', 'two']); // what is being read stays put
    expect(store.newLines).toBe(3);
    expect(engine.inputsOf('logs.unfollow')).toEqual([]);
  });

  it('shows the held lines on resume, then follows the end again', async () => {
    const store = useLogsStore();
    await store.open('c1');
    emit('one');
    store.pause();
    emit('two', 'three');
    await store.resume();
    expect(store.paused).toBe(false);
    expect(store.newLines).toBe(0);
    expect(texts(store.lines)).toEqual(['one', 'two', 'three']);
    emit('four');
    expect(texts(store.lines)).toEqual(['one', 'two', 'three', 'four']);
    expect(engine.inputsOf('logs.follow')).toHaveLength(1); // the same follow throughout
  });

  it('counts only the held lines the search and streams would show', async () => {
    const store = useLogsStore();
    await store.open('c1');
    store.pause();
    engine.emit('logs.lines', { follow: 'f1', container: 'c1', lines: [line('GET /'), line('oops', 'stderr'), line('GET /a')] });
    expect(store.newLines).toBe(3);
    store.search = 'get';
    expect(store.newLines).toBe(2);
    store.streams = { stdout: false, stderr: true };
    expect(store.newLines).toBe(0);
  });

  it('keeps no more than MAX_LINES, held ones included', async () => {
    const store = useLogsStore();
    await store.open('c1');
    emit('first');
    store.pause();
    engine.emit('logs.lines', { follow: 'f1', container: 'c1', lines: Array.from({ length: MAX_LINES + 10 }, (_, i) => line(`h${i}`)) });
    expect(store.newLines).toBe(MAX_LINES);
    await store.resume();
    expect(store.lines).toHaveLength(MAX_LINES);
    expect(store.lines.at(-1)?.log).toBe(`h${MAX_LINES + 9}`);
  });

  it('resuming after the follow ended follows afresh from the tail', async () => {
    const store = useLogsStore();
    await store.open('c1');
    store.pause();
    engine.emit('logs.lines', { follow: 'f1', container: 'c1', lines: [], error: { code: 'INTERNAL', message: 'the log file went away' } });
    expect(store.following).toBe(false);
    await store.resume();
    expect(engine.inputsOf('logs.follow')).toHaveLength(2);
    expect(store.following).toBe(true);
    expect(store.paused).toBe(false);
  });

  it('opening another container starts unpaused, with nothing held', async () => {
    const store = useLogsStore();
    await store.open('c1');
    store.pause();
    emit('held');
    await store.open('c2');
    expect(store.paused).toBe(false);
    expect(store.newLines).toBe(0);
  });
});
