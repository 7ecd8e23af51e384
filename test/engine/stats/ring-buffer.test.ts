import { describe, expect, it } from 'vitest';
import { RingBuffer } from '../../../src-main/engine/stats/ring-buffer';

describe('RingBuffer', () => {
  it('keeps items oldest first until full, then forgets the oldest', () => {
    const ring = new RingBuffer<number>(3);
    expect(ring.toArray()).toEqual([]);
    expect(ring.last()).toBeUndefined();
    ring.push(1);
    ring.push(2);
    expect(ring.toArray()).toEqual([1, 2]);
    ring.push(3);
    ring.push(4);
    ring.push(5);
    expect(ring.toArray()).toEqual([3, 4, 5]);
    expect(ring.size).toBe(3);
    expect(ring.last()).toBe(5);
  });

  it('wraps many times over without drifting', () => {
    const ring = new RingBuffer<number>(300);
    for (let i = 0; i < 10_000; i++) ring.push(i);
    const items = ring.toArray();
    expect(items).toHaveLength(300);
    expect(items[0]).toBe(9700);
    expect(items[299]).toBe(9999);
  });

  it('clears, and refuses a capacity that is not a positive integer', () => {
    const ring = new RingBuffer<string>(2);
    ring.push('a');
    ring.clear();
    expect(ring.toArray()).toEqual([]);
    ring.push('b');
    expect(ring.toArray()).toEqual(['b']);
    expect(() => new RingBuffer(0)).toThrow(RangeError);
    expect(() => new RingBuffer(1.5)).toThrow(RangeError);
  });
});
