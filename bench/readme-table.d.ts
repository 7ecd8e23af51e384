// Types of readme-table.js for its unit test (test/bench/readme-table.test.ts): bench/ is plain Node JavaScript.
export interface BenchRow {
  id?: string;
  what: string;
  strata: string;
  peer: string;
  peerName: string;
  ratio: string;
  target: string;
}
export const TABLE_START: string;
export const TABLE_END: string;
export const ISSUE_18_ROWS: readonly { id: string; what: string }[];
export function tableRow(spec: { id: string; what: string }, row: BenchRow, measured: string): string;
export function updateReadmeTable(readme: string, rows: readonly BenchRow[], measured: string): { text: string; found: boolean; updated: string[] };
export function writeReadmeTable(file: string, results: readonly { rows: readonly BenchRow[] }[], measured: string): string[];
