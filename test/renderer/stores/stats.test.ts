// The stats store (src-renderer/src/stores/stats.ts) over a fake engine: `stats.samples`
// batches into one bounded live series per container with one tick per batch, seeding from
// stats.recent (in front of the live samples, once per container), the stored 1 h / 24 h history (the newest range
// asked for wins), the export file, and the list's shared sparkline scales (one per figure,
// over the rows shown).
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { HistoryPoint, StatsSample } from '@shared/api/types/stats';
import { useStatsStore } from '../../../src-renderer/src/stores/stats';
import { deferred, engine, settle } from '../fake-engine';
import { sample } from '../records';

vi.mock('../../../src-renderer/src/api/bridge', () => import('../fake-engine').then((m) => m.bridgeModule));

const NOW = 1_700_000_000_000;

beforeEach(() => {
  engine.reset();
  setActivePinia(createPinia());
  vi.spyOn(Date, 'now').mockReturnValue(NOW);
});

afterEach(() => {
  vi.restoreAllMocks();
});

const history = (time: number, cpuPercent: number): HistoryPoint => ({ ...sample('c', time, { cpuPercent }), samples: 10, cpuPercentMax: cpuPercent, memoryWorkingSetMax: null });

describe('live samples', () => {
  it('puts each batch on its containers\' series and moves the tick once a batch', async () => {
    const store = useStatsStore();
    store.start();
    store.start();
    expect(store.receiving).toBe(false);
    engine.emit('stats.samples', [sample('a', 1000, { cpuPercent: 5 }), sample('b', 1000, { cpuPercent: 50 })]);
    engine.emit('stats.samples', [sample('a', 2000, { cpuPercent: 7 })]);
    await settle();
    expect(store.tick).toBe(2); // one listener, however often started
    expect(store.receiving).toBe(true);
    expect(store.seriesOf('a').lines.cpuPercent).toEqual([
      { x: 1000, y: 5 },
      { x: 2000, y: 7 },
    ]);
    expect(store.seriesOf('b').size).toBe(1);
    expect(store.seriesOf('never-seen').size).toBe(0);
  });

  it('keeps five minutes at 1 Hz: up to 450 points, then back to the newest 300', async () => {
    const store = useStatsStore();
    store.start();
    for (let i = 1; i <= 450; i++) engine.emit('stats.samples', [sample('a', i * 1000)]);
    expect(store.seriesOf('a').size).toBe(450);
    expect(store.seriesOf('a').recent).toHaveLength(300);
    engine.emit('stats.samples', [sample('a', 451_000)]);
    const series = store.seriesOf('a');
    expect(series.size).toBe(300);
    expect(series.points[0]?.time).toBe(152_000);
    expect(series.latest?.time).toBe(451_000);
    expect(series.lines.memoryWorkingSet).toHaveLength(300);
    await settle();
  });
});

describe('seeding from stats.recent', () => {
  it('fills an empty series with the last five minutes and moves the tick', async () => {
    engine.answer('stats.recent', () => [sample('a', 1000, { pidsCurrent: 1 }), sample('a', 2000, { pidsCurrent: 2 })]);
    const store = useStatsStore();
    await store.seed('a');
    expect(store.seriesOf('a').lines.pids.map((xy) => xy.y)).toEqual([1, 2]);
    expect(store.tick).toBe(1);
    await store.seed('a'); // asked once per container
    expect(engine.inputsOf('stats.recent')).toEqual([{ ref: 'a' }]);
  });

  it('puts the recent samples in front of live ones that came while asking, none twice', async () => {
    const answer = deferred<StatsSample[]>();
    engine.answer('stats.recent', () => answer.promise);
    const store = useStatsStore();
    store.start();
    const seeding = store.seed('a');
    engine.emit('stats.samples', [sample('a', 3000, { pidsCurrent: 3 })]);
    answer.resolve([sample('a', 1000, { pidsCurrent: 1 }), sample('a', 2000, { pidsCurrent: 2 }), sample('a', 3000, { pidsCurrent: 3 })]);
    await seeding;
    expect(store.seriesOf('a').points.map((p) => p.time)).toEqual([1000, 2000, 3000]);
    expect(store.seriesOf('a').lines.pids.map((xy) => xy.y)).toEqual([1, 2, 3]); // the arrays the charts hold, in order
    await settle();
  });

  it('has the life of a container opened after its exit, though its empty cgroup is sampled live', async () => {
    engine.answer('stats.recent', () => [sample('a', 1000, { pidsCurrent: 1 }), sample('a', 2000, { pidsCurrent: 1 })]);
    const store = useStatsStore();
    store.start();
    engine.emit('stats.samples', [sample('a', 4000, { pidsCurrent: 0 })]); // after the exit
    await store.seed('a');
    expect(store.seriesOf('a').lines.pids.map((xy) => xy.y)).toEqual([1, 1, 0]);
    await settle();
  });

  it('leaves the series empty for a container with nothing recent', async () => {
    engine.fail('stats.recent', 'NOT_FOUND', 'no samples: the container is not running');
    const store = useStatsStore();
    await store.seed('a');
    expect(store.seriesOf('a').size).toBe(0);
    expect(store.tick).toBe(0);
  });
});

describe('stored history', () => {
  it('asks nothing for the live range', async () => {
    const store = useStatsStore();
    await store.loadHistory('a');
    expect(store.history).toBeUndefined();
    expect(engine.calls).toEqual([]);
  });

  it('reads the range back from now into a series that holds all of it', async () => {
    const points = Array.from({ length: 360 }, (_, i) => history(NOW - 3_600_000 + i * 10_000, i));
    engine.answer('stats.history', () => points);
    const store = useStatsStore();
    store.range = '1h';
    const loading = store.loadHistory('a');
    expect(store.historyLoading).toBe(true);
    await loading;
    expect(store.historyLoading).toBe(false);
    expect(engine.inputsOf('stats.history')).toEqual([{ ref: 'a', sinceMs: NOW - 3_600_000 }]);
    expect(store.history?.size).toBe(360);
    expect(store.history?.latest?.cpuPercent).toBe(359);
  });

  it('says why the history could not be read', async () => {
    engine.fail('stats.history', 'UNSUPPORTED', 'no stored history in rootless mode');
    const store = useStatsStore();
    store.range = '24h';
    await store.loadHistory('a');
    expect(engine.inputsOf('stats.history')).toEqual([{ ref: 'a', sinceMs: NOW - 86_400_000 }]);
    expect(store.historyError).toBe('no stored history in rootless mode');
    expect(store.history).toBeUndefined();
    expect(store.historyLoading).toBe(false);
  });

  it('shows the range asked for last when an earlier answer comes late', async () => {
    const hour = deferred<HistoryPoint[]>();
    const day = deferred<HistoryPoint[]>();
    engine.answer('stats.history', ({ sinceMs }) => (sinceMs === NOW - 3_600_000 ? hour.promise : day.promise));
    const store = useStatsStore();
    store.range = '1h';
    const first = store.loadHistory('a');
    store.range = '24h';
    const second = store.loadHistory('a');
    day.resolve([history(1, 24)]);
    await second;
    expect(store.historyLoading).toBe(false);
    hour.resolve([history(1, 1), history(2, 1)]);
    await first;
    expect(store.history?.points.map((p) => p.cpuPercent)).toEqual([24]);
    expect(store.historyLoading).toBe(false);
  });

  it('drops a history still on its way when the live range is chosen', async () => {
    const hour = deferred<HistoryPoint[]>();
    engine.answer('stats.history', () => hour.promise);
    const store = useStatsStore();
    store.range = '1h';
    const first = store.loadHistory('a');
    store.range = '5m';
    await store.loadHistory('a');
    expect(store.historyLoading).toBe(false);
    hour.resolve([history(1, 1)]);
    await first;
    expect(store.history).toBeUndefined();
  });
});

describe('the list\'s sparkline scales', () => {
  const MiB = 1024 * 1024;

  it('puts every row\'s CPU on one scale and every row\'s memory on another, over the rows shown', async () => {
    const store = useStatsStore();
    store.start();
    const hideQuiet = store.showSparks('quiet');
    store.showSparks('busy');
    engine.emit('stats.samples', [sample('quiet', 1000, { cpuPercent: 0.5, memoryWorkingSet: 2 * MiB }), sample('busy', 1000, { cpuPercent: 48, memoryWorkingSet: 300 * MiB })]);
    engine.emit('stats.samples', [sample('quiet', 2000, { cpuPercent: 0.4, memoryWorkingSet: 2 * MiB }), sample('busy', 2000, { cpuPercent: 55, memoryWorkingSet: 310 * MiB })]);
    await settle();
    expect(store.sparkTop('cpuPercent')).toBe(80); // 55 % with headroom, on a round figure
    expect(store.sparkTop('memoryWorkingSet')).toBe(384 * MiB);
    hideQuiet();
    expect(store.sparkTop('cpuPercent')).toBe(80);
  });

  it('keeps a row shown twice until both showings end', async () => {
    const store = useStatsStore();
    store.start();
    const first = store.showSparks('busy');
    const second = store.showSparks('busy');
    engine.emit('stats.samples', [sample('busy', 1000, { cpuPercent: 55 })]);
    await settle();
    first();
    expect(store.sparkTop('cpuPercent')).toBe(80);
    second();
    expect(store.sparkTop('cpuPercent')).toBe(1); // no row: the least top
  });

  it('follows the rows shown and the ticks, and spans a least top when all are idle', async () => {
    const store = useStatsStore();
    store.start();
    const hideBusy = store.showSparks('busy');
    store.showSparks('idle');
    engine.emit('stats.samples', [sample('busy', 1000, { cpuPercent: 55 }), sample('idle', 1000, { cpuPercent: 0.01, memoryWorkingSet: 100 * 1024 })]);
    await settle();
    expect(store.sparkTop('cpuPercent')).toBe(80);
    hideBusy();
    expect(store.sparkTop('cpuPercent')).toBe(1); // idle alone: 0–1 %
    expect(store.sparkTop('memoryWorkingSet')).toBe(MiB);
    // a busier minute on the next tick moves the scale
    engine.emit('stats.samples', [sample('idle', 2000, { cpuPercent: 4 })]);
    await settle();
    expect(store.sparkTop('cpuPercent')).toBe(5);
  });

  it('spans only the last minute of each row', async () => {
    const store = useStatsStore();
    store.start();
    store.showSparks('a');
    engine.emit('stats.samples', [sample('a', 1000, { cpuPercent: 90 })]);
    engine.emit('stats.samples', [sample('a', 62_000, { cpuPercent: 2 })]);
    await settle();
    expect(store.sparkTop('cpuPercent')).toBe(2.5);
  });
});

describe('export', () => {
  it('names the file after the container and types it by format', async () => {
    engine.answer('stats.export', ({ format }) => ({ text: format === 'csv' ? 'time,cpu\n1,2\n' : '[]' }));
    const store = useStatsStore();
    const csv = await store.exportFile('a', 'web', 'csv');
    expect(csv.filename).toBe('web-stats.csv');
    expect(csv.blob.type).toBe('text/csv');
    expect(await csv.blob.text()).toBe('time,cpu\n1,2\n');
    const json = await store.exportFile('a', 'web', 'json');
    expect([json.filename, json.blob.type]).toEqual(['web-stats.json', 'application/json']);
  });
});
