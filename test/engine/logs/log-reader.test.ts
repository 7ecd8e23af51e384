// readLogs on real files: everything, tail (found walking back from the end in chunks),
// since/until to the nanosecond, stream filters, and the lines that are not records.
import fs from 'node:fs';
import path from 'node:path';

import { beforeAll, describe, expect, it } from 'vitest';

import { type SkippedLine, readLogs } from '../../../src-main/engine/logs';
import { CHUNK_BYTES, MAX_LINE_BYTES } from '../../../src-main/engine/logs/log-lines';
import type { LogLine } from '../../../src-main/engine/runtime/runtime-binary';
import { isStrataError } from '@shared/errors';
import { SPLIT_BYTES, collect, jsonl, record, timeAt, useTempDir, variedLog } from './log-fixture';

const dir = useTempDir();
let counter = 0;

function writeLog(content: string | Buffer): string {
  const file = path.join(dir, `log-${++counter}.jsonl`);
  fs.writeFileSync(file, content);
  return file;
}

describe('readLogs on a log of a few MB', () => {
  let records: LogLine[];
  let file: string;
  beforeAll(() => {
    records = variedLog(7, 3 * 1024 * 1024);
    file = writeLog(jsonl(records));
  });

  it('is made as the shim makes it: several chunks, lines split at 16 KiB', () => {
    expect(fs.statSync(file).size).toBeGreaterThan(40 * CHUNK_BYTES);
    expect(records.some((r) => Buffer.byteLength(r.log) === SPLIT_BYTES && !r.log.endsWith('\n'))).toBe(true);
    expect(records.some((r) => r.log.includes('😀'))).toBe(true);
  });

  it('reads every record in order', async () => {
    expect(await collect(readLogs(file))).toEqual(records);
  });

  it.each([0, 1, 2, 3, 17, 1000])('tail %i gives the last records', async (n) => {
    expect(await collect(readLogs(file, { tail: n }))).toEqual(n === 0 ? [] : records.slice(-n));
  });

  it('tail of all, or of more than there are, gives everything', async () => {
    expect(await collect(readLogs(file, { tail: records.length }))).toEqual(records);
    expect(await collect(readLogs(file, { tail: records.length + 5 }))).toEqual(records);
  });

  it('tail counts only the records of the chosen stream', async () => {
    const stderr = records.filter((r) => r.stream === 'stderr');
    expect(await collect(readLogs(file, { streams: ['stderr'] }))).toEqual(stderr);
    expect(await collect(readLogs(file, { streams: ['stderr'], tail: 250 }))).toEqual(stderr.slice(-250));
    expect(await collect(readLogs(file, { streams: ['stdout', 'stderr'], tail: 5 }))).toEqual(records.slice(-5));
    expect(await collect(readLogs(file, { streams: [] }))).toEqual([]);
  });

  it('tail with since and until counts within the window', async () => {
    // Dates hold milliseconds; record times in this fixed format sort as text in time order
    const since = new Date(`${records[100]!.time.slice(0, 23)}Z`);
    const until = new Date(`${records[900]!.time.slice(0, 23)}Z`);
    const nanos = (d: Date) => `${d.toISOString().slice(0, 23)}000000Z`;
    const window = records.filter((r) => r.time >= nanos(since) && r.time <= nanos(until));
    expect(window.length).toBeGreaterThan(100);
    expect(await collect(readLogs(file, { since, until }))).toEqual(window);
    expect(await collect(readLogs(file, { since, until, tail: 10 }))).toEqual(window.slice(-10));
    expect(await collect(readLogs(file, { since, until, tail: 10, streams: ['stdout'] }))).toEqual(window.filter((r) => r.stream === 'stdout').slice(-10));
  });
});

/** A record whose line, newline included, is exactly `bytes` long. */
function recordOfLength(bytes: number, i: number): LogLine {
  const time = timeAt(BigInt(i) * 1000n);
  const overhead = JSON.stringify(record(time, 'stdout', '')).length + 1 + 2; // + '\n' in the file, + '\\n' in the text
  return record(time, 'stdout', `${'x'.repeat(bytes - overhead)}\n`);
}

describe('readLogs at chunk boundaries', () => {
  // 1 KiB lines put a newline right at every chunk boundary; a first line one byte
  // shorter or longer moves them all just before or after it, from either end.
  it.each([-2, -1, 0, 1, 2])('lines of 1 KiB shifted by %i bytes', async (shift) => {
    const records = [recordOfLength(1024 + shift, 0), ...Array.from({ length: 300 }, (_, i) => recordOfLength(1024, i + 1))];
    const file = writeLog(jsonl(records));
    expect(fs.statSync(file).size).toBe(301 * 1024 + shift);
    expect(await collect(readLogs(file))).toEqual(records);
    for (const n of [1, 63, 64, 65, 128, 300, 301]) expect(await collect(readLogs(file, { tail: n }))).toEqual(records.slice(-n));
  });

  it('a record spanning three chunks, first or last', async () => {
    const long = record(timeAt(5n), 'stderr', `${'y'.repeat(2 * CHUNK_BYTES + 100)}\n`);
    const small = record(timeAt(6n), 'stdout', 'small\n');
    for (const records of [[long], [long, small], [small, long], [small, long, small]]) {
      const file = writeLog(jsonl(records));
      expect(await collect(readLogs(file))).toEqual(records);
      expect(await collect(readLogs(file, { tail: 1 }))).toEqual(records.slice(-1));
      expect(await collect(readLogs(file, { tail: 2 }))).toEqual(records.slice(-2));
    }
  });
});

describe('readLogs by time, to the nanosecond', () => {
  const times = [
    '2026-11-29T01:02:03.122999999Z',
    '2026-11-29T01:02:03.123000000Z',
    '2026-11-29T01:02:03.123000001Z',
    '2026-11-29T01:02:03.123456789Z',
    '2026-11-29T01:02:03.123999999Z',
    '2026-11-29T01:02:03.124000000Z',
  ];
  const records = times.map((t, i) => record(t, 'stdout', `${i}\n`));
  const at = (iso: string) => new Date(iso);
  let file: string;
  beforeAll(() => {
    file = writeLog(jsonl(records));
  });

  it('since includes records at or after it, beyond its milliseconds', async () => {
    expect(await collect(readLogs(file, { since: at('2026-11-29T01:02:03.123Z') }))).toEqual(records.slice(1));
    expect(await collect(readLogs(file, { since: at('2026-11-29T01:02:03.124Z') }))).toEqual(records.slice(5));
  });

  it('until includes records at or before it: a later nanosecond in the same millisecond is after it', async () => {
    expect(await collect(readLogs(file, { until: at('2026-11-29T01:02:03.123Z') }))).toEqual(records.slice(0, 2));
    expect(await collect(readLogs(file, { since: at('2026-11-29T01:02:03.123Z'), until: at('2026-11-29T01:02:03.123Z') }))).toEqual([records[1]]);
    expect(await collect(readLogs(file, { since: at('2026-11-29T01:02:04Z') }))).toEqual([]);
  });

  it('reads zone offsets and short fractions as RFC 3339 says', async () => {
    const other = [
      record('2026-11-29T02:02:03.5+01:00', 'stdout', 'a\n'), // 01:02:03.500
      record('2026-11-28T20:02:03-05:00', 'stdout', 'b\n'), // 01:02:03.000
      record('2026-11-29T01:02:03.123456Z', 'stdout', 'c\n'),
    ];
    const f = writeLog(jsonl(other));
    expect((await collect(readLogs(f, { since: at('2026-11-29T01:02:03.400Z') }))).map((r) => r.log)).toEqual(['a\n']);
    expect((await collect(readLogs(f, { until: at('2026-11-29T01:02:03.123Z') }))).map((r) => r.log)).toEqual(['b\n']);
    // the records come back exactly as written
    expect(await collect(readLogs(f))).toEqual(other);
  });
});

describe('readLogs and lines that are not records', () => {
  const good = [0, 1, 2, 3].map((i) => record(timeAt(BigInt(i) * 1_000_000_007n), i === 2 ? 'stderr' : 'stdout', `line ${i}\n`));
  const line = (r: LogLine) => JSON.stringify(r);

  it('skips malformed lines, reporting each, and reads on', async () => {
    const torn = line(good[1]!).slice(0, 30); // a writer that died mid-record
    const bad = [
      'not json at all',
      `{"time":"2026-11-29T01:02:03Z","stream":"std`,
      `{"time":"yesterday","stream":"stdout","log":"x\\n"}`,
      `{"time":"2026-02-30T01:02:03Z","stream":"stdout","log":"x\\n"}`,
      `{"time":"2026-11-29T01:02:03Z","stream":"stdin","log":"x\\n"}`,
      `{"time":"2026-11-29T01:02:03Z","stream":"stdout","log":5}`,
      'null',
      '[]',
    ];
    const text = [line(good[0]!), ...bad, `${torn}${line(good[1]!)}`, '', line(good[2]!), line(good[3]!)].join('\n') + '\n';
    const file = writeLog(text);
    const skipped: SkippedLine[] = [];
    // the torn record's line also held a whole one, which is kept
    expect(await collect(readLogs(file, { onSkip: (s) => skipped.push(s) }))).toEqual(good);
    expect(skipped.map((s) => s.reason)).toEqual(Array(bad.length + 1).fill('malformed'));
    const bytes = Buffer.from(text);
    expect(skipped.map((s) => bytes.subarray(s.offset, s.offset + s.length).toString())).toEqual([...bad, `${torn}${line(good[1]!)}`]);
    // tail steps over them too
    expect(await collect(readLogs(file, { tail: 3 }))).toEqual(good.slice(1));
  });

  it('an unterminated last line is yielded if whole, else reported as incomplete', async () => {
    const whole = writeLog(`${line(good[0]!)}\n${line(good[1]!)}`);
    expect(await collect(readLogs(whole))).toEqual(good.slice(0, 2));
    expect(await collect(readLogs(whole, { tail: 1 }))).toEqual([good[1]]);

    const partial = `${line(good[1]!).slice(0, 40)}`;
    const cut = writeLog(`${line(good[0]!)}\n${partial}`);
    const skipped: SkippedLine[] = [];
    expect(await collect(readLogs(cut, { onSkip: (s) => skipped.push(s) }))).toEqual([good[0]]);
    expect(skipped).toEqual([{ reason: 'incomplete', offset: line(good[0]!).length + 1, length: 40 }]);
    expect(await collect(readLogs(cut, { tail: 1 }))).toEqual([good[0]]);
  });

  it('a line too long to be a record is stepped over without being held', async () => {
    const huge = 'z'.repeat(MAX_LINE_BYTES + 3 * CHUNK_BYTES + 7);
    const text = `${line(good[0]!)}\n${huge}\n${line(good[1]!)}\n`;
    const file = writeLog(text);
    const skipped: SkippedLine[] = [];
    expect(await collect(readLogs(file, { onSkip: (s) => skipped.push(s) }))).toEqual(good.slice(0, 2));
    expect(skipped).toEqual([{ reason: 'malformed', offset: line(good[0]!).length + 1, length: huge.length }]);
    expect(await collect(readLogs(file, { tail: 2 }))).toEqual(good.slice(0, 2));
    // the same, unterminated at the end of the file
    const last = writeLog(`${line(good[0]!)}\n${huge}`);
    expect(await collect(readLogs(last, { tail: 5 }))).toEqual([good[0]]);
  });

  it('output that is not UTF-8 still makes records', async () => {
    // the shim copies output bytes into the JSON string as they are
    const head = Buffer.from(`{"time":"${good[0]!.time}","stream":"stdout","log":"a`);
    const file = writeLog(Buffer.concat([head, Buffer.from([0xff, 0xe2, 0x82]), Buffer.from('b\\n"}\n')]));
    expect(await collect(readLogs(file))).toEqual([{ ...good[0]!, log: 'a\ufffd\ufffdb\n' }]);
  });

  it('an empty or missing file yields nothing', async () => {
    expect(await collect(readLogs(writeLog('')))).toEqual([]);
    expect(await collect(readLogs(writeLog(''), { tail: 3 }))).toEqual([]);
    expect(await collect(readLogs(path.join(dir, 'missing.jsonl')))).toEqual([]);
    expect(await collect(readLogs(path.join(dir, 'no-such-dir', 'log.jsonl'), { tail: 1 }))).toEqual([]);
  });

  it('refuses a bad query with INVALID_ARGUMENT', async () => {
    const file = writeLog(`${line(good[0]!)}\n`);
    for (const query of [{ tail: -1 }, { tail: 1.5 }, { since: new Date('nope') }, { until: new Date(NaN) }, { streams: ['stdin' as 'stdout'] }]) {
      const error = await collect(readLogs(file, query)).then(() => undefined, (e: unknown) => e);
      expect(isStrataError(error, 'INVALID_ARGUMENT'), JSON.stringify(query)).toBe(true);
    }
  });
});
