// Which connection a front end picks: flags, environment and defaults, and bad addresses.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SYSTEM_SOCKET, connectionName, hasSubordinateIds, resolveConnection, socketPathOf } from '../../src-main/connections/connection';
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

  it('defaults to local for root; for a normal user to the system engine when its socket is there, else rootless when they have subordinate ids, else local', () => {
    expect(resolveConnection({ env: {}, uid: 0, socketExists: all, hasSubordinateIds: all })).toEqual({ name: 'local', kind: 'local', byDefault: true });
    expect(resolveConnection({ env: {}, uid: 1000, socketExists: all, hasSubordinateIds: all })).toEqual({ name: 'system', kind: 'socket', socketPath: SYSTEM_SOCKET });
    const env = { XDG_RUNTIME_DIR: '/nonexistent/run', HOME: '/home/u' };
    expect(resolveConnection({ env, uid: 1000, socketExists: none, hasSubordinateIds: all })).toEqual({ name: 'rootless', kind: 'socket', socketPath: '/tmp/strata-run-1000/strata.sock', startOnDemand: 'rootless' });
    expect(resolveConnection({ env: {}, uid: 1000, socketExists: none, hasSubordinateIds: none })).toEqual({ name: 'local', kind: 'local' });
  });

  it('names the rootless engine: its socket in the runtime dir, started on demand, by name or by default', () => {
    const run = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-xdg-'));
    try {
      const env = { XDG_RUNTIME_DIR: run };
      const target = { name: 'rootless', kind: 'socket', socketPath: path.join(run, 'strata', 'strata.sock'), startOnDemand: 'rootless' };
      expect(resolveConnection({ connection: 'rootless', env, uid: process.getuid!() })).toEqual(target);
      expect(resolveConnection({ env: { ...env, STRATA_CONNECTION: 'rootless' }, uid: process.getuid!() })).toEqual(target);
      expect(connectionName(target.socketPath, env)).toBe('rootless');
    } finally {
      fs.rmSync(run, { recursive: true });
    }
  });

  it('reads subordinate ranges by user name or uid, in both files', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-subid-'));
    try {
      const file = (name: string, text: string) => (fs.writeFileSync(path.join(dir, name), text), path.join(dir, name));
      const files = { passwd: file('passwd', 'ann:x:1000:1000::/home/ann:/bin/sh\nbob:x:1001:1001::/home/bob:/bin/sh\n'), subuid: file('subuid', 'ann:100000:65536\n1001:200000:65536\n'), subgid: file('subgid', 'ann:100000:65536\n') };
      expect(hasSubordinateIds(1000, files)).toBe(true);
      expect(hasSubordinateIds(1001, files)).toBe(false); // a uid range, but no gid range
      expect(hasSubordinateIds(1002, files)).toBe(false);
    } finally {
      fs.rmSync(dir, { recursive: true });
    }
  });

  it('refuses unknown names and addresses that are not unix:///absolute', () => {
    expect(() => resolveConnection({ connection: 'nope', env: {} })).toThrow(/no connection named "nope" \(have: local, system, rootless/);
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
