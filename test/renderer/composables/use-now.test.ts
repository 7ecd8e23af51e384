// useNow, the shared one-second clock behind every "up 3m 12s": a reader that comes after
// a time with no reader at all sees the time now, not the one the clock stopped at (a
// container's detail opened again showed an uptime a minute short until the next tick).
import { effectScope } from 'vue';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { useNow } from '../../../src-renderer/src/composables/useNow';

afterEach(() => {
  vi.useRealTimers();
});

describe('useNow', () => {
  it('ticks each second while read, and starts from the time now after standing still', () => {
    vi.useFakeTimers({ now: Date.parse('2026-12-07T10:00:00Z') });
    const first = effectScope();
    const now = first.run(() => useNow())!;
    expect(now.value).toBe(Date.parse('2026-12-07T10:00:00Z'));
    vi.advanceTimersByTime(3000);
    expect(now.value).toBe(Date.parse('2026-12-07T10:00:03Z'));
    first.stop(); // nobody reads it: it stops

    vi.advanceTimersByTime(70_000);
    const second = effectScope();
    const again = second.run(() => useNow())!;
    expect(again.value).toBe(Date.parse('2026-12-07T10:01:13Z'));
    second.stop();
  });
});
