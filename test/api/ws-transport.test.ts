// The browser's WebSocket transport (src-main/api/ws-transport.ts; the renderer's api/bridge
// uses it when served by `strata serve`) against a fake socket and fake timers: reconnecting
// with back-off (1 s, doubling, at most 30 s, back to 1 s once open) while anyone listens,
// every listened event subscribed again on the new socket before waiting calls, pending calls
// failed on a drop, and no reconnecting once closed or with nobody listening. The real socket
// and server are exercised in server.test.ts; here only the transport's own bookkeeping.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Reply } from '@shared/api/protocol';
import { type SocketLike, webSocketTransport } from '@shared/api/ws-transport';

const SOCKET_URL = 'ws://127.0.0.1:1/api?token=t';
const CLOSED_MESSAGE = 'the connection to the Strata engine closed';

/** A WebSocket whose life the test drives: open(), drop(), refuse(), and frames in and out. */
class FakeSocket implements SocketLike {
  static made: FakeSocket[] = [];
  readyState = 0;
  /** Frames the transport sent, parsed. */
  sent: Record<string, unknown>[] = [];
  private listeners = new Map<string, ((event: unknown) => void)[]>();

  constructor(readonly url: string) {
    FakeSocket.made.push(this);
  }

  static get last(): FakeSocket {
    return FakeSocket.made[FakeSocket.made.length - 1]!;
  }

  addEventListener(type: string, listener: (event: unknown) => void): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }

  send(data: string): void {
    if (this.readyState !== 1) throw new Error('send on a socket that is not open');
    this.sent.push(JSON.parse(data) as Record<string, unknown>);
  }

  close(): void {
    this.drop();
  }

  open(): void {
    this.readyState = 1;
    this.fire('open', {});
  }

  /** The connection ends (the engine went away). */
  drop(): void {
    if (this.readyState === 3) return;
    this.readyState = 3;
    this.fire('close', {});
  }

  /** The connection never opens (nothing listens on the port): error, then close. */
  refuse(): void {
    this.readyState = 3;
    this.fire('error', {});
    this.fire('close', {});
  }

  receive(frame: unknown): void {
    this.receiveRaw(JSON.stringify(frame));
  }

  receiveRaw(data: unknown): void {
    this.fire('message', { data });
  }

  /** The subscribe / unsubscribe frames sent, as "subscribe x" or "unsubscribe x". */
  subscriptions(): string[] {
    return this.sent.filter((f) => 'subscribe' in f || 'unsubscribe' in f).map((f) => ('subscribe' in f ? `subscribe ${String(f.subscribe)}` : `unsubscribe ${String(f.unsubscribe)}`));
  }

  private fire(type: string, event: unknown): void {
    for (const listener of this.listeners.get(type) ?? []) listener(event);
  }
}

beforeEach(() => {
  FakeSocket.made = [];
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

const transportOverFakes = () => webSocketTransport(SOCKET_URL, { WebSocket: FakeSocket });

/** Lets `ms` pass and says whether a new socket was made meanwhile. */
function reconnectsAfter(ms: number): boolean {
  const before = FakeSocket.made.length;
  vi.advanceTimersByTime(ms);
  return FakeSocket.made.length > before;
}

describe('reconnecting', () => {
  it('backs off 1, 2, 4, 8, 16 s, then every 30 s, while the engine stays away', () => {
    const transport = transportOverFakes();
    transport.subscribe('containers.changed', () => {});
    FakeSocket.last.open();
    FakeSocket.last.drop();
    for (const delay of [1000, 2000, 4000, 8000, 16_000, 30_000, 30_000]) {
      expect(reconnectsAfter(delay - 1), `before ${delay} ms`).toBe(false);
      expect(reconnectsAfter(1), `at ${delay} ms`).toBe(true);
      FakeSocket.last.refuse();
    }
    expect(FakeSocket.made.every((socket) => socket.url === SOCKET_URL)).toBe(true);
    transport.close();
  });

  it('starts again from 1 s once a connection has opened', () => {
    const transport = transportOverFakes();
    transport.subscribe('stats.samples', () => {});
    FakeSocket.last.drop(); // never opened
    expect(reconnectsAfter(1000)).toBe(true);
    FakeSocket.last.refuse();
    expect(reconnectsAfter(2000)).toBe(true);
    FakeSocket.last.open();
    FakeSocket.last.drop();
    expect(reconnectsAfter(999)).toBe(false);
    expect(reconnectsAfter(1)).toBe(true);
    transport.close();
  });

  it('subscribes every listened event again on the new socket, before the calls that waited, and delivers to the same listeners', async () => {
    const transport = transportOverFakes();
    const changed: unknown[] = [];
    transport.subscribe('containers.changed', (payload) => changed.push(payload));
    transport.subscribe('jobs.done', () => {});
    transport.subscribe('jobs.done', () => {}); // a second listener: still one subscription
    FakeSocket.last.open();
    expect(FakeSocket.last.subscriptions()).toEqual(['subscribe containers.changed', 'subscribe jobs.done']);
    FakeSocket.last.drop();
    vi.advanceTimersByTime(1000);
    const call = transport.invoke('images.list', {}); // made while the new socket connects
    const second = FakeSocket.last;
    expect(second.sent).toEqual([]);
    second.open();
    expect(second.subscriptions()).toEqual(['subscribe containers.changed', 'subscribe jobs.done']);
    expect(second.sent.map((f) => f.subscribe ?? f.method)).toEqual(['containers.changed', 'jobs.done', 'images.list']);
    second.receive({ event: 'containers.changed', payload: { id: 'c1' } });
    const callId = second.sent[2]!.id;
    second.receive({ id: callId, result: ['image'] });
    expect(await call).toEqual({ result: ['image'] });
    expect(changed).toEqual([{ id: 'c1' }]);
    transport.close();
  });

  it('does not subscribe again an event nobody listens to any more', () => {
    const transport = transportOverFakes();
    const stop = transport.subscribe('logs.lines', () => {});
    transport.subscribe('containers.changed', () => {});
    FakeSocket.last.open();
    stop();
    expect(FakeSocket.last.subscriptions()).toEqual(['subscribe logs.lines', 'subscribe containers.changed', 'unsubscribe logs.lines']);
    FakeSocket.last.drop();
    vi.advanceTimersByTime(1000);
    FakeSocket.last.open();
    expect(FakeSocket.last.subscriptions()).toEqual(['subscribe containers.changed']);
    transport.close();
  });
});

describe('what a drop does to calls', () => {
  it('fails the calls still waiting for an answer, with INTERNAL', async () => {
    const transport = transportOverFakes();
    // Two calls wait for the socket to open (then go out), one goes out at once.
    const waited = [transport.invoke('jobs.list', {}), transport.invoke('images.list', {})];
    FakeSocket.last.open();
    const direct = transport.invoke('system.info', {});
    expect(FakeSocket.last.sent.map((f) => f.method)).toEqual(['jobs.list', 'images.list', 'system.info']);
    FakeSocket.last.drop();
    const failed: Reply = { error: { code: 'INTERNAL', message: CLOSED_MESSAGE } };
    expect(await Promise.all([...waited, direct])).toEqual([failed, failed, failed]);
    transport.close();
  });

  it('does not reconnect by itself when nobody listens, but does on the next call', async () => {
    const transport = transportOverFakes();
    void transport.invoke('jobs.list', {});
    FakeSocket.last.open();
    FakeSocket.last.drop();
    expect(reconnectsAfter(120_000)).toBe(false);
    const next = transport.invoke('jobs.list', {});
    expect(FakeSocket.made).toHaveLength(2);
    FakeSocket.last.open();
    FakeSocket.last.receive({ id: FakeSocket.last.sent[0]!.id, result: [] });
    expect(await next).toEqual({ result: [] });
    transport.close();
  });

  it('stops reconnecting once closed, and refuses calls after', async () => {
    const transport = transportOverFakes();
    transport.subscribe('containers.changed', () => {});
    FakeSocket.last.open();
    FakeSocket.last.drop(); // a reconnect is now scheduled
    transport.close();
    expect(reconnectsAfter(60_000)).toBe(false);
    expect(await transport.invoke('jobs.list', {})).toEqual({ error: { code: 'INTERNAL', message: 'the transport is closed' } });
    expect(FakeSocket.made).toHaveLength(1);
  });

  it('ignores frames it cannot read', async () => {
    const transport = transportOverFakes();
    const seen: unknown[] = [];
    transport.subscribe('jobs.done', (payload) => seen.push(payload));
    FakeSocket.last.open();
    const socket = FakeSocket.last;
    for (const data of ['not json', 'null', '42', '"text"', '{"id":"x"}', '{"id":999,"result":1}', new Uint8Array([123, 125])]) {
      expect(() => socket.receiveRaw(data)).not.toThrow();
    }
    socket.receive({ event: 'jobs.done', payload: { id: 'j' } });
    expect(seen).toEqual([{ id: 'j' }]);
    transport.close();
  });
});
