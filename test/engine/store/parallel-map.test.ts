import { describe, expect, it } from 'vitest';
import { parallelMap } from '../../../src-main/engine/store/parallel-map';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('parallelMap', () => {
  it('keeps the list order, runs at most `limit` steps at once', async () => {
    let running = 0;
    let most = 0;
    const results = await parallelMap([5, 1, 4, 2, 3], 2, async (n) => {
      running++;
      most = Math.max(most, running);
      for (let i = 0; i < n; i++) await tick();
      running--;
      return n * 10;
    });
    expect(results).toEqual([50, 10, 40, 20, 30]);
    expect(most).toBe(2);
    expect(await parallelMap([], 2, async () => 1)).toEqual([]);
  });

  it('on the first failure aborts the other steps, waits for them, starts no more, and throws that failure', async () => {
    const ended: number[] = [];
    const started: number[] = [];
    const failure = parallelMap([0, 1, 2, 3], 2, async (n, _index, signal) => {
      started.push(n);
      if (n === 1) throw new Error('layer 1 is bad');
      while (!signal.aborted) await tick();
      await tick();
      ended.push(n);
      return n;
    });
    await expect(failure).rejects.toThrow('layer 1 is bad');
    expect(started).toEqual([0, 1]);
    expect(ended).toEqual([0]); // the step in flight finished before the failure was thrown
  });

  it("the caller's abort reaches every step", async () => {
    const stop = new AbortController();
    const seen: unknown[] = [];
    const run = parallelMap(
      [0, 1],
      2,
      async (_n, _index, signal) => {
        while (!signal.aborted) await tick();
        seen.push(signal.reason);
        throw signal.reason;
      },
      stop.signal,
    );
    stop.abort(new Error('cancelled'));
    await expect(run).rejects.toThrow('cancelled');
    expect(seen).toHaveLength(2);
  });

  it('a signal aborted before the call: every step sees it aborted', async () => {
    const stop = new AbortController();
    stop.abort(new Error('cancelled before'));
    const seen: boolean[] = [];
    const run = parallelMap([0, 1], 2, async (_n, _index, signal) => {
      seen.push(signal.aborted);
      throw signal.reason;
    }, stop.signal);
    await expect(run).rejects.toThrow('cancelled before');
    expect(seen).toEqual([true, true]);
  });
});
