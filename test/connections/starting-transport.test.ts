// The rootless connection's transport: calls wait for the engine's start and then go to the
// socket's transport; a start that fails answers every call with its error (its code kept);
// subscriptions made meanwhile reach the socket once it is there; closing closes it.
import { describe, expect, it } from 'vitest';
import type { ClosableTransport } from '../../src-main/connections/local-transport';
import { startingTransport } from '../../src-main/connections/starting-transport';
import { StrataError } from '@shared/errors';

function fakeSocket(log: string[]): ClosableTransport {
  return {
    invoke: async (method) => (log.push(`call ${method}`), { result: method }),
    subscribe: (event) => (log.push(`+${event}`), () => void log.push(`-${event}`)),
    close: () => void log.push('close'),
  };
}

describe('startingTransport', () => {
  it('connects once started: calls and subscriptions made before go through after', async () => {
    const log: string[] = [];
    let started!: () => void;
    const start = new Promise<void>((resolve) => (started = resolve));
    const transport = startingTransport(() => start, () => (log.push('connect'), fakeSocket(log)));
    const stop = transport.subscribe('containers.changed', () => {});
    const reply = transport.invoke('images.list', {});
    expect(log).toEqual([]);
    started();
    expect(await reply).toEqual({ result: 'images.list' });
    expect(log).toEqual(['connect', '+containers.changed', 'call images.list']);
    stop();
    transport.close();
    await Promise.resolve();
    expect(log.slice(3)).toEqual(['-containers.changed', 'close']);
  });

  it('answers every call with the start\'s error, and never connects', async () => {
    const log: string[] = [];
    const transport = startingTransport(
      () => Promise.reject(new StrataError('UNSUPPORTED', 'user ann has no subordinate uid range')),
      () => (log.push('connect'), fakeSocket(log)),
    );
    expect(await transport.invoke('system.info', {})).toEqual({ error: { code: 'UNSUPPORTED', message: 'user ann has no subordinate uid range' } });
    expect(await transport.invoke('images.list', {})).toMatchObject({ error: { code: 'UNSUPPORTED' } });
    transport.close();
    expect(log).toEqual([]);
  });
});
