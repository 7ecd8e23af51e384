// The history as CSV and JSON.
import { describe, expect, it } from 'vitest';
import { formatHistory, historyToCsv, historyToJsonValue } from '../../../src-main/engine/stats/export';
import { HISTORY_FIELDS, type HistoryPoint } from '../../../src-main/engine/stats/history-point';

const T0 = Date.UTC(2026, 0, 2, 3, 4, 0);

function point(time: number, values: Partial<HistoryPoint>): HistoryPoint {
  const empty = Object.fromEntries(HISTORY_FIELDS.map((field) => [field.key, null])) as unknown as HistoryPoint;
  return { ...empty, time, samples: 10, ...values };
}

const points = [point(T0, { cpuPercent: 12.5, memoryWorkingSet: 52428800, memoryLimit: 1073741824 }), point(T0 + 10_000, { cpuPercent: 0, netRxBytesPerSec: 1200 })];

describe('historyToCsv', () => {
  it('writes a header row and one row per point; unknown values are empty cells', () => {
    const lines = historyToCsv(points).trimEnd().split('\n');
    const header = lines[0]!.split(',');
    expect(header.slice(0, 5)).toEqual(['time', 'timestampMs', 'samples', 'cpuPercent', 'cpuPercentMax']);
    expect(header).toHaveLength(3 + HISTORY_FIELDS.length);
    const first = Object.fromEntries(lines[1]!.split(',').map((cell, i) => [header[i], cell]));
    expect(first).toMatchObject({ time: '2026-01-02T03:04:00.000Z', timestampMs: String(T0), samples: '10', cpuPercent: '12.5', cpuPercentMax: '', memoryWorkingSet: '52428800', memoryLimit: '1073741824' });
    const second = Object.fromEntries(lines[2]!.split(',').map((cell, i) => [header[i], cell]));
    expect(second).toMatchObject({ cpuPercent: '0', netRxBytesPerSec: '1200', memoryUsage: '' });
    expect(lines).toHaveLength(3);
  });

  it('writes just the header for no points', () => {
    expect(historyToCsv([]).trimEnd().split('\n')).toHaveLength(1);
  });
});

describe('historyToJson', () => {
  it('wraps the points with what they are, times in ISO 8601 and ms', () => {
    const value = historyToJsonValue(points, { containerId: 'abc', intervalMs: 10_000, exportedAt: new Date(T0 + 60_000) });
    expect(value).toMatchObject({ format: 'strata-stats-history', version: 1, containerId: 'abc', intervalMs: 10_000, exportedAt: '2026-01-02T03:05:00.000Z' });
    expect(value.points[0]).toMatchObject({ time: '2026-01-02T03:04:00.000Z', timestampMs: T0, samples: 10, cpuPercent: 12.5, memoryUsage: null });
    const text = formatHistory(points, 'json', { containerId: 'abc', intervalMs: 10_000 });
    expect((JSON.parse(text) as { points: unknown[] }).points).toHaveLength(2);
    expect(formatHistory(points, 'csv', { containerId: 'abc', intervalMs: 10_000 })).toBe(historyToCsv(points));
  });
});
