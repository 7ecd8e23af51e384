// spawnWait: a program run to its end through posix_spawn, with what child_process would
// give — argv[0], environment, cwd, stdin on /dev/null, default signal dispositions (Node
// ignores SIGPIPE; an ignored signal would survive exec), exit code or signal, every byte of
// stdout and stderr — and no zombie or fd left behind.
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';

import { spawnWait } from '../../../native/lib';
import { useTmpDir } from './tmp';

const tmp = useTmpDir();
const SH = '/bin/sh';

/** This process's open fds, by number. */
function openFds(): string[] {
  return fs.readdirSync('/proc/self/fd').sort();
}

/** Children of this process that have exited and not been reaped. */
function zombies(): number[] {
  const children = fs.readFileSync(`/proc/self/task/${process.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
  return children.map(Number).filter((pid) => {
    try {
      return fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.startsWith('Z');
    } catch {
      return false;
    }
  });
}

describe('spawnWait', () => {
  it('gives argv, environment and cwd as asked, and both outputs apart', async () => {
    const dir = tmp.dir;
    const result = await spawnWait(SH, ['-c', 'echo "$0|$1|$GREETING|$(pwd)"; echo to-stderr >&2; exit 7', 'first'], { env: { GREETING: 'hello', PATH: '/usr/bin:/bin' }, cwd: dir });
    expect(result.code).toBe(7);
    expect(result.signal).toBeNull();
    const [argv0, first, greeting, cwd] = result.stdout.toString().trim().split('|');
    // sh -c's $0 is the first argument after the command string; argv[0] itself is the file.
    expect(argv0).toBe('first');
    expect(first).toBe('');
    expect(greeting).toBe('hello');
    expect(cwd).toBe(fs.realpathSync(dir));
    expect(result.stderr.toString()).toBe('to-stderr\n');
  });

  it('runs the program with argv[0] as the file, stdin on /dev/null and no signal ignored or blocked', async () => {
    // The masks as the program got them, read by an exec'd grep of its own status: the shell's
    // own status, read from a child, could catch the shell blocking signals around that fork.
    const result = await spawnWait(SH, ['-c', 'tr "\\0" " " < /proc/$$/cmdline; echo; readlink /proc/$$/fd/0; exec grep -E "^Sig(Ign|Blk)" /proc/self/status']);
    const [cmdline, stdin, ...masks] = result.stdout.toString().trim().split('\n');
    const ignored = masks.find((line) => line.startsWith('SigIgn'));
    const blocked = masks.find((line) => line.startsWith('SigBlk'));
    expect(cmdline!.trim().startsWith(`${SH} -c`)).toBe(true);
    expect(stdin).toBe('/dev/null');
    // But glibc's own two (32 and 33, SIGCANCEL and SIGSETXID): posix_spawn ignores them in
    // the child where the parent has handlers, and a glibc program sets them again at start.
    const glibcInternal = (1n << 31n) | (1n << 32n);
    expect(BigInt(`0x${ignored!.split(/\s+/)[1]}`) & ~glibcInternal).toBe(0n);
    expect(blocked).toMatch(/^SigBlk:\s+0+$/);
  });

  it('reports a signal that ended the program', async () => {
    const result = await spawnWait(SH, ['-c', 'kill -TERM $$']);
    expect(result).toMatchObject({ code: null, signal: 'SIGTERM' });
  });

  it('collects large outputs on both pipes at once (neither writer blocks the other)', async () => {
    const result = await spawnWait(SH, ['-c', 'head -c 3000000 /dev/zero; head -c 200000 /dev/zero >&2; head -c 1000 /dev/zero']);
    expect(result.code).toBe(0);
    expect(result.stdout.length).toBe(3_001_000);
    expect(result.stderr.length).toBe(200_000);
  });

  it('rejects a program that cannot be started with a SystemError naming it', async () => {
    const missing = `${tmp.dir}/no-such-program`;
    await expect(spawnWait(missing, [])).rejects.toMatchObject({ code: 'ENOENT', syscall: 'posix_spawn', path: missing });
    const notExecutable = `${tmp.dir}/plain`;
    fs.writeFileSync(notExecutable, 'not a program', { mode: 0o644 });
    await expect(spawnWait(notExecutable, [])).rejects.toMatchObject({ code: 'EACCES' });
  });

  it('refuses arguments C would truncate', async () => {
    await expect(spawnWait(SH, ['-c', 'true\0rm -rf /'])).rejects.toThrow(/NUL/);
  });

  it('leaves no zombie and no fd behind, many runs at once', async () => {
    const before = openFds();
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => spawnWait(SH, ['-c', `echo ${i}`])));
    expect(results.map((result) => result.stdout.toString().trim())).toEqual(Array.from({ length: 20 }, (_, i) => String(i)));
    expect(zombies()).toEqual([]);
    expect(openFds()).toEqual(before);
  });
});
