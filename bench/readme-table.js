// The README's performance table for issue 18's rows: `npm run bench` writes the rows it
// measured between the markers below, in the issue's order, and leaves the others as the
// last run that measured them wrote them (`npm run bench -- cli` rewrites only the CLI's
// three rows). A bench row takes part by carrying one of these ids; its figures are
// already text (min/median/max where the suite has several runs).
import fs from 'node:fs';

export const TABLE_START = '<!-- bench:issue-18 start (written by `npm run bench`; edit bench/readme-table.js, not the rows) -->';
export const TABLE_END = '<!-- bench:issue-18 end -->';

const HEADER = ['what', 'Strata: median (min–max)', 'peer: median (min–max)', 'ratio: median (min–max)', 'target', 'measured'];

/** Issue 18's table, row by row: the id a bench row carries, and the label the README shows. */
export const ISSUE_18_ROWS = [
  { id: 'cli.version', what: '`strata --version`' },
  { id: 'cli.ps', what: '`strata ps -a`, the local engine' },
  { id: 'cli.images', what: '`strata images`, the local engine' },
  { id: 'cli.ps-system', what: '`strata ps -a` as root, a system engine running' },
  { id: 'containers.run-none', what: '`strata run --rm IMAGE true`, `--network none`' },
  { id: 'containers.run-bridge', what: '`strata run --rm IMAGE true` on the bridge' },
  { id: 'containers.cycle', what: 'in-process create + start + wait' },
  { id: 'import.first', what: 'import 240 MB / 21 000 files / 3 gzip layers' },
  { id: 'import.shared', what: '2nd image sharing 2 of 3 layers' },
  { id: 'import.small', what: 'one small layer (fixed start-up)' },
  { id: 'stats.idle', what: 'stats, 100 idle containers at 1 Hz' },
];

const cell = (text) => String(text).replaceAll('|', '\\|').replaceAll('\n', ' ');
const line = (cells) => `| ${cells.map(cell).join(' | ')} |`;

/** One README row from a bench row (`{ strata, peerName, peer, ratio, target }`) and when it was measured. */
export function tableRow(spec, row, measured) {
  return line([spec.what, row.strata, `${row.peerName} ${row.peer}`, row.ratio, row.target, measured]);
}

/** The label a README row starts with: how an existing row is matched to its id. */
function labelOf(text) {
  const match = /^\|\s*(.*?)\s*\|/.exec(text);
  return match ? match[1] : undefined;
}

/**
 * The README text with the table between the markers holding `rows` (bench rows that carry
 * an `id` of ISSUE_18_ROWS) and, for every other id, the row it held before. Without the
 * markers the README is returned unchanged and `found` is false.
 */
export function updateReadmeTable(readme, rows, measured) {
  const start = readme.indexOf(TABLE_START);
  const end = readme.indexOf(TABLE_END);
  if (start < 0 || end < start) return { text: readme, found: false, updated: [] };
  const before = new Map();
  for (const text of readme.slice(start + TABLE_START.length, end).split('\n')) {
    const label = labelOf(text.trim());
    if (label !== undefined) before.set(label, text.trim());
  }
  const byId = new Map(rows.filter((row) => row.id).map((row) => [row.id, row]));
  const updated = [];
  const lines = [line(HEADER), `|${HEADER.map(() => '---').join('|')}|`];
  for (const spec of ISSUE_18_ROWS) {
    const row = byId.get(spec.id);
    if (row) {
      lines.push(tableRow(spec, row, measured));
      updated.push(spec.id);
    } else if (before.has(cell(spec.what))) {
      lines.push(before.get(cell(spec.what)));
    }
  }
  const text = `${readme.slice(0, start + TABLE_START.length)}\n${lines.join('\n')}\n${readme.slice(end)}`;
  return { text, found: true, updated };
}

/** Rewrites the README's table from these results (`[{ rows }]`); returns the ids written. */
export function writeReadmeTable(file, results, measured) {
  const readme = fs.readFileSync(file, 'utf8');
  const { text, found, updated } = updateReadmeTable(
    readme,
    results.flatMap((result) => result.rows),
    measured,
  );
  if (!found) throw new Error(`${file}: no performance table markers (${TABLE_START} … ${TABLE_END})`);
  if (text !== readme) fs.writeFileSync(file, text);
  return updated;
}
