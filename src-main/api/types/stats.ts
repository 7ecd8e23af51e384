// Stats as they cross the API: the engine's own types, imported as types only — their
// files have no imports of their own, so the renderer can take them too.
export type { StatsBatch, StatsSample } from '../../engine/stats/sample';
export type { HistoryPoint } from '../../engine/stats/history-point';
