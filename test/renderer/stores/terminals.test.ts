// The terminals store (src-renderer/src/stores/terminals.ts) over a fake engine: a session
// opened with the screen's size, its output (even what comes before the open's answer)
// decoded onto the screen, typing and resizing sent as the API wants, the end shown with
// why, a reopen starting afresh, and sessions ended when the connection drops.
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { type TerminalScreen, useTerminalsStore } from '../../../src-renderer/src/stores/terminals';
import { deferred, engine, settle } from '../fake-engine';

vi.mock('../../../src-renderer/src/api/bridge', () => import('../fake-engine').then((m) => m.bridgeModule));

const b64 = (text: string): string => btoa(text); // ASCII only here

/** A screen that remembers what was written to it as text. */
function fakeScreen(): TerminalScreen & { text: string; resets: number; disposed: boolean } {
  const decoder = new TextDecoder();
  return {
    text: '',
    resets: 0,
    disposed: false,
    write(data) {
      this.text += decoder.decode(data);
    },
    reset() {
      this.resets++;
      this.text = '';
    },
    dispose() {
      this.disposed = true;
    },
  };
}

let sessions = 0;
beforeEach(() => {
  engine.reset();
  setActivePinia(createPinia());
  engine.answer('terminal.open', ({ ref }) => ({ session: `s${++sessions}`, container: ref }));
  engine.answer('terminal.input', () => undefined);
  engine.answer('terminal.resize', () => undefined);
  engine.answer('terminal.close', () => undefined);
});

describe('terminals', () => {
  it('opens a shell with the screen size, writes its output and sends what is typed', async () => {
    const store = useTerminalsStore();
    const screen = fakeScreen();
    store.setScreen('c1', screen);
    await store.open('c1', { kind: 'exec', command: ['/bin/sh'] }, { rows: 24, cols: 80 });
    expect(engine.inputsOf('terminal.open')).toEqual([{ ref: 'c1', exec: { command: ['/bin/sh'] }, rows: 24, cols: 80 }]);
    const session = store.terminals.c1!.session!;
    expect(store.terminals.c1!.status).toBe('open');

    engine.emit('terminal.output', { session, data: b64('/ # ') });
    engine.emit('terminal.output', { session: 'someone-else', data: b64('not ours') });
    expect(screen.text).toBe('/ # ');

    await store.input('c1', 'echo $((6*7))\r');
    expect(engine.inputsOf('terminal.input')).toEqual([{ session, data: b64('echo $((6*7))\r') }]);

    await store.resize('c1', 30, 100);
    await store.resize('c1', 30, 100); // the same size again sends nothing
    await store.resize('c1', 24, 80);
    expect(engine.inputsOf('terminal.resize')).toEqual([
      { session, rows: 30, cols: 100 },
      { session, rows: 24, cols: 80 },
    ]);
  });

  it('keeps output that comes before the open answers (the scrollback of an attach)', async () => {
    const store = useTerminalsStore();
    const screen = fakeScreen();
    store.setScreen('c1', screen);
    const answer = deferred<{ session: string; container: string }>();
    engine.answer('terminal.open', () => answer.promise);
    const opening = store.open('c1', { kind: 'attach' }, { rows: 10, cols: 40 });
    await settle();
    expect(store.terminals.c1!.status).toBe('opening');
    engine.emit('terminal.output', { session: 'early', data: b64('old lines\r\n') });
    answer.resolve({ session: 'early', container: 'c1' });
    await opening;
    expect(engine.inputsOf('terminal.open')).toEqual([{ ref: 'c1', rows: 10, cols: 40 }]);
    expect(screen.text).toBe('old lines\r\n');
  });

  it('starts a stopped container it attaches to when asked', async () => {
    const store = useTerminalsStore();
    await store.open('c1', { kind: 'attach', start: true }, { rows: 10, cols: 40 });
    expect(engine.inputsOf('terminal.open')).toEqual([{ ref: 'c1', start: true, rows: 10, cols: 40 }]);
  });

  it('shows the end: exit code, and a reopen clears the screen and leaves nothing behind', async () => {
    const store = useTerminalsStore();
    const screen = fakeScreen();
    store.setScreen('c1', screen);
    await store.open('c1', { kind: 'exec', command: ['sh'] }, { rows: 24, cols: 80 });
    const first = store.terminals.c1!.session!;
    engine.emit('terminal.exit', { session: first, exitCode: 3, reason: 'exited' });
    expect(store.terminals.c1).toMatchObject({ status: 'ended', exit: { exitCode: 3, reason: 'exited' } });
    await store.input('c1', 'x'); // nothing to type into
    expect(engine.inputsOf('terminal.input')).toEqual([]);

    await store.open('c1', { kind: 'exec', command: ['sh'] }, { rows: 24, cols: 80 });
    expect(screen.resets).toBe(2);
    expect(store.terminals.c1).toMatchObject({ status: 'open' });
    expect(store.terminals.c1!.exit).toBeUndefined();
    expect(engine.inputsOf('terminal.close')).toEqual([]); // the first had ended by itself
  });

  it('says why an open failed', async () => {
    engine.fail('terminal.open', 'CONFLICT', 'container c1 is not running');
    const store = useTerminalsStore();
    await store.open('c1', { kind: 'attach' }, { rows: 24, cols: 80 });
    expect(store.terminals.c1).toMatchObject({ status: 'ended', error: 'container c1 is not running' });
  });

  it('shows input the engine refuses, and detaches on leave', async () => {
    const store = useTerminalsStore();
    await store.open('c1', { kind: 'exec', command: ['sh'] }, { rows: 24, cols: 80 });
    const session = store.terminals.c1!.session!;
    engine.fail('terminal.input', 'CONFLICT', 'the terminal takes input slower than it comes');
    await store.input('c1', 'yes\r');
    expect(store.terminals.c1!.error).toBe('the terminal takes input slower than it comes');
    await store.leave('c1');
    expect(engine.inputsOf('terminal.close')).toEqual([{ session }]);
    expect(store.terminals.c1).toMatchObject({ status: 'ended', detached: true });
  });

  it('ends every session as lost when the connection drops', async () => {
    const store = useTerminalsStore();
    await store.open('c1', { kind: 'exec', command: ['sh'] }, { rows: 24, cols: 80 });
    await store.open('c2', { kind: 'attach' }, { rows: 24, cols: 80 });
    engine.emit('connection.changed', { name: 'system', kind: 'socket', address: '/run/strata.sock', state: 'connecting', detail: 'gone', available: [], switchable: false, canInstallSystem: false });
    expect(store.terminals.c1).toMatchObject({ status: 'ended', exit: { reason: 'lost' } });
    expect(store.terminals.c2).toMatchObject({ status: 'ended', exit: { reason: 'lost' } });
  });

  it('forgets a removed container: detaches and frees its screen', async () => {
    const store = useTerminalsStore();
    const screen = fakeScreen();
    store.setScreen('c1', screen);
    await store.open('c1', { kind: 'exec', command: ['sh'] }, { rows: 24, cols: 80 });
    await store.forget('c1');
    expect(engine.inputsOf('terminal.close')).toHaveLength(1);
    expect(screen.disposed).toBe(true);
    expect(store.terminals.c1).toBeUndefined();
    expect(store.screen('c1')).toBeUndefined();
  });

  it("opens the container's shell when no command is given, and keeps the command the engine chose", async () => {
    const store = useTerminalsStore();
    engine.answer('terminal.open', ({ ref }) => ({ session: `s${++sessions}`, container: ref, exec: { id: 'exec-0000abcd', command: ['/bin/bash'] } }));
    await store.open('c1', { kind: 'exec' }, { rows: 24, cols: 80 });
    expect(engine.inputsOf('terminal.open')).toEqual([{ ref: 'c1', exec: {}, rows: 24, cols: 80 }]);
    expect(store.terminals.c1).toMatchObject({ status: 'open', exec: { id: 'exec-0000abcd', command: ['/bin/bash'] } });
  });

  it('lists the shells left running (not the one it shows), attaches to one again, and asks again when the engine is back', async () => {
    const store = useTerminalsStore();
    const running = [
      { id: 'exec-00000001', container: 'c1', command: ['/bin/sh'], startedAt: '2026-01-01T10:00:00Z' },
      { id: 'exec-00000002', container: 'c1', command: ['top'], startedAt: '2026-01-01T10:05:00Z' },
    ];
    engine.answer('terminal.list', () => running);
    engine.answer('terminal.open', ({ ref, reattach }) => ({ session: `s${++sessions}`, container: ref, exec: { id: reattach!, command: ['/bin/sh'] } }));
    await store.refreshLive('c1');
    expect(store.live.c1?.map((session) => session.id)).toEqual(['exec-00000001', 'exec-00000002']);

    await store.open('c1', { kind: 'reattach', execSession: 'exec-00000001', command: ['/bin/sh'] }, { rows: 30, cols: 90 });
    expect(engine.inputsOf('terminal.open')).toEqual([{ ref: 'c1', reattach: 'exec-00000001', rows: 30, cols: 90 }]);
    await store.refreshLive('c1');
    expect(store.live.c1?.map((session) => session.id)).toEqual(['exec-00000002']);

    engine.fail('terminal.list', 'NOT_FOUND', 'no such container');
    await store.refreshLive('c1');
    expect(store.live.c1).toBeUndefined();

    engine.answer('terminal.list', () => running.slice(1));
    engine.emit('connection.changed', { name: 'system', kind: 'socket', address: '/run/strata.sock', state: 'connected', detail: '', available: [], switchable: false, canInstallSystem: false });
    await settle();
    expect(store.live.c1?.map((session) => session.id)).toEqual(['exec-00000002']);
  });

  it('asks again for the shells left running when the engine is back, for a panel that never opened one (a reloaded window)', async () => {
    const store = useTerminalsStore();
    engine.fail('terminal.list', 'UNAVAILABLE', 'cannot reach the Strata engine');
    await store.refreshLive('c2');
    expect(store.live.c2).toBeUndefined();
    engine.answer('terminal.list', () => [{ id: 'exec-00000003', container: 'c2', command: ['/bin/sh'], startedAt: '2026-01-01T10:00:00Z' }]);
    engine.emit('connection.changed', { name: 'system', kind: 'socket', address: '/run/strata.sock', state: 'connected', detail: '', available: [], switchable: false, canInstallSystem: false });
    await settle();
    expect(store.live.c2?.map((session) => session.id)).toEqual(['exec-00000003']);
    await store.forget('c2');
    engine.emit('connection.changed', { name: 'system', kind: 'socket', address: '/run/strata.sock', state: 'connected', detail: '', available: [], switchable: false, canInstallSystem: false });
    await settle();
    expect(store.live.c2).toBeUndefined(); // a forgotten container is not asked about
  });

  it('remembers once that a container just run with -it shows its terminal first', () => {
    const store = useTerminalsStore();
    store.want('c1');
    expect(store.wanted('c1')).toBe(true);
    expect(store.takeWanted('c1')).toBe(true);
    expect(store.takeWanted('c1')).toBe(false);
  });
});
