// The history as a user takes it away (`strata stats --history ID --format csv|json`, the
// UI's export button): CSV for spreadsheets, JSON for programs. Pure: points in, text out.
//
// CSV: a header row, then one row per point, oldest first. `time` is ISO 8601 UTC,
// `timestampMs` the same instant in ms since the epoch; an unknown value is an empty cell.
// All other cells are plain numbers, so nothing needs quoting.
import { HISTORY_FIELDS, type HistoryPoint } from './history-point';
import { HISTORY_FORMAT, HISTORY_VERSION } from './history-store';

export type HistoryExportFormat = 'csv' | 'json';

export const HISTORY_EXPORT_FORMATS: readonly HistoryExportFormat[] = ['csv', 'json'];

export interface HistoryExportMeta {
  containerId: string;
  intervalMs: number;
  /** When the export was made (default now). */
  exportedAt?: Date;
}

const CSV_COLUMNS = ['time', 'timestampMs', 'samples', ...HISTORY_FIELDS.map((field) => field.key)];

export function historyToCsv(points: readonly HistoryPoint[]): string {
  const rows = [CSV_COLUMNS.join(',')];
  for (const point of points) {
    const cells = [new Date(point.time).toISOString(), String(point.time), String(point.samples)];
    for (const field of HISTORY_FIELDS) {
      const value = point[field.key];
      cells.push(value === null ? '' : String(value));
    }
    rows.push(cells.join(','));
  }
  return `${rows.join('\n')}\n`;
}

export interface HistoryJson {
  format: typeof HISTORY_FORMAT;
  version: number;
  containerId: string;
  intervalMs: number;
  exportedAt: string;
  points: Array<Omit<HistoryPoint, 'time'> & { time: string; timestampMs: number }>;
}

export function historyToJsonValue(points: readonly HistoryPoint[], meta: HistoryExportMeta): HistoryJson {
  return {
    format: HISTORY_FORMAT,
    version: HISTORY_VERSION,
    containerId: meta.containerId,
    intervalMs: meta.intervalMs,
    exportedAt: (meta.exportedAt ?? new Date()).toISOString(),
    points: points.map((point) => ({ ...point, time: new Date(point.time).toISOString(), timestampMs: point.time })),
  };
}

export function historyToJson(points: readonly HistoryPoint[], meta: HistoryExportMeta): string {
  return `${JSON.stringify(historyToJsonValue(points, meta), null, 2)}\n`;
}

export function formatHistory(points: readonly HistoryPoint[], format: HistoryExportFormat, meta: HistoryExportMeta): string {
  return format === 'csv' ? historyToCsv(points) : historyToJson(points, meta);
}
