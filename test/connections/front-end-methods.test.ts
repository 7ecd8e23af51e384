// connection.* answered by the front end in front of an engine's sessions: info, switching
// (or UNSUPPORTED where bound), the change event only to subscribers, everything else passed on.
import { describe, expect, it } from 'vitest';
import type { ConnectionInfo } from '@shared/api/types/connection';
import { type ConnectionProvider, withConnectionMethods } from '../../src-main/connections/front-end-methods';
import type { SessionHost } from '../../src-main/connections/session-host';

const status = (name: string, state: ConnectionInfo['state'] = 'connected') => ({ name, kind: 'socket' as const, address: `/run/${name}.sock`, state, detail: null });
const info = (name: string, state: ConnectionInfo['state'] = 'connected'): ConnectionInfo => ({ ...status(name, state), available: [status(name, state)], switchable: false, canInstallSystem: false });

function engineHost(log: string[]): SessionHost {
  return {
    openSession: () => ({
      call: async (method) => (log.push(`call ${method}`), { result: method }),
      subscribe: (event) => (log.push(`+${event}`), { result: null }),
      unsubscribe: (event) => (log.push(`-${event}`), { result: null }),
      close: () => void log.push('close'),
    }),
  };
}

function boundProvider(current: ConnectionInfo): ConnectionProvider & { change(next: ConnectionInfo): void } {
  const listeners = new Set<(info: ConnectionInfo) => void>();
  return {
    info: () => current,
    onChange: (listener) => (listeners.add(listener), () => listeners.delete(listener)),
    change(next) {
      current = next;
      for (const listener of listeners) listener(next);
    },
  };
}

describe('withConnectionMethods', () => {
  it('answers connection.info and refuses switching where bound; other calls reach the engine', async () => {
    const log: string[] = [];
    const session = withConnectionMethods(engineHost(log), boundProvider(info('system'))).openSession(() => {});
    expect(await session.call('connection.info', {})).toEqual({ result: info('system') });
    expect(await session.call('connection.use', { name: 'local' })).toEqual({ error: { code: 'UNSUPPORTED', message: expect.stringMatching(/bound to system.*--connection/) } });
    expect(await session.call('connection.use', { nom: 'x' })).toMatchObject({ error: { code: 'INVALID_ARGUMENT' } });
    expect(await session.call('connection.installSystem', {})).toMatchObject({ error: { code: 'UNSUPPORTED', message: expect.stringMatching(/sudo strata system install/) } });
    expect(await session.call('images.list', {})).toEqual({ result: 'images.list' });
    expect(log).toEqual(['call images.list']);
  });

  it('sends connection.changed only to a subscribed session, and stops on unsubscribe and close', async () => {
    const log: string[] = [];
    const provider = boundProvider(info('system'));
    const host = withConnectionMethods(engineHost(log), provider);
    const seenA: unknown[] = [];
    const seenB: unknown[] = [];
    const a = host.openSession((event, payload) => seenA.push([event, payload]));
    host.openSession((event, payload) => seenB.push([event, payload]));
    a.subscribe('connection.changed');
    a.subscribe('containers.changed');
    provider.change(info('system', 'connecting'));
    a.unsubscribe('connection.changed');
    provider.change(info('system'));
    a.close();
    expect(seenA).toEqual([['connection.changed', info('system', 'connecting')]]);
    expect(seenB).toEqual([]);
    expect(log).toEqual(['+containers.changed', 'close']);
  });

  it('switches through the provider where it can', async () => {
    const provider: ConnectionProvider = { ...boundProvider(info('system')), use: async (name) => info(name) };
    const session = withConnectionMethods(engineHost([]), provider).openSession(() => {});
    expect(await session.call('connection.use', { name: 'local' })).toEqual({ result: info('local') });
  });
});
