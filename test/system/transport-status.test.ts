// What ws-transport tells about its connection (the part the system engine added): the
// status callback on open and drop (with the back-off delay when it will retry), a refusal
// (`{ id: null, error: PERMISSION_DENIED }` then close 4403) failing the calls in flight
// with the engine's message and never retried by itself, and a connect error described by
// the caller (EACCES on a socket) or else UNAVAILABLE with the error's text. Fake sockets.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type ConnectionStatus, REFUSED_CLOSE_CODE, type SocketLike, webSocketTransport } from '@shared/api/ws-transport';

class FakeSocket implements SocketLike {
  static made: FakeSocket[] = [];
  readyState = 0;
  private listeners = new Map<string, ((event: unknown) => void)[]>();

  constructor(readonly url: string) {
    FakeSocket.made.push(this);
  }

  addEventListener(type: string, listener: (event: unknown) => void): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }

  send(): void {}

  close(): void {
    this.end({});
  }

  open(): void {
    this.readyState = 1;
    this.fire('open', {});
  }

  receive(frame: unknown): void {
    this.fire('message', { data: JSON.stringify(frame) });
  }

  fail(event: unknown): void {
    this.fire('error', event);
  }

  end(event: { code?: number; reason?: string }): void {
    if (this.readyState === 3) return;
    this.readyState = 3;
    this.fire('close', event);
  }

  private fire(type: string, event: unknown): void {
    for (const listener of this.listeners.get(type) ?? []) listener(event);
  }
}

const last = (): FakeSocket => FakeSocket.made.at(-1)!;

beforeEach(() => {
  FakeSocket.made = [];
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

function transport(extra: Parameters<typeof webSocketTransport>[1] = {}) {
  const statuses: ConnectionStatus[] = [];
  const made = webSocketTransport('ws+unix:///run/strata/strata.sock:/api', { WebSocket: FakeSocket, onStatus: (status) => statuses.push(status), ...extra });
  return { made, statuses };
}

describe('connection status', () => {
  it('says connected on open and disconnected with the retry delay on a drop while listening', () => {
    const { made, statuses } = transport();
    made.subscribe('containers.changed', () => {});
    last().open();
    last().end({ code: 1006 });
    expect(statuses).toEqual([{ state: 'connected' }, { state: 'disconnected', error: { code: 'INTERNAL', message: 'the connection to the Strata engine closed' }, retryInMs: 1000 }]);
    vi.advanceTimersByTime(1000);
    expect(FakeSocket.made).toHaveLength(2);
    last().open();
    expect(statuses.at(-1)).toEqual({ state: 'connected' });
    made.close();
  });

  it('fails calls with the refusal the engine sent, and does not retry by itself', async () => {
    const { made, statuses } = transport();
    made.subscribe('containers.changed', () => {});
    const pending = made.invoke('system.info', {});
    last().open();
    const refusal = { code: 'PERMISSION_DENIED', message: 'you (uid 1001, user alice) are not in group strata: …' };
    last().receive({ id: null, error: refusal });
    last().end({ code: REFUSED_CLOSE_CODE, reason: 'PERMISSION_DENIED' });
    expect(await pending).toEqual({ error: refusal });
    expect(statuses.at(-1)).toEqual({ state: 'disconnected', error: refusal });
    vi.advanceTimersByTime(120_000);
    expect(FakeSocket.made).toHaveLength(1);
    // The next call tries again (the user may have logged in anew).
    void made.invoke('system.info', {});
    expect(FakeSocket.made).toHaveLength(2);
    made.close();
  });

  it('takes a 4403 close without a frame as a refusal with its reason', async () => {
    const { made } = transport();
    const pending = made.invoke('system.info', {});
    last().open();
    last().end({ code: REFUSED_CLOSE_CODE, reason: 'not in group strata' });
    expect(await pending).toEqual({ error: { code: 'PERMISSION_DENIED', message: 'not in group strata' } });
    made.close();
  });

  it('describes a connect error with the caller’s help, else as UNAVAILABLE', async () => {
    const denied = { code: 'PERMISSION_DENIED' as const, message: 'ask an admin' };
    const described = transport({ describeConnectError: (error) => ((error as { code?: string }).code === 'EACCES' ? denied : undefined) });
    const refused = described.made.invoke('system.info', {});
    last().fail({ message: 'connect EACCES /run/strata/strata.sock', error: { code: 'EACCES' } });
    last().end({ code: 1006 });
    expect(await refused).toEqual({ error: denied });

    const plain = transport();
    const missing = plain.made.invoke('system.info', {});
    last().fail({ message: 'connect ENOENT /run/strata/strata.sock', error: { code: 'ENOENT' } });
    last().end({ code: 1006 });
    expect(await missing).toEqual({ error: { code: 'UNAVAILABLE', message: 'cannot reach the Strata engine: connect ENOENT /run/strata/strata.sock' } });
    described.made.close();
    plain.made.close();
  });
});
