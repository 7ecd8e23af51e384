// A terminal container under the shim: the shim keeps the pty master for the container's
// life, logs its output as "stdout", and serves it on <root>/<id>/attach.sock — input,
// resize, close-stdin in; scrollback, output and the exit code out — to several clients,
// none of which can hold the container back. And a container without a terminal run with
// --stdin (`-i` alone): its stdin a pipe the shim keeps, served on the same socket.
import fs from 'node:fs';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import type { LogLine, RuntimeState, ShimExit } from '../../../src-main/engine/runtime';
import { AttachClient } from './attach-client';
import { statusField, until, useWorkspace } from './harness';

const ws = useWorkspace();

async function shim(name: string, args: string[], extra: string[] = [], terminal = true) {
  const bundle = ws.bundle((c) => {
    c.process.args = args;
    c.process.terminal = terminal;
    if (terminal) c.process.consoleSize = { height: 24, width: 80 };
  });
  const id = ws.id(name);
  const log = path.join(ws.dir, `${name}.log`);
  const exitFile = path.join(ws.dir, `${name}.exit.json`);
  const r = await ws.rt(['shim', '--bundle', bundle, '--log', log, '--exit-file', exitFile, ...extra, id]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const info = JSON.parse(r.stdout) as { shimPid: number; pid: number; attachSocket: string };
  return { id, log, exitFile, ...info };
}

/** The host pids of pid's children named comm. */
function children(pid: number, comm: string): number[] {
  const list = fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  return list.filter((c) => {
    try {
      return fs.readFileSync(`/proc/${c}/comm`, 'utf8').trim() === comm;
    } catch {
      return false;
    }
  });
}

describe('the shim holds stdin without a terminal (--stdin)', () => {
  it('input to the pipe, stdout and stderr apart to every client and to the log, close-stdin is EOF', async () => {
    const s = await shim('stdin', ['sh', '-c', 'while read line; do echo "out:$line"; echo "err:$line" >&2; done; echo end; exit 3'], ['--stdin'], false);
    expect(s.attachSocket).toBe(path.join(ws.root, s.id, 'attach.sock'));
    const a = await AttachClient.connect(s.attachSocket);
    const b = await AttachClient.connect(s.attachSocket);
    expect((await ws.rt(['start', s.id])).code).toBe(0);
    a.send('one\ntw');
    b.send('o\n');
    b.resize(10, 10); // no terminal: ignored
    await until(() => a.output === 'out:one\nout:two\n' && a.errors === 'err:one\nerr:two\n');
    expect(b.output).toBe(a.output);
    a.send('three\n');
    a.closeStdin(); // after the input before it
    a.send('lost\n'); // after the close: nowhere to go
    await until(() => a.exitCode !== undefined && b.exitCode !== undefined);
    expect(a.exitCode).toBe(3);
    expect(a.output).toBe('out:one\nout:two\nout:three\nend\n');
    const lines = fs.readFileSync(s.log, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as LogLine);
    expect(lines.filter((l) => l.stream === 'stdout').map((l) => l.log).join('')).toBe('out:one\nout:two\nout:three\nend\n');
    expect(lines.filter((l) => l.stream === 'stderr').map((l) => l.log).join('')).toBe('err:one\nerr:two\nerr:three\n');
    expect((await ws.rt(['delete', s.id])).code).toBe(0);
  });

  it('a client that writes after the end still gets all the output and the exit code: the shim keeps its connection till it closes', async () => {
    // The race of `echo 'echo out; exit 3' | strata exec -i c sh`: the shell exits on its input,
    // then the client's input ends and it sends close-stdin — after the holder has sent the
    // output and X but before the client has read them. Made certain here: the client reads
    // nothing until the socket's path is gone (the holder is in attach_close), then writes.
    // A holder that had closed the connection makes that write fail (EPIPE), and Node tears
    // the socket down with the output unread in it.
    const s = await shim('late-writer', ['sh', '-c', 'read l; echo "out:$l"; echo "err:$l" >&2; exit 3'], ['--stdin'], false);
    const a = await AttachClient.connect(s.attachSocket, false);
    expect((await ws.rt(['start', s.id])).code).toBe(0);
    a.send('x\n');
    await until(() => !fs.existsSync(s.attachSocket));
    a.closeStdin();
    a.socket.resume();
    await until(() => a.closed);
    expect({ output: a.output, errors: a.errors, exitCode: a.exitCode }).toEqual({ output: 'out:x\n', errors: 'err:x\n', exitCode: 3 });
    expect((await ws.rt(['delete', s.id])).code).toBe(0);
  });

  it('a container that closes its stdin while input waits: the shim lives on; without --stdin, /dev/null and no socket', async () => {
    const s = await shim('closes', ['sh', '-c', 'exec 0<&-; sleep 0.3; echo still-here'], ['--stdin'], false);
    const a = await AttachClient.connect(s.attachSocket);
    expect((await ws.rt(['start', s.id])).code).toBe(0);
    for (let i = 0; i < 4; i++) a.send('x'.repeat(50_000)); // more than a pipe holds: the writes fail with EPIPE once it is closed
    await until(() => a.exitCode !== undefined);
    expect(a.exitCode).toBe(0);
    expect(a.output).toBe('still-here\n');
    expect((await ws.rt(['delete', s.id])).code).toBe(0);

    const plain = await shim('no-stdin', ['sh', '-c', 'cat; echo "cat ended: $?"'], [], false);
    expect(plain.attachSocket).toBeUndefined();
    expect((await ws.rt(['start', plain.id])).code).toBe(0);
    await until(() => fs.existsSync(plain.exitFile));
    expect(fs.readFileSync(plain.log, 'utf8')).toContain('"log":"cat ended: 0\\n"');
    expect((await ws.rt(['delete', plain.id])).code).toBe(0);
  });
});

describe('the shim holds the terminal', () => {
  it('serves an interactive shell: input, resize, ^C, clients come and go, ^D ends it', async () => {
    const s = await shim('sh', ['sh']);
    expect(s.attachSocket).toBe(path.join(ws.root, s.id, 'attach.sock'));
    expect(fs.statSync(s.attachSocket).mode & 0o777).toBe(0o600);
    const a = await AttachClient.connect(s.attachSocket);
    const b = await AttachClient.connect(s.attachSocket);
    expect((await ws.rt(['start', s.id])).code).toBe(0);

    a.send('echo $((6*7))\n');
    await a.waitFor(/\n42\n/);
    await b.waitFor(/\n42\n/); // every client sees the output

    b.resize(40, 120);
    b.send('stty size\n');
    await a.waitFor(/\n40 120\n/);

    // ^C: the line discipline sends SIGINT to the foreground process group
    a.send('sleep 100\n');
    await until(() => children(s.pid, 'sleep').length === 1);
    a.send('\x03');
    await until(() => children(s.pid, 'sleep').length === 0);
    a.send('echo "rc=$?"\n');
    await a.waitFor(/rc=130\n/);

    // nobody attached: the container lives on; a newcomer gets the scrollback
    await a.close();
    await b.close();
    expect((JSON.parse((await ws.rt(['state', s.id])).stdout) as RuntimeState).status).toBe('running');
    const c = await AttachClient.connect(s.attachSocket);
    await c.waitFor(/\n42\n[^]*rc=130\n/);
    c.send('exit 7\n');
    await until(() => c.exitCode !== undefined && c.closed);
    expect(c.exitCode).toBe(7);
    expect(JSON.parse(fs.readFileSync(s.exitFile, 'utf8'))).toMatchObject({ exitCode: 7, signal: null } satisfies Partial<ShimExit>);
    // the log: one stream, the terminal's text
    const log = fs.readFileSync(s.log, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as LogLine);
    expect(new Set(log.map((l) => l.stream))).toEqual(new Set(['stdout']));
    expect(log.map((l) => l.log)).toContain('42\r\n');
    expect(fs.existsSync(s.attachSocket)).toBe(false);
    expect((await ws.rt(['delete', s.id])).code).toBe(0);
  });

  it('close-stdin types ^D: the shell ends and its exit code is recorded', async () => {
    const s = await shim('eof', ['sh']);
    const a = await AttachClient.connect(s.attachSocket);
    expect((await ws.rt(['start', s.id])).code).toBe(0);
    // Typed only at a prompt (busybox's ends with a cursor-position query, ESC[6n): a ^D that
    // comes while the terminal is still canonical is taken as an empty line, and lost.
    await a.waitFor(/# \S*$/);
    a.send('false\n');
    await a.waitFor(/false[\s\S]*# \S*$/);
    a.closeStdin();
    await until(() => a.exitCode !== undefined);
    expect(a.exitCode).toBe(1);
    await until(() => fs.existsSync(s.exitFile));
    expect((JSON.parse(fs.readFileSync(s.exitFile, 'utf8')) as ShimExit).exitCode).toBe(1);
    expect((await ws.rt(['delete', s.id])).code).toBe(0);
  });

  it('disconnects a client that breaks the protocol, and only that one', async () => {
    const s = await shim('proto', ['sh']);
    const good = await AttachClient.connect(s.attachSocket);
    const bad = await AttachClient.connect(s.attachSocket);
    expect((await ws.rt(['start', s.id])).code).toBe(0);
    bad.raw(Buffer.from([0x51, 0, 0, 0, 0])); // unknown type 'Q'
    await until(() => bad.closed);
    const huge = await AttachClient.connect(s.attachSocket);
    huge.raw(Buffer.from([0x44, 0x7f, 0xff, 0xff, 0xff])); // 'D' of 2 GiB
    await until(() => huge.closed);
    good.send('echo still $((1+1))\n');
    await good.waitFor(/still 2\n/);
    expect((await ws.rt(['delete', '--force', s.id])).code).toBe(0);
    await until(() => fs.existsSync(s.exitFile));
  });

  it('a client that never reads is dropped; the shim stays small and the container finishes', async () => {
    const s = await shim('slow', ['sh', '-c', `yes ${'x'.repeat(99)} | head -c 100000000; echo; echo done`], ['--log', '/dev/null']);
    const slow = await AttachClient.connect(s.attachSocket, false);
    const before = Number(statusField(fs.readFileSync(`/proc/${s.shimPid}/status`, 'utf8'), 'VmRSS').split(' ')[0]);
    let peak = 0;
    expect((await ws.rt(['start', s.id])).code).toBe(0);
    await until(() => {
      try {
        // VmHWM: the highest resident size so far, read as late as the shim lives
        // (a zombie's status has no Vm lines)
        peak = Math.max(peak, Number(statusField(fs.readFileSync(`/proc/${s.shimPid}/status`, 'utf8'), 'VmHWM').split(' ')[0]) || 0);
      } catch {
        // the shim is gone
      }
      return fs.existsSync(s.exitFile);
    }, 50);
    expect((JSON.parse(fs.readFileSync(s.exitFile, 'utf8')) as ShimExit).exitCode).toBe(0);
    expect(peak).toBeGreaterThan(0);
    // the 1 MiB backlog, the scrollback and frame buffers: a few MiB, not 100
    expect(peak - before).toBeLessThan(8 * 1024);
    slow.socket.resume(); // what the kernel still holds for it, then EOF
    await until(() => slow.closed);
    expect(slow.exitCode).toBeUndefined(); // dropped, not told the end
    expect((await ws.rt(['delete', s.id])).code).toBe(0);
  }, 180_000);
});
