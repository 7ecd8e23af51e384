// The window's backlog over IPC (src-main/electron/delivery-ledger.ts): what was sent and not
// yet acknowledged by the preload, by sequence number; a page that reloads loses what was on
// its way, and its first acknowledgment covers that; nonsense from the renderer is ignored.
import { describe, expect, it } from 'vitest';
import { DeliveryLedger } from '../../src-main/electron/delivery-ledger';

const event = (bytes: number) => ({ session: 's', data: 'x'.repeat(bytes) });
const weight = (bytes: number) => JSON.stringify(event(bytes)).length;

describe('DeliveryLedger', () => {
  it('counts what the renderer has not taken, by the sequence numbers it acknowledges', () => {
    const ledger = new DeliveryLedger();
    expect(ledger.backlog()).toBe(0);
    expect([ledger.sent(event(100)), ledger.sent(event(200)), ledger.sent(event(300))]).toEqual([1, 2, 3]);
    expect(ledger.backlog()).toBe(weight(100) + weight(200) + weight(300));
    ledger.acknowledged(2);
    expect(ledger.backlog()).toBe(weight(300));
    ledger.acknowledged(2); // again: nothing changes
    ledger.acknowledged(1); // behind: ignored
    expect(ledger.backlog()).toBe(weight(300));
    ledger.acknowledged(3);
    expect(ledger.backlog()).toBe(0);
  });

  it('ignores what is not a sequence number it sent', () => {
    const ledger = new DeliveryLedger();
    ledger.sent(event(10));
    for (const bad of [2, 1.5, -1, Number.NaN, '1', null, undefined, { seq: 1 }, 2 ** 60]) ledger.acknowledged(bad);
    expect(ledger.backlog()).toBe(weight(10));
  });

  it('a reloaded page acknowledges past the events lost with the old one', () => {
    const ledger = new DeliveryLedger();
    for (let i = 0; i < 10; i++) ledger.sent(event(50)); // 1..10: the old page took 1..4, 5..10 were lost with it
    ledger.acknowledged(4);
    const newPage = ledger.sent(event(50)); // 11: the first the new page sees
    ledger.acknowledged(newPage);
    expect(ledger.backlog()).toBe(0);
  });

  it('grows with a renderer that stops taking events, and keeps its memory to the unacknowledged ones', () => {
    const ledger = new DeliveryLedger();
    let last = 0;
    for (let i = 0; i < 5000; i++) {
      last = ledger.sent(event(1000));
      if (i % 10 === 9) ledger.acknowledged(last);
    }
    expect(ledger.backlog()).toBe(0);
    for (let i = 0; i < 3000; i++) ledger.sent(event(1000));
    expect(ledger.backlog()).toBe(3000 * weight(1000));
    expect(ledger.backlog()).toBeGreaterThan(2 * 1024 * 1024);
  });
});
