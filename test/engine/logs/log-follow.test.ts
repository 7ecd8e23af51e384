// followLogs on real files written by the test while the follower runs. Records are
// awaited through the iterator under one overall bound; nothing asserts timing.
import fs from 'node:fs';
import path from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { type LogQuery, type SkippedLine, POLL_MS, followLogs } from '../../../src-main/engine/logs';
import type { LogLine } from '../../../src-main/engine/runtime/runtime-binary';
import { collect, jsonl, record, timeAt, useTempDir, variedLog } from './log-fixture';

const BOUND_MS = 10_000;
const dir = useTempDir();
let counter = 0;
const newFile = () => path.join(dir, `follow-${++counter}.jsonl`);
const records = (from: number, count: number, stream: LogLine['stream'] = 'stdout') =>
  Array.from({ length: count }, (_, i) => record(timeAt(BigInt(from + i) * 1_000_000_001n), stream, `line ${from + i}\n`));
const append = (file: string, text: string | LogLine[]) => fs.appendFileSync(file, typeof text === 'string' ? text : jsonl(text));
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function bounded<T>(work: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no ${what} within ${BOUND_MS} ms`)), BOUND_MS);
  });
  try {
    return await Promise.race([work, limit]);
  } finally {
    clearTimeout(timer);
  }
}

const followers: Follower[] = [];
afterEach(async () => {
  for (const f of followers.splice(0)) {
    f.controller.abort();
    await bounded(f.iterator.return!(), 'return'); // a generator paused at a yield closes its file only when resumed
  }
});

/** A follow in progress: take records from it as they come, stop it. */
class Follower {
  readonly controller = new AbortController();
  readonly skipped: SkippedLine[] = [];
  readonly iterator: AsyncIterator<LogLine>;

  constructor(file: string, query: LogQuery = {}) {
    const iterable = followLogs(file, { ...query, onSkip: (s) => this.skipped.push(s), signal: this.controller.signal });
    this.iterator = iterable[Symbol.asyncIterator]();
    followers.push(this);
  }

  /** The next n records. */
  take(n: number): Promise<LogLine[]> {
    const work = async () => {
      const out: LogLine[] = [];
      while (out.length < n) {
        const next = await this.iterator.next();
        if (next.done) throw new Error(`follow ended after ${out.length} of ${n} records`);
        out.push(next.value);
      }
      return out;
    };
    return bounded(work(), `${n} records`);
  }

  /** Resolves when the iteration has ended. */
  async ended(): Promise<void> {
    const next = await bounded(this.iterator.next(), 'end');
    expect(next).toEqual({ done: true, value: undefined });
  }
}

/** The files this process has open whose path is file. */
function openFds(file: string): string[] {
  return fs.readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return fs.readlinkSync(`/proc/self/fd/${fd}`) === file;
    } catch {
      return false;
    }
  });
}

describe('followLogs', () => {
  it('gives what readLogs gives, then records appended while it runs', async () => {
    const file = newFile();
    const old = records(0, 5);
    append(file, old);
    const f = new Follower(file, { tail: 2 });
    expect(await f.take(2)).toEqual(old.slice(-2));
    const added = records(5, 4);
    for (const r of added.slice(0, 3)) append(file, [r]);
    expect(await f.take(3)).toEqual(added.slice(0, 3));
    append(file, added.slice(3));
    expect(await f.take(1)).toEqual(added.slice(3));
    f.controller.abort();
    await f.ended();
    expect(f.skipped).toEqual([]);
  });

  it('with tail 0 gives only new records', async () => {
    const file = newFile();
    append(file, records(0, 3));
    const f = new Follower(file, { tail: 0 });
    const next = f.take(1);
    await pause(POLL_MS); // lets the follower start first; the result does not depend on it
    const added = records(3, 1);
    append(file, added);
    expect(await next).toEqual(added);
  });

  it('waits for the newline of a partial line, in the initial read and later', async () => {
    const file = newFile();
    const [a, b, c] = records(0, 3).map((r) => JSON.stringify(r)) as [string, string, string];
    append(file, `${a}\n${b.slice(0, 25)}`);
    const f = new Follower(file, { tail: 1 });
    expect(await f.take(1)).toEqual(records(0, 1));
    append(file, b.slice(25, 40));
    await pause(POLL_MS); // lets the follower read the middle alone; the result does not depend on it
    append(file, `${b.slice(40)}\n${c.slice(0, 10)}`);
    expect(await f.take(1)).toEqual(records(1, 1));
    append(file, `${c.slice(10)}\n`);
    expect(await f.take(1)).toEqual(records(2, 1));
    expect(f.skipped).toEqual([]);
  });

  it('reads a file created after following began, from its start', async () => {
    const file = newFile();
    const f = new Follower(file);
    const next = f.take(3);
    await pause(POLL_MS);
    append(file, records(0, 3));
    expect(await next).toEqual(records(0, 3));
  });

  it('reads a file whose directory is created after following began', async () => {
    const file = path.join(dir, 'later', 'sub', 'log.jsonl');
    const f = new Follower(file, { tail: 1 });
    const next = f.take(2);
    await pause(POLL_MS);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    append(file, records(0, 2));
    expect(await next).toEqual(records(0, 2));
  });

  it('reads a replacement file (renamed over the log) from its start, after the rest of the old one', async () => {
    const file = newFile();
    append(file, records(0, 3));
    const f = new Follower(file, { tail: 1 });
    expect(await f.take(1)).toEqual(records(2, 1));
    append(file, records(3, 1));
    const replacement = `${file}.new`;
    append(replacement, records(10, 2));
    fs.renameSync(replacement, file);
    const got = await f.take(3);
    // the old file's last record may have been read before or after the switch, never lost
    expect(got).toEqual([...records(3, 1), ...records(10, 2)]);
  });

  it('starts again at 0 when the file is truncated', async () => {
    const file = newFile();
    append(file, records(0, 3));
    const f = new Follower(file);
    expect(await f.take(3)).toEqual(records(0, 3));
    fs.writeFileSync(file, jsonl(records(7, 1))); // truncates in place, then writes less than before
    expect(await f.take(1)).toEqual(records(7, 1));
    append(file, records(8, 2));
    expect(await f.take(2)).toEqual(records(8, 2));
    fs.truncateSync(file, 0);
    await pause(POLL_MS * 2);
    append(file, records(20, 1));
    expect(await f.take(1)).toEqual(records(20, 1));
  });

  it('applies since and the stream filter to new records, and skips malformed lines', async () => {
    const file = newFile();
    const since = new Date(`${timeAt(100n * 1_000_000_001n).slice(0, 23)}Z`);
    const f = new Follower(file, { since, streams: ['stderr'] });
    const next = f.take(2);
    const old = records(1, 1, 'stderr');
    const out = records(100, 2, 'stdout');
    const err = records(101, 2, 'stderr');
    append(file, [out[0]!, old[0]!, err[0]!]);
    append(file, 'garbage, not a record\n');
    append(file, [out[1]!, err[1]!]);
    expect(await next).toEqual(err);
    expect(f.skipped).toMatchObject([{ reason: 'malformed', length: 'garbage, not a record'.length }]);
  });

  it('ends by itself once until has passed, after what is there', async () => {
    const file = newFile();
    append(file, records(0, 3));
    const iterable = followLogs(file, { until: new Date(Date.now() - 1000), signal: new AbortController().signal });
    expect(await bounded(collect(iterable), 'end')).toEqual(records(0, 3));
  });

  it('ends promptly when the signal aborts, closing the file', async () => {
    const file = newFile();
    append(file, records(0, 2));
    const f = new Follower(file);
    expect(await f.take(2)).toEqual(records(0, 2));
    expect(openFds(file)).toHaveLength(1);
    const waiting = f.iterator.next(); // the follower is waiting for more
    f.controller.abort();
    expect(await bounded(waiting, 'end')).toEqual({ done: true, value: undefined });
    expect(openFds(file)).toEqual([]);
    await f.ended();
  });

  it('stops in the middle of a long initial read when aborted', async () => {
    const file = newFile();
    const many = variedLog(3, 512 * 1024);
    append(file, many);
    const f = new Follower(file);
    expect(await f.take(10)).toEqual(many.slice(0, 10));
    f.controller.abort();
    await f.ended();
    expect(openFds(file)).toEqual([]);
  });

  it('with a signal already aborted, yields nothing', async () => {
    const file = newFile();
    append(file, records(0, 2));
    const controller = new AbortController();
    controller.abort();
    expect(await bounded(collect(followLogs(file, { signal: controller.signal })), 'end')).toEqual([]);
  });
});
