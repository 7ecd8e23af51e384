import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

import { parseStatStartTime, processStartTime, processStartTimeAsync } from '../../../native/lib';
import { useChildren } from './children';
import { useTmpDir } from './tmp';

const children = useChildren();
const tmp = useTmpDir();

/** Field 22 of /proc/<pid>/stat, read another way: a regex over the whole line. */
function startTimeByRegex(pid: number | 'self'): bigint {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
  const match = /^\d+ \(.*\) (.*)\n?$/s.exec(stat);
  const after = match?.[1]?.split(' ') ?? [];
  return BigInt(after[22 - 3] ?? Number.NaN);
}

// A stat line as the kernel writes it, with `comm` in the second field.
const statLine = (comm: string, starttime: string): string =>
  `4242 (${comm}) S 1 4242 4242 0 -1 4194560 95 0 0 0 0 0 0 0 20 0 1 0 ${starttime} ` +
  '2420736 181 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0\n';

describe('processStartTime', () => {
  it('is field 22 of /proc/<pid>/stat for this process', () => {
    const ours = processStartTime(process.pid);
    expect(ours).toBe(startTimeByRegex('self'));
    expect(typeof ours).toBe('bigint');
  });

  it('is later for a child started now, even one whose name has spaces and parentheses', async () => {
    // comm comes from the name the program was exec'd under.
    const odd = path.join(tmp.dir, 'a) b (c) d');
    fs.symlinkSync(fs.realpathSync('/bin/sleep'), odd);
    const child = await children.start(odd, ['30']);
    expect(fs.readFileSync(`/proc/${child.pid}/comm`, 'utf8')).toBe('a) b (c) d\n');

    const started = processStartTime(child.pid);
    expect(started).toBe(startTimeByRegex(child.pid));
    expect(started).not.toBe(processStartTime(process.pid));
    expect(started > processStartTime(process.pid)).toBe(true);

    child.process.kill('SIGKILL');
    await child.exited;
    expect(() => processStartTime(child.pid)).toThrow(
      expect.objectContaining({ code: 'ENOENT', errno: -os.constants.errno.ENOENT, path: `/proc/${child.pid}/stat` }),
    );
  });

  it('rejects pids that cannot exist with a TypeError', () => {
    for (const pid of [0, -1, 1.5, 2 ** 31]) expect(() => processStartTime(pid), String(pid)).toThrow(TypeError);
  });

  it('has a form off the event loop with the same answers', async () => {
    expect(await processStartTimeAsync(process.pid)).toBe(processStartTime(process.pid));
    const child = await children.start('sleep', ['30']);
    expect(await processStartTimeAsync(child.pid)).toBe(startTimeByRegex(child.pid));
    child.process.kill('SIGKILL');
    await child.exited;
    await expect(processStartTimeAsync(child.pid)).rejects.toMatchObject({ code: 'ENOENT', path: `/proc/${child.pid}/stat` });
    for (const pid of [0, -1, 1.5, 2 ** 31]) await expect(processStartTimeAsync(pid), String(pid)).rejects.toThrow(TypeError);
  });
});

describe('parseStatStartTime', () => {
  it.each([
    ['plain', 'sleep'],
    ['spaces', 'a b c'],
    ['closing parentheses', 'x) S 1 2 3 ('],
    ['a newline', 'line\nbreak)'],
    ['empty', ''],
  ])('counts fields after the last ")" when comm has %s', (_, comm) => {
    expect(parseStatStartTime(statLine(comm, '123456789'))).toBe(123456789n);
    expect(parseStatStartTime(Buffer.from(statLine(comm, '7'), 'latin1'))).toBe(7n);
  });

  it('keeps start times beyond 2^53 exact', () => {
    expect(parseStatStartTime(statLine('big', '18446744073709551615'))).toBe(18446744073709551615n);
  });

  it('rejects lines that are not a stat line', () => {
    for (const bad of ['', 'no parentheses at all', '1 (short) S 1 2 3\n', statLine('x', '-5'), statLine('x', '12a')]) {
      expect(() => parseStatStartTime(bad), bad).toThrow(/not a \/proc\/<pid>\/stat line/);
    }
  });
});
