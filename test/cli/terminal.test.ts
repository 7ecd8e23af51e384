// `strata run -it`, `exec -it`, `attach` and `start -ai` as a user types them: the built CLI
// on a real pty (Python's pty module, fixtures/pty-driver.py), real containers. The shell's
// terminal is /dev/pts/0 of the container, follows the outer window's size, gets ^C and ^D;
// detach keys leave it running; the outer terminal's mode is restored however the CLI ends.
// And `-i` without `-t`: standard input from a pipe to the process's stdin, its stdout and
// stderr apart, the pipe's end its EOF (run -i, exec -i, attach, start -ai).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestImage, makeLayer, makeTempDir, testImages, writeDockerArchive } from '../helpers/test-images';
import { PtySession } from './pty-session';

let work: string;
let root: string;
const bin = path.resolve('bin/strata.js');
const sessions: PtySession[] = [];

function strata(...args: string[]): { code: number; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [bin, '--root', root, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** `strata ARGS` with `input` piped to its standard input. */
function piped(input: string, ...args: string[]): { code: number; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [bin, '--root', root, ...args], { encoding: 'utf8', input, timeout: 60_000 });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** `strata ARGS` on a pty of its own. */
function onPty(...args: string[]): PtySession {
  const session = new PtySession([process.execPath, bin, '--root', root, ...args]);
  sessions.push(session);
  return session;
}

function terminalImage(dir: string): TestImage {
  const { a } = testImages(dir);
  const tools = makeLayer(dir, 'tty-tools', (rootDir) => {
    fs.mkdirSync(path.join(rootDir, 'bin'));
    for (const applet of ['tty', 'stty', 'ps']) fs.symlinkSync('busybox', path.join(rootDir, 'bin', applet));
  });
  return { tag: 'test/tty:1', layers: [...a.layers, tools], cmd: ['/bin/sh'] };
}

/** The interactive shell's prompt (busybox sh as root: `/ # `, then its query of the cursor's position). */
const PROMPT = new RegExp(`# (${String.fromCharCode(0x1b)}\\[6n)?$`);

beforeAll(() => {
  work = makeTempDir('cli-terminal');
  root = path.join(work, 'store');
  expect(strata('import', writeDockerArchive(work, [terminalImage(work)])).code).toBe(0);
}, 60_000);

afterAll(() => {
  for (const session of sessions) session.kill();
  const ids = (JSON.parse(strata('ps', '-a', '--json').stdout) as { id: string }[]).map((c) => c.id);
  if (ids.length) strata('rm', '-f', ...ids);
  const mounts = fs.readFileSync('/proc/self/mountinfo', 'utf8');
  fs.rmSync(work, { recursive: true, force: true });
  expect(mounts).not.toContain(root);
});

describe('strata run -it', () => {
  it('a shell on /dev/pts/0 that follows the window, takes ^C, and ends with ^D and its code', async () => {
    const term = onPty('run', '-it', '--rm', '--name', 'shell', 'test/tty:1', 'sh');
    await term.waitFor(PROMPT);
    const during = await term.mode();
    expect(during).toEqual({ echo: false, icanon: false, isig: false }); // raw: every key goes to the container
    term.type('tty; stty size\n');
    await term.waitFor(/\/dev\/pts\/0\n24 80\n/);
    term.resize(33, 111);
    term.type('stty size\n');
    await term.waitFor(/\n33 111\n/);

    term.type('sleep 100\n');
    await term.waitFor(() => /sleep 100/.test(strata('exec', 'shell', 'ps').stdout));
    term.type('\x03'); // ^C: SIGINT to the container's foreground process
    await term.waitFor(() => !/sleep 100/.test(strata('exec', 'shell', 'ps').stdout));
    term.type('echo "rc=$?"\n');
    await term.waitFor(/rc=130\n/);

    term.type('false\n');
    term.type('\x04'); // ^D at the prompt: the shell ends with the last command's status
    expect(await term.exited()).toBe(1);
    expect(term.finalMode).toEqual({ echo: true, icanon: true, isig: true });
    expect(JSON.parse(strata('ps', '-a', '--json').stdout)).toEqual([]); // --rm
  });

  it('detach keys leave it running; attach comes back to its screen; kill restores the terminal', async () => {
    const first = onPty('run', '-it', '--name', 'keep', 'test/tty:1', 'sh');
    await first.waitFor(PROMPT);
    first.type('echo marker-$((40+2))\n');
    await first.waitFor(/marker-42\n/);
    first.type('\x10\x11'); // ctrl-p ctrl-q
    expect(await first.exited()).toBe(0);
    expect(first.screen).toMatch(/detached from keep/);
    expect(first.finalMode).toEqual({ echo: true, icanon: true, isig: true });
    expect(strata('ps').stdout).toMatch(/keep/);

    // a ctrl-p not followed by ctrl-q reaches the shell as typed (its history: the last line back)
    const again = onPty('attach', 'keep');
    await again.waitFor(/marker-42/); // the scrollback: the screen as it was
    again.type('\x10');
    again.type(' back\n');
    await again.waitFor(/\nmarker-42 back\n/);
    const before = await again.mode();
    expect(before.echo).toBe(false);
    expect(strata('kill', 'keep').code).toBe(0);
    expect(await again.exited()).toBe(137);
    expect(again.finalMode).toEqual({ echo: true, icanon: true, isig: true });
    expect(strata('ps', '-a').stdout).toMatch(/Exited \(137\)/);

    // a custom sequence
    const custom = onPty('start', '-ai', '--detach-keys', 'ctrl-x,x', 'keep');
    await custom.waitFor(PROMPT);
    custom.type('\x18x');
    expect(await custom.exited()).toBe(0);
    expect(strata('ps').stdout).toMatch(/keep/);
    expect(strata('rm', '-f', 'keep').code).toBe(0);
  });

  it('refuses -it when the input is not a terminal', () => {
    expect(strata('run', '-it', 'test/tty:1', 'sh')).toMatchObject({ code: 1, stderr: expect.stringMatching(/the input device is not a TTY/) });
    expect(JSON.parse(strata('ps', '-a', '--json').stdout)).toEqual([]);
  });

  it('-t without -i: the output through a terminal, the exit code', async () => {
    const term = onPty('run', '-t', '--rm', 'test/tty:1', 'sh', '-c', 'tty; exit 3');
    expect(await term.exited()).toBe(3);
    expect(term.screen).toBe('/dev/pts/0\n');
  });
});

describe('strata exec -it', () => {
  it('a shell in a running container that has no terminal of its own', async () => {
    const started = strata('run', '-d', '--name', 'plain', 'test/tty:1', 'sleep', '1000');
    expect(started.code).toBe(0);
    const term = onPty('exec', '-it', '-e', 'WHO=exec', 'plain', 'sh');
    await term.waitFor(PROMPT);
    term.type('tty; echo hi-$WHO; exit 6\n');
    expect(await term.exited()).toBe(6);
    expect(term.screen).toMatch(/\/dev\/pts\/0\nhi-exec\n/);
    expect(term.finalMode).toEqual({ echo: true, icanon: true, isig: true });

    // SIGTERM to the CLI: the terminal is restored, the exec'd shell runs on (as docker's)
    const second = onPty('exec', '-it', 'plain', 'sh', '-c', 'echo second-shell; sleep 1000');
    await second.waitFor(/second-shell/);
    expect((await second.mode()).echo).toBe(false);
    process.kill(second.pid!, 'SIGTERM');
    expect(await second.exited()).toBe(143);
    expect(second.finalMode).toEqual({ echo: true, icanon: true, isig: true });
    expect(strata('exec', 'plain', 'ps').stdout).toMatch(/sleep 1000/);

    expect(strata('attach', 'plain')).toMatchObject({ code: 1, stderr: expect.stringMatching(/has no terminal nor stdin/) });
    const attach = onPty('attach', 'plain');
    expect(await attach.exited()).toBe(1);
    expect(attach.screen).toMatch(/has no terminal/);
    expect(strata('rm', '-f', 'plain').code).toBe(0);
  });
});

describe('-i without -t: standard input without a terminal', () => {
  it('run -i: a pipe in, stdout and stderr apart, its end is EOF, the exit code; without -i, /dev/null', () => {
    expect(piped('hi\n', 'run', '-i', '--rm', 'test/tty:1', 'cat')).toEqual({ code: 0, stdout: 'hi\n', stderr: '' });
    expect(piped('echo one\necho two >&2\n[ -t 0 ] || echo not-a-tty\nexit 4\n', 'run', '-i', '--name', 'piped-sh', 'test/tty:1', 'sh')).toEqual({ code: 4, stdout: 'one\nnot-a-tty\n', stderr: 'two\n' });
    // the log has it too, stream by stream
    expect(strata('logs', 'piped-sh')).toMatchObject({ stdout: 'one\nnot-a-tty\n', stderr: 'two\n' });
    expect(strata('rm', 'piped-sh').code).toBe(0);
    // without -i the container's stdin is /dev/null, as docker's: cat ends at once
    expect(piped('ignored\n', 'run', '--rm', 'test/tty:1', 'sh', '-c', 'cat; echo "cat: $?"')).toEqual({ code: 0, stdout: 'cat: 0\n', stderr: '' });
    // a large input goes through whole, in order
    const big = Array.from({ length: 20_000 }, (_, i) => `line ${i}`).join('\n') + '\n';
    const counted = piped(big, 'run', '-i', '--rm', 'test/tty:1', 'sh', '-c', "awk 'END { print NR, $0 }'"); // busybox's standalone shell finds its applets
    expect(counted).toEqual({ code: 0, stdout: '20000 line 19999\n', stderr: '' });
    expect(JSON.parse(strata('ps', '-a', '--json').stdout)).toEqual([]);
  });

  it('exec -i in a running container; run -d -i, then attach and start -ai feed its stdin', () => {
    expect(strata('run', '-d', '--name', 'feed', 'test/tty:1', 'sleep', '1000').code).toBe(0);
    expect(piped('data\n', 'exec', '-i', 'feed', 'cat')).toEqual({ code: 0, stdout: 'data\n', stderr: '' });
    // writes and exits before the engine has attached, and before our input has ended
    expect(piped('data\n', 'exec', '-i', 'feed', 'echo', 'early')).toEqual({ code: 0, stdout: 'early\n', stderr: '' });
    expect(piped('echo out\necho err >&2\nexit 5\n', 'exec', '-i', 'feed', 'sh')).toEqual({ code: 5, stdout: 'out\n', stderr: 'err\n' });
    expect(strata('rm', '-f', 'feed').code).toBe(0);

    // a container that keeps its stdin open with nobody attached, fed later
    expect(strata('run', '-d', '-i', '--name', 'reader', 'test/tty:1', 'sh', '-c', 'while read l; do echo "got $l"; done; exit 2').code).toBe(0);
    expect(piped('x\ny\n', 'attach', 'reader')).toEqual({ code: 2, stdout: 'got x\ngot y\n', stderr: '' });
    // start -ai of the exited one: attached before it runs, fed again
    expect(piped('z\n', 'start', '-ai', 'reader')).toEqual({ code: 2, stdout: 'got z\n', stderr: '' });
    expect(strata('rm', 'reader').code).toBe(0);
  });
});
