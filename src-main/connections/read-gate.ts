// Back-pressure for a front end that relays a remote engine's events to its own client (the
// window's IPC on the system engine): while that client is more than `limit` behind (its
// transport's backlog, e.g. the events the window's preload has not acknowledged), the
// connection to the engine is not read; the engine then sees this connection fall behind and
// applies its own bound (a terminal's output: the session is dropped, the client told once it
// reads again). Reading starts again when the backlog is down to half the limit.
import type { WebSocketTransport } from '@shared/api/ws-transport';

/** How often a paused gate looks at the backlog again (nothing tells it that it fell). */
const RECHECK_MS = 20;

export class ReadGate {
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly transport: Pick<WebSocketTransport, 'setReading'>,
    private readonly backlog: () => number,
    private readonly limit: number,
  ) {}

  /** After each event relayed: stops reading once the client is too far behind. */
  check(): void {
    if (this.timer !== undefined || this.backlog() <= this.limit) return;
    this.transport.setReading(false);
    this.timer = setInterval(() => {
      if (this.backlog() > this.limit / 2) return;
      this.stop();
      this.transport.setReading(true);
    }, RECHECK_MS);
  }

  /** The session is over: no more checks. */
  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
