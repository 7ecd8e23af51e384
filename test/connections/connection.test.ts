// Which connection a front end picks: flags, environment and defaults, and bad addresses.
import { describe, expect, it } from 'vitest';
import { SYSTEM_SOCKET, resolveConnection, socketPathOf } from '../../src-main/connections/connection';
import { localTransport } from '../../src-main/connections/local-transport';
import type { ClientSession, SessionHost, SessionSink } from '../../src-main/connections/session-host';

const none = (): boolean => false;
const all = (): boolean => true;

describe('resolveConnection', () => {
  it('opens the store in this process for --root, and refuses --root with another connection', () => {
    expect(resolveConnection({ root: '/tmp/s', uid: 1000, env: {}, socketExists: all })).toEqual({ name: 'local', kind: 'local', root: '/tmp/s' });
    expect(() => resolveConnection({ root: '/tmp/s', connection: 'system', env: {} })).toThrow(/--root opens a store in this process/);
  });

  it('takes --connection over STRATA_HOST over STRATA_CONNECTION', () => {
    const env = { STRATA_HOST: 'unix:///tmp/a.sock', STRATA_CONNECTION: 'local' };
    expect(resolveConnection({ connection: 'system', env, uid: 1000 })).toEqual({ name: 'system', kind: 'socket', socketPath: SYSTEM_SOCKET });
    expect(resolveConnection({ env, uid: 1000 })).toEqual({ name: 'unix:///tmp/a.sock', kind: 'socket', socketPath: '/tmp/a.sock' });
    expect(resolveConnection({ env: { STRATA_CONNECTION: 'local' }, uid: 1000, socketExists: all })).toEqual({ name: 'local', kind: 'local' });
    expect(resolveConnection({ connection: 'system', env: { STRATA_SYSTEM_SOCKET: '/tmp/s.sock' } })).toMatchObject({ socketPath: '/tmp/s.sock' });
  });

  it('defaults to local for root, and for a normal user to the system engine only when its socket is there', () => {
    expect(resolveConnection({ env: {}, uid: 0, socketExists: all })).toEqual({ name: 'local', kind: 'local' });
    expect(resolveConnection({ env: {}, uid: 1000, socketExists: all })).toEqual({ name: 'system', kind: 'socket', socketPath: SYSTEM_SOCKET });
    expect(resolveConnection({ env: {}, uid: 1000, socketExists: none })).toEqual({ name: 'local', kind: 'local' });
  });

  it('refuses unknown names and addresses that are not unix:///absolute', () => {
    expect(() => resolveConnection({ connection: 'nope', env: {} })).toThrow(/no connection named "nope" \(have: local, system/);
    for (const bad of ['tcp://127.0.0.1:2375', 'unix://relative.sock', 'unix:///', '/run/strata/strata.sock']) {
      expect(() => socketPathOf(bad), bad).toThrow(/STRATA_HOST must be unix:\/\/\/absolute/);
    }
  });
});

describe('localTransport', () => {
  it('asks the session for an event once, fans it out, and ends the session on close', async () => {
    const asked: string[] = [];
    let sink: SessionSink = () => {};
    let closed = false;
    const host: SessionHost = {
      openSession(s): ClientSession {
        sink = s;
        return {
          call: (method, input) => Promise.resolve({ result: { method, input } }),
          subscribe: (event) => (asked.push(`+${event}`), { result: null }),
          unsubscribe: (event) => (asked.push(`-${event}`), { result: null }),
          close: () => void (closed = true),
        };
      },
    };
    const transport = localTransport(host);
    const seen: unknown[] = [];
    const stopA = transport.subscribe('containers.changed', (p) => seen.push(['a', p]));
    const stopB = transport.subscribe('containers.changed', (p) => seen.push(['b', p]));
    sink('containers.changed', 1);
    stopA();
    stopB();
    await Promise.resolve();
    expect(seen).toEqual([['a', 1], ['b', 1]]);
    expect(asked).toEqual(['+containers.changed', '-containers.changed']);
    expect(await transport.invoke('images.list', {})).toEqual({ result: { method: 'images.list', input: {} } });
    transport.close();
    expect(closed).toBe(true);
    expect(await transport.invoke('images.list', {})).toEqual({ error: { code: 'INTERNAL', message: 'the transport is closed' } });
  });
});
