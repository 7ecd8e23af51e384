// How far the window's renderer is behind the events sent to it. Electron's IPC queues what
// the main process sends without bound and says nothing of it, unlike a WebSocket's
// bufferedAmount; so the preload tells: each event goes with its sequence number, and every
// so often the preload acknowledges the last one it has taken (IPC keeps their order); the
// events sent after it are the backlog. A page that reloads loses what was on its way to the
// old one: the new page's first acknowledgment covers those too. The API's terminal relay drops a session whose client is too far behind by
// this measure, as it does for a WebSocket client (src-main/api/terminal-relay.ts).
// An event's weight is its JSON size: what the renderer has to take in, near enough.

export class DeliveryLedger {
  /** Weights of the events sent and not acknowledged, oldest first, from `head`. */
  private weights: number[] = [];
  private head = 0;
  /** The sequence number of the last event sent (they start at 1), and of the last one acknowledged. */
  private sentSeq = 0;
  private ackedSeq = 0;
  private pending = 0;

  /** An event is going to the renderer: its sequence number, to send with it. */
  sent(payload: unknown): number {
    const weight = JSON.stringify(payload)?.length ?? 0;
    this.weights.push(weight);
    this.pending += weight;
    return ++this.sentSeq;
  }

  /**
   * The renderer has taken every event up to sequence number `seq` (or they were lost with a
   * page that went). One that is not a whole number, goes back, or runs ahead of what was sent
   * is ignored: the renderer is not trusted with the bound.
   */
  acknowledged(seq: unknown): void {
    if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq <= this.ackedSeq || seq > this.sentSeq) return;
    for (; this.ackedSeq < seq; this.ackedSeq++) this.pending -= this.weights[this.head++]!;
    if (this.head > 1024 && this.head * 2 > this.weights.length) {
      this.weights = this.weights.slice(this.head); // the acknowledged front goes now and then, not at every ack
      this.head = 0;
    }
  }

  /** The weight of what the renderer has not taken yet. */
  backlog(): number {
    return this.pending;
  }
}
