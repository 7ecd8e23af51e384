// The client side of the WebSocket transport: the renderer in a browser (web mode), and
// the tests (with the `ws` package's WebSocket). Runs anywhere: the socket class is the
// browser's global one unless one is passed in.
import type { ErrorShape } from '../errors';
import { EventListeners } from './listeners';
import { type ClientFrame, type EventListener, type Reply, SOCKET_PATH, TOKEN_PARAM, type Transport } from './protocol';

/** What this transport uses of a WebSocket: the browser's and the `ws` package's both fit. */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open' | 'message' | 'close' | 'error', listener: (event: unknown) => void): void;
  /** Stops and starts reading the connection (the `ws` package's; a browser's WebSocket has neither). */
  pause?(): void;
  resume?(): void;
}

export type SocketConstructor = new (url: string) => SocketLike;

/**
 * What the transport tells its owner about the connection: open, or down with why and,
 * when it will try again by itself, in how long (a client shows "reconnecting…").
 */
export type ConnectionStatus = { state: 'connected' } | { state: 'disconnected'; error: ErrorShape; retryInMs?: number };

export interface WebSocketTransportOptions {
  WebSocket?: SocketConstructor;
  onStatus?: (status: ConnectionStatus) => void;
  /**
   * What a failure to connect means, from the error the socket reported (the `ws` package
   * passes Node's, with its `code`): e.g. EACCES on a Unix socket → PERMISSION_DENIED with
   * how to get in. Undefined: the default (UNAVAILABLE with the error's message).
   */
  describeConnectError?: (error: unknown) => ErrorShape | undefined;
}

export interface WebSocketTransport extends Transport {
  /** Closes the socket and stops reconnecting; pending calls fail. */
  close(): void;
  /**
   * Stops (false) or starts again (true) reading the socket, where the socket can (the `ws`
   * package's): what the server sends meanwhile waits in the kernel and then in the server,
   * whose own bound for a client that does not read applies (a terminal's output: the
   * session is dropped past 2 MiB). For a front end whose own client is behind.
   */
  setReading(on: boolean): void;
}

const CONNECTING = 0;
const OPEN = 1;
const RECONNECT_MS = { first: 1000, max: 30_000 };
const CONNECTION_CLOSED = 'the connection to the Strata engine closed';
/**
 * The close code an engine gives a client it will not serve (the system engine, to a user
 * outside group strata): the reason is in the `{ id: null, error }` frame sent just before.
 * Not retried by itself: only a new login can change the answer.
 */
export const REFUSED_CLOSE_CODE = 4403;

/** The socket URL for a page served by `strata serve`: same host and port, the token from the page's URL. */
export function pageSocketUrl(page: { protocol: string; host: string; search: string }): string {
  const token = new URLSearchParams(page.search).get(TOKEN_PARAM) ?? '';
  return `${page.protocol === 'https:' ? 'wss:' : 'ws:'}//${page.host}${SOCKET_PATH}?${TOKEN_PARAM}=${encodeURIComponent(token)}`;
}

/**
 * A transport over one WebSocket, opened on first use. Calls made while it connects wait
 * for it. When it drops, pending calls fail with INTERNAL — or with the engine's reason:
 * PERMISSION_DENIED when it refused this user, UNAVAILABLE when it could not be reached;
 * the next call reconnects, and so does the transport by itself (with back-off) while anyone
 * listens to events — re-subscribing them — unless it was refused. `onStatus` hears each
 * connect and drop. Log follows are the server's per connection: they end with it.
 */
export function webSocketTransport(url: string, options: WebSocketTransportOptions = {}): WebSocketTransport {
  const found = options.WebSocket ?? (globalThis as { WebSocket?: SocketConstructor }).WebSocket;
  if (!found) throw new Error('no WebSocket implementation: pass one in options.WebSocket');
  const Socket: SocketConstructor = found;
  const listeners = new EventListeners();
  const pending = new Map<number, (reply: Reply) => void>();
  let outbox: string[] = [];
  let socket: SocketLike | undefined;
  let nextId = 1;
  let closed = false;
  let retryMs = RECONNECT_MS.first;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  /** Why the current socket is going down, when it said (a refusal frame, a connect error). */
  let failure: ErrorShape | undefined;
  let refused = false;
  let reading = true;

  const frame = (body: ClientFrame): string => JSON.stringify(body);

  function connect(): SocketLike {
    if (socket && (socket.readyState === CONNECTING || socket.readyState === OPEN)) return socket;
    const s = new Socket(url);
    socket = s;
    failure = undefined;
    refused = false;
    let opened = false;
    s.addEventListener('open', () => {
      opened = true;
      if (!reading) s.pause?.();
      retryMs = RECONNECT_MS.first;
      options.onStatus?.({ state: 'connected' });
      // Subscriptions first (also those made while connecting), then the calls that waited.
      for (const event of listeners.events()) sendSubscription('subscribe', event);
      const waiting = outbox;
      outbox = [];
      for (const text of waiting) s.send(text);
    });
    s.addEventListener('message', (event) => receive((event as { data?: unknown }).data));
    s.addEventListener('close', (event) => {
      if (socket !== s) return;
      socket = undefined;
      outbox = [];
      const { code, reason } = (event ?? {}) as { code?: number; reason?: string };
      if (code === REFUSED_CLOSE_CODE) failure ??= { code: 'PERMISSION_DENIED', message: reason || 'the Strata engine refused this connection' };
      refused = failure?.code === 'PERMISSION_DENIED';
      const error: ErrorShape = failure ?? { code: 'INTERNAL', message: CONNECTION_CLOSED };
      const failed = [...pending.values()];
      pending.clear();
      for (const settle of failed) settle({ error });
      const retryInMs = scheduleReconnect();
      if (!closed) options.onStatus?.({ state: 'disconnected', error, ...(retryInMs === undefined ? {} : { retryInMs }) });
    });
    // An error is always followed by close, which does the rest. One before the socket
    // opened is why it never did (`connect ENOENT /run/strata/strata.sock`).
    s.addEventListener('error', (event) => {
      if (opened || failure) return;
      const { message, error } = (event ?? {}) as { message?: unknown; error?: unknown };
      const described = options.describeConnectError?.(error);
      if (described) failure = described;
      else if (typeof message === 'string' && message) failure = { code: 'UNAVAILABLE', message: `cannot reach the Strata engine: ${message}` };
    });
    return s;
  }

  /** Plans the next attempt while anyone listens to events; answers its delay. */
  function scheduleReconnect(): number | undefined {
    if (closed || refused || listeners.events().length === 0) return undefined;
    if (retryTimer !== undefined) return retryMs;
    const delay = retryMs;
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      connect();
    }, delay);
    retryMs = Math.min(retryMs * 2, RECONNECT_MS.max);
    return delay;
  }

  function receive(data: unknown): void {
    if (typeof data !== 'string') return;
    let message: unknown;
    try {
      message = JSON.parse(data);
    } catch {
      return;
    }
    if (typeof message !== 'object' || message === null) return;
    const m = message as Partial<{ id: unknown; event: unknown; payload: unknown; result: unknown; error: ErrorShape }>;
    if (typeof m.event === 'string') return listeners.emit(m.event, m.payload);
    // A refusal (or another reason the engine is about to hang up) comes as an error for no call.
    if (m.id === null && m.error !== undefined && m.error.code === 'PERMISSION_DENIED') failure = m.error;
    if (typeof m.id !== 'number') return;
    const settle = pending.get(m.id);
    pending.delete(m.id);
    settle?.(m.error !== undefined ? { error: m.error } : { result: m.result });
  }

  function send(body: ClientFrame & { id: number }, settle: (reply: Reply) => void): void {
    if (closed) return settle({ error: { code: 'INTERNAL', message: 'the transport is closed' } });
    pending.set(body.id, settle);
    const s = connect();
    if (s.readyState === OPEN) s.send(frame(body));
    else outbox.push(frame(body));
  }

  function sendSubscription(kind: 'subscribe' | 'unsubscribe', event: string): void {
    const id = nextId++;
    const body = kind === 'subscribe' ? { id, subscribe: event } : { id, unsubscribe: event };
    pending.set(id, (reply) => {
      if ('error' in reply && reply.error.message !== CONNECTION_CLOSED) {
        console.warn(`strata: cannot ${kind} ${event}: ${reply.error.message}`);
      }
    });
    socket?.send(frame(body));
  }

  return {
    invoke(method: string, input: unknown): Promise<Reply> {
      return new Promise((resolve) => send({ id: nextId++, method, input }, resolve));
    },
    subscribe(event: string, listener: EventListener): () => void {
      const registration = listeners.add(event, listener);
      if (registration.first && !closed) {
        // Open: subscribe now. Connecting or closed: the open handler subscribes every listened event.
        if (connect().readyState === OPEN) sendSubscription('subscribe', event);
      }
      return () => {
        if (registration.remove().last && socket?.readyState === OPEN) sendSubscription('unsubscribe', event);
      };
    },
    setReading(on: boolean): void {
      reading = on;
      if (socket?.readyState !== OPEN) return; // an opening socket takes it when it opens
      if (on) socket.resume?.();
      else socket.pause?.();
    },
    close(): void {
      closed = true;
      clearTimeout(retryTimer);
      retryTimer = undefined;
      socket?.close(1000, 'client closed');
    },
  };
}
