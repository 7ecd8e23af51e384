// One client of the API: the window (Electron IPC) or one WebSocket connection. It holds
// what the client subscribed to and what it started that must end with it (log follows);
// close() ends them all.
import { StrataError, toErrorShape } from '@shared/errors';
import { type EventName, type EventPayload, isEventName } from '@shared/api/contract';
import type { EventBus } from './events';
import type { Reply } from '@shared/api/protocol';

/** Delivers one event to the client (over IPC or the socket). */
export type EventSink = (event: EventName, payload: unknown) => void;

export type Dispatch = (method: string, input: unknown, session: Session) => Promise<Reply>;

/** What a transport tells of its client besides delivering events. */
export interface SessionOptions {
  /**
   * Bytes sent to the client that it has not read yet (a WebSocket's bufferedAmount): how far
   * behind it is. A stream (a terminal's output) drops a client too far behind rather than
   * buffer for it without bound. Over IPC, what the window's preload has not acknowledged
   * (src-main/electron/delivery-ledger.ts). Absent: the transport delivers at once (in-process).
   */
  backlog?: () => number;
}

export class Session {
  /** Subscribed events → how to leave the bus. */
  private readonly subscriptions = new Map<EventName, () => void>();
  /** Things this client started that end with it, by id → how to end them. */
  private readonly owned = new Map<string, () => void>();
  private closed = false;

  constructor(
    private readonly dispatch: Dispatch,
    private readonly bus: EventBus,
    private readonly sink: EventSink,
    private readonly options: SessionOptions = {},
  ) {}

  /** How many bytes of events the client has not read yet (0 where the transport cannot tell). */
  backlog(): number {
    return this.options.backlog?.() ?? 0;
  }

  /** Calls a method of the table; never throws. */
  call(method: string, input: unknown): Promise<Reply> {
    if (this.closed) return Promise.resolve({ error: { code: 'CONFLICT', message: 'the session is closed' } });
    return this.dispatch(method, input, this);
  }

  /** Starts delivering `event` to this client (again: no-op). */
  subscribe(event: string): Reply {
    return answer(() => {
      const name = eventName(event);
      if (this.closed || this.subscriptions.has(name)) return;
      this.subscriptions.set(
        name,
        this.bus.subscribe(name, (payload) => this.sink(name, payload)),
      );
    });
  }

  unsubscribe(event: string): Reply {
    return answer(() => {
      const name = eventName(event);
      this.subscriptions.get(name)?.();
      this.subscriptions.delete(name);
    });
  }

  /** Sends an event only to this client, if it subscribed to it (e.g. the lines of its log follows). */
  emit<E extends EventName>(event: E, payload: EventPayload<E>): void {
    if (!this.closed && this.subscriptions.has(event)) this.sink(event, payload);
  }

  /** Keeps `end` to run when the client releases `id` or goes away. */
  own(id: string, end: () => void): void {
    if (this.closed) return end();
    this.owned.set(id, end);
  }

  /** Ends what `own(id)` kept; false if there is no such thing (anymore). */
  release(id: string): boolean {
    const end = this.owned.get(id);
    if (!end) return false;
    this.owned.delete(id);
    end();
    return true;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const leave of this.subscriptions.values()) leave();
    this.subscriptions.clear();
    for (const id of [...this.owned.keys()]) this.release(id);
  }
}

function eventName(event: string): EventName {
  if (!isEventName(event)) throw new StrataError('INVALID_ARGUMENT', `no such event: ${JSON.stringify(event)}`);
  return event;
}

function answer(work: () => void): Reply {
  try {
    work();
    return { result: null };
  } catch (error) {
    return { error: toErrorShape(error) };
  }
}
