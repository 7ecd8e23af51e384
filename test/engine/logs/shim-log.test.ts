// A log written by the real shim (strata-runtime shim, busybox container), followed while
// the container runs and read again after it exits. Needs root, like every container test.
import fs from 'node:fs';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import { followLogs, formatLogLine, readLogs } from '../../../src-main/engine/logs';
import { type LogLine, runtimeBinaryPath } from '../../../src-main/engine/runtime/runtime-binary';
import { type Workspace, until, useWorkspace } from '../../native/runtime/harness';
import { collect } from './log-fixture';

function skipReason(): string {
  if (process.getuid?.() !== 0) return 'running a container needs root';
  if (!fs.existsSync('/bin/busybox')) return 'no /bin/busybox (Debian busybox-static)';
  try {
    runtimeBinaryPath();
  } catch {
    return 'strata-runtime is not built (npm run build:native)';
  }
  return '';
}
const reason = skipReason();
if (reason) console.log(`shim-log: skipped, ${reason}`);
const ws: Workspace | undefined = reason ? undefined : useWorkspace();

describe.skipIf(reason !== '')('a log written by the shim', () => {
  it('is followed while the container writes, and read back whole after it exits', async () => {
    const w = ws!;
    const script = 'echo one; echo two >&2; head -c 40000 /dev/zero | tr "\\0" x; echo; printf last';
    const bundle = w.bundle((c) => (c.process.args = ['sh', '-c', script]));
    const id = w.id('logs');
    const log = path.join(w.dir, 'logs.jsonl');
    const exitFile = path.join(w.dir, 'logs.exit.json');
    const shim = await w.rt(['shim', '--bundle', bundle, '--log', log, '--exit-file', exitFile, id]);
    expect(shim.stderr).toBe('');
    expect(shim.code).toBe(0);

    const controller = new AbortController();
    const iterator = followLogs(log, { signal: controller.signal })[Symbol.asyncIterator]();
    const followed: Promise<LogLine[]> = (async () => {
      const out: LogLine[] = [];
      while (out.length < 6) {
        const next = await iterator.next();
        if (next.done) break;
        out.push(next.value);
      }
      return out;
    })();
    expect((await w.rt(['start', id])).code).toBe(0);
    const got = await followed;
    controller.abort();
    expect(await iterator.next()).toEqual({ done: true, value: undefined });

    // stdout and stderr are separate pipes: order holds within a stream
    const text = (stream: LogLine['stream'], lines: LogLine[]) => lines.filter((l) => l.stream === stream).map((l) => l.log);
    const x = (n: number) => 'x'.repeat(n);
    expect(text('stdout', got)).toEqual(['one\n', x(16384), x(16384), `${x(40000 - 2 * 16384)}\n`, 'last']);
    expect(text('stderr', got)).toEqual(['two\n']);
    for (const l of got) expect(l.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
    expect(got.filter((l) => l.stream === 'stdout').map((l) => formatLogLine(l)).join('')).toBe(`one\n${x(40000)}\nlast`);

    await until(() => fs.existsSync(exitFile));
    expect(await collect(readLogs(log))).toEqual(got);
    expect(await collect(readLogs(log, { tail: 1, streams: ['stdout'] }))).toEqual(got.filter((l) => l.log === 'last'));
    expect(await collect(readLogs(log, { since: new Date(Date.now() + 60_000) }))).toEqual([]);
    expect((await w.rt(['delete', id])).code).toBe(0);
  });
});
