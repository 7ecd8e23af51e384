// The transport root's read-only commands use (fallback-transport.ts): the system engine's,
// and the engine in the process itself only when the first cannot be reached at all.
import { describe, expect, it } from 'vitest';
import { fallbackTransport } from '../../src-main/connections/fallback-transport';
import type { ClosableTransport } from '../../src-main/connections/local-transport';
import type { Reply } from '@shared/api/protocol';

function fake(name: string, replies: Reply[], log: string[]): ClosableTransport {
  return {
    invoke: async (method) => {
      log.push(`${name} ${method}`);
      return replies.shift() ?? { result: name };
    },
    subscribe: () => () => undefined,
    close: () => void log.push(`${name} closed`),
  };
}

const unavailable: Reply = { error: { code: 'UNAVAILABLE', message: 'cannot reach the engine: no such socket' } };

describe('fallbackTransport', () => {
  it('stays with the first transport that answers, its errors included', async () => {
    const log: string[] = [];
    const transport = fallbackTransport(fake('system', [{ error: { code: 'NOT_FOUND', message: 'no such image' } }], log), () => fake('local', [], log));
    expect(await transport.invoke('images.inspect', { ref: 'x' })).toEqual({ error: { code: 'NOT_FOUND', message: 'no such image' } });
    expect(await transport.invoke('images.list', {})).toEqual({ result: 'system' });
    expect(log).toEqual(['system images.inspect', 'system images.list']);
  });

  it('uses the fallback for good when the first cannot be reached, the failed call included', async () => {
    const log: string[] = [];
    const transport = fallbackTransport(fake('system', [unavailable], log), () => fake('local', [], log));
    expect(await transport.invoke('containers.list', {})).toEqual({ result: 'local' });
    expect(await transport.invoke('images.list', {})).toEqual({ result: 'local' });
    transport.close();
    expect(log).toEqual(['system containers.list', 'system closed', 'local containers.list', 'local images.list', 'local closed']);
  });

  it('passes on an engine that went away after answering: that is its answer, not a reason to switch', async () => {
    const log: string[] = [];
    const transport = fallbackTransport(fake('system', [{ result: [] }, unavailable], log), () => fake('local', [], log));
    expect(await transport.invoke('containers.list', {})).toEqual({ result: [] });
    expect(await transport.invoke('images.list', {})).toEqual(unavailable);
    expect(log).toEqual(['system containers.list', 'system images.list']);
  });
});
