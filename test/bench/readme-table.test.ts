// The README's performance table as `npm run bench` writes it (bench/readme-table.js): the
// rows a run measured replace theirs, in issue 18's order; a run of fewer suites leaves the
// other rows as they were; text outside the markers is never touched.
import { describe, expect, it } from 'vitest';
import { type BenchRow, TABLE_END, TABLE_START, updateReadmeTable } from '../../bench/readme-table.js';

const row = (id: string, strata: string, ratio: string): BenchRow => ({ id, what: `bench's own label for ${id}`, strata, peer: '100 ms (90 ms–110 ms)', peerName: 'peer', ratio, target: '≤ 1.0' });

const readme = (table: string): string => `# Title\n\n## Measured\n\nBefore.\n\n${TABLE_START}\n${table}${TABLE_END}\n\nAfter | not a row |\n`;

/** The table's data rows (header and rule left out). */
function rowsOf(text: string): string[] {
  return text
    .slice(text.indexOf(TABLE_START) + TABLE_START.length, text.indexOf(TABLE_END))
    .split('\n')
    .filter((line) => line.startsWith('|'))
    .slice(2);
}

describe('the README performance table', () => {
  it('writes the measured rows in the issue’s order, with min/median/max and the ratio, between the markers only', () => {
    const { text, found, updated } = updateReadmeTable(readme(''), [row('cli.ps', '200 ms (180 ms–260 ms)', '1.90 (1.70–2.40)'), row('cli.version', '120 ms (110 ms–150 ms)', '1.10 (1.00–1.30)'), { ...row('cli.images', 'x', 'y'), id: undefined }], '2026-12-07, load 2.0');
    expect(found).toBe(true);
    expect(updated).toEqual(['cli.version', 'cli.ps']);
    expect(rowsOf(text)).toEqual([
      '| `strata --version` | 120 ms (110 ms–150 ms) | peer 100 ms (90 ms–110 ms) | 1.10 (1.00–1.30) | ≤ 1.0 | 2026-12-07, load 2.0 |',
      '| `strata ps -a`, the local engine | 200 ms (180 ms–260 ms) | peer 100 ms (90 ms–110 ms) | 1.90 (1.70–2.40) | ≤ 1.0 | 2026-12-07, load 2.0 |',
    ]);
    expect(text.startsWith('# Title\n\n## Measured\n\nBefore.\n\n')).toBe(true);
    expect(text.endsWith(`${TABLE_END}\n\nAfter | not a row |\n`)).toBe(true);
  });

  it('a run of one suite rewrites only its rows; the others stay as the last run wrote them', () => {
    const first = updateReadmeTable(readme(''), [row('cli.version', 'v1', 'r1'), row('containers.cycle', 'c1', 'r2'), row('stats.idle', 's1', 'r3')], 'day 1').text;
    const second = updateReadmeTable(first, [row('containers.cycle', 'c2', 'r4')], 'day 2');
    expect(second.updated).toEqual(['containers.cycle']);
    const rows = rowsOf(second.text);
    expect(rows).toHaveLength(3);
    expect(rows[0]).toContain('| v1 |');
    expect(rows[0]).toContain('day 1');
    expect(rows[1]).toContain('| c2 |');
    expect(rows[1]).toContain('day 2');
    expect(rows[2]).toContain('| s1 |');
    // Writing the same again changes nothing.
    expect(updateReadmeTable(second.text, [row('containers.cycle', 'c2', 'r4')], 'day 2').text).toBe(second.text);
  });

  it('escapes a | inside a figure, and leaves a README without the markers as it was', () => {
    const { text } = updateReadmeTable(readme(''), [{ ...row('import.small', 'a | b', 'r'), peerName: 'tar -xzf' }], 'day');
    expect(rowsOf(text)[0]).toContain('a \\| b');
    const plain = '# Title\n\nNo table here.\n';
    expect(updateReadmeTable(plain, [row('cli.ps', 'x', 'y')], 'day')).toEqual({ text: plain, found: false, updated: [] });
  });
});
