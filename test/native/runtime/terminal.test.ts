// process.terminal: the container's stdio is a pty from its own devpts, its controlling
// terminal; the master goes to a --console-socket listener (the OCI contract, checked with
// a small python3 listener: Node cannot receive file descriptors), or is proxied by `run`
// in the foreground.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import { type OciConfig } from '../../../src-main/engine/runtime';
import { AttachClient } from './attach-client';
import { createContainer, runContainer, until, useWorkspace } from './harness';

const ws = useWorkspace();
const RECVTTY = path.join(import.meta.dirname, 'fixtures/recvtty.py');

const terminal = (script: string, size = { height: 24, width: 80 }) => (c: OciConfig) => {
  c.process.args = ['sh', '-c', script];
  c.process.terminal = true;
  c.process.consoleSize = size;
};

/** Starts the python listener at sock; resolves once it listens, with a promise of its final JSON. */
async function listener(sock: string, input?: string): Promise<{ done: Promise<{ name: string; output: string }> }> {
  const child = spawn('python3', [RECVTTY, sock, ...(input === undefined ? [] : [input])], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    child.on('error', reject);
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      if (out.startsWith('listening\n')) resolve();
    });
  });
  return { done: new Promise((resolve) => child.on('close', () => resolve(JSON.parse(out.slice('listening\n'.length)) as { name: string; output: string }))) };
}

describe('process.terminal', () => {
  it('run in the foreground: a pty of the container, controlling terminal, consoleSize applied', async () => {
    const bundle = ws.bundle(terminal('tty; stty size; [ "$(cut -d" " -f7 /proc/self/stat)" != 0 ] && echo ctty; exit 3', { height: 33, width: 111 }));
    const r = await runContainer(ws, bundle, ws.id('run'));
    expect(r.stderr).toBe('');
    expect(r.stdout.replace(/\r/g, '').split('\n')).toEqual(['/dev/pts/0', '33 111', 'ctty', '']);
    expect(r.code).toBe(3);
  });

  it('create --console-socket sends a working master; the name travels as the message', async () => {
    const bundle = ws.bundle(terminal('tty; stty size; read line; echo "got $line"; exit 0', { height: 10, width: 20 }));
    const id = ws.id('sock');
    const sock = path.join(ws.dir, 'console.sock');
    const result = await listener(sock, 'hello\n');
    const created = await createContainer(ws, bundle, id, ['--console-socket', sock]);
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    expect((await ws.rt(['start', id])).code).toBe(0);
    const { name, output } = await result.done;
    expect(name).toBe('/dev/pts/0');
    // the terminal echoes the input line as the shell reads it
    expect(output.replace(/\r/g, '').split('\n')).toEqual(['hello', '/dev/pts/0', '10 20', 'got hello', '']);
    expect((await ws.rt(['delete', '--force', id])).code).toBe(0);
  });

  it('refuses a terminal without anywhere for its master, and a socket without a terminal', async () => {
    const noSocket = await createContainer(ws, ws.bundle(terminal('true')), ws.id('nosock'));
    expect(noSocket.code).toBe(1);
    expect(noSocket.stderr).toMatch(/process.terminal is true: give --console-socket/);
    const noTerminal = await createContainer(ws, ws.bundle(), ws.id('noterm'), ['--console-socket', path.join(ws.dir, 'x.sock')]);
    expect(noTerminal.code).toBe(1);
    expect(noTerminal.stderr).toMatch(/--console-socket needs process.terminal: true/);
    const nobody = await createContainer(ws, ws.bundle(terminal('true')), ws.id('nobody'), ['--console-socket', path.join(ws.dir, 'none.sock')]);
    expect(nobody.code).toBe(1);
    expect(nobody.stderr).toMatch(/nobody listens there/);
    const detached = await ws.rt(['run', '--detach', '--bundle', ws.bundle(terminal('true')), ws.id('detached')]);
    expect(detached.code).toBe(125);
    expect(detached.stderr).toMatch(/needs --console-socket/);
    expect(fs.readdirSync(ws.root)).toEqual([]);
  });

  it('refuses a terminal when the container has no devpts', async () => {
    const bundle = ws.bundle((c) => {
      terminal('true')(c);
      c.mounts = c.mounts!.filter((m) => m.destination !== '/dev/pts');
    });
    const r = await ws.rt(['run', '--bundle', bundle, ws.id('nopts')]);
    expect(r.code).toBe(125);
    expect(r.stderr).toMatch(/no \/dev\/ptmx in the container/);
  });
});

describe('exec with a terminal', () => {
  async function running(name: string): Promise<string> {
    const id = ws.id(name);
    const created = await createContainer(ws, ws.bundle((c) => (c.process.args = ['sleep', '600'])), id);
    expect(created.code).toBe(0);
    expect((await ws.rt(['start', id])).code).toBe(0);
    return id;
  }
  const processFile = (args: string[], extra: Record<string, unknown> = {}): string => {
    const file = path.join(ws.dir, `process-${Math.random().toString(36).slice(2)}.json`);
    fs.writeFileSync(file, JSON.stringify({ args, env: ['PATH=/bin'], cwd: '/', terminal: true, consoleSize: { height: 5, width: 50 }, ...extra }));
    return file;
  };

  it('attached: the runtime copies the terminal to its stdio and exits with the status', async () => {
    const id = await running('exec-fg');
    const r = await ws.rt(['exec', '--process', processFile(['sh', '-c', 'tty; stty size; exit 4']), id]);
    expect(r.stderr).toBe('');
    expect(r.stdout.replace(/\r/g, '').split('\n')).toEqual(['/dev/pts/0', '5 50', '']);
    expect(r.code).toBe(4);
    // --tty with ARGS: a terminal too (the size is the kernel's default, 0 0)
    const t = await ws.rt(['exec', '--tty', id, '--', 'tty']);
    expect(t).toMatchObject({ code: 0, stdout: '/dev/pts/0\r\n' });
    expect((await ws.rt(['delete', '--force', id])).code).toBe(0);
  });

  it('--console-socket: the listener gets the master; the runtime waits for the process', async () => {
    const id = await running('exec-sock');
    const sock = path.join(ws.dir, 'exec-console.sock');
    const result = await listener(sock, 'abc\n');
    const r = await ws.rt(['exec', '--tty', '--console-socket', sock, id, '--', 'sh', '-c', 'read x; echo "x=$x"; exit 2']);
    expect(r).toMatchObject({ code: 2, stderr: '' });
    const { name, output } = await result.done;
    expect(name).toBe('/dev/pts/0');
    expect(output.replace(/\r/g, '')).toBe('abc\nx=abc\n');
    expect((await ws.rt(['delete', '--force', id])).code).toBe(0);
  });

  it('--detach without a console socket: a helper serves the terminal on an attach socket', async () => {
    const id = await running('exec-session');
    const exitFile = path.join(ws.dir, 'session.exit.json');
    const log = path.join(ws.dir, 'session.log');
    const r = await ws.rt(['exec', '--tty', '--detach', '--exit-file', exitFile, '--log', log, id, '--', 'sh']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const info = JSON.parse(r.stdout) as { pid: number; helperPid: number; attachSocket: string };
    expect(info.attachSocket).toBe(path.join(ws.root, id, `exec-${info.helperPid}.sock`));
    const a = await AttachClient.connect(info.attachSocket);
    a.send('echo $((6*7))\n');
    await a.waitFor(/\n42\n/);
    a.resize(12, 34);
    a.send('stty size; exit 9\n');
    await until(() => a.exitCode !== undefined);
    expect(a.exitCode).toBe(9);
    expect(a.output.replace(/\r/g, '')).toMatch(/\n12 34\n/);
    await until(() => fs.existsSync(exitFile) && !fs.existsSync(info.attachSocket));
    expect(JSON.parse(fs.readFileSync(exitFile, 'utf8'))).toMatchObject({ exitCode: 9, signal: null });
    expect(fs.readFileSync(log, 'utf8')).toContain('"log":"42\\r\\n"');
    expect((await ws.rt(['delete', '--force', id])).code).toBe(0);
  });

  it('--detach --stdin without a terminal: a helper holds its stdio pipes on an attach socket', async () => {
    const id = await running('exec-stdin');
    const exitFile = path.join(ws.dir, 'stdin-session.exit.json');
    const log = path.join(ws.dir, 'stdin-session.log');
    const r = await ws.rt(['exec', '--stdin', '--detach', '--exit-file', exitFile, '--log', log, id, '--', 'sh']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const info = JSON.parse(r.stdout) as { pid: number; helperPid: number; attachSocket: string };
    const a = await AttachClient.connect(info.attachSocket);
    a.send('echo $((6*7)); echo oops >&2; [ -t 0 ] || echo no-tty\n');
    await until(() => a.output === '42\nno-tty\n' && a.errors === 'oops\n');
    a.send('exit 4\n');
    await until(() => a.exitCode !== undefined);
    expect(a.exitCode).toBe(4);
    await until(() => fs.existsSync(exitFile) && !fs.existsSync(info.attachSocket));
    expect(JSON.parse(fs.readFileSync(exitFile, 'utf8'))).toMatchObject({ exitCode: 4 });
    expect(fs.readFileSync(log, 'utf8')).toContain('"stream":"stderr","log":"oops\\n"');
    // EOF on its stdin ends a cat
    const cat = JSON.parse((await ws.rt(['exec', '--stdin', '--detach', id, '--', 'cat'])).stdout) as { attachSocket: string };
    const c = await AttachClient.connect(cat.attachSocket);
    c.send('meow\n');
    c.closeStdin();
    await until(() => c.exitCode !== undefined);
    expect([c.exitCode, c.output]).toEqual([0, 'meow\n']);
    expect((await ws.rt(['delete', '--force', id])).code).toBe(0);
  });

  it('--detach --stdin: output the process wrote before anyone attached waits for the first client', async () => {
    // `echo | strata exec -i c sh -c 'echo early'`: the process runs before its socket exists,
    // and may write and exit before the engine connects. Made certain: the client connects
    // only once the process is gone; it still gets all of its output and the exit code.
    const id = await running('exec-early');
    const state = (pid: number) => {
      try {
        return fs.readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').charAt(0);
      } catch {
        return 'gone';
      }
    };
    const r = await ws.rt(['exec', '--stdin', '--detach', id, '--', 'sh', '-c', 'echo early; echo late >&2; exit 6']);
    expect(r.code).toBe(0);
    const info = JSON.parse(r.stdout) as { pid: number; attachSocket: string };
    await until(() => ['Z', 'gone'].includes(state(info.pid)));
    const a = await AttachClient.connect(info.attachSocket);
    await until(() => a.closed);
    expect({ output: a.output, errors: a.errors, exitCode: a.exitCode }).toEqual({ output: 'early\n', errors: 'late\n', exitCode: 6 });

    // More than a pipe holds (~110 KB): the process waits on its full pipe for the client
    const lines = 10000;
    const big = await ws.rt(['exec', '--stdin', '--detach', id, '--', 'sh', '-c', `i=0; while [ $i -lt ${lines} ]; do echo line-$i; i=$((i+1)); done; exit 7`]);
    const bigInfo = JSON.parse(big.stdout) as { pid: number; attachSocket: string };
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(state(bigInfo.pid)).not.toMatch(/^(Z|gone)$/);
    const b = await AttachClient.connect(bigInfo.attachSocket);
    await until(() => b.closed);
    const got = b.output.split('\n');
    expect({ lines: got.length - 1, first: got[0], last: got[lines - 1], exitCode: b.exitCode }).toEqual({ lines, first: 'line-0', last: `line-${lines - 1}`, exitCode: 7 });
    expect((await ws.rt(['delete', '--force', id])).code).toBe(0);
  });

  it('--detach --stdin with no client ever: the output is held a few seconds only, then goes to the log and the helper ends', async () => {
    // the caller died before attaching: nothing may wait for it for ever, not even a process
    // that wrote more than its pipe holds
    const id = await running('exec-unheard');
    const exitFile = path.join(ws.dir, 'unheard.exit.json');
    const log = path.join(ws.dir, 'unheard.log');
    const started = Date.now();
    const r = await ws.rt(['exec', '--stdin', '--detach', '--exit-file', exitFile, '--log', log, id, '--', 'sh', '-c', 'i=0; while [ $i -lt 10000 ]; do echo line-$i; i=$((i+1)); done; echo unheard; exit 3']);
    expect(r.code).toBe(0);
    const info = JSON.parse(r.stdout) as { attachSocket: string };
    await until(() => fs.existsSync(exitFile) && !fs.existsSync(info.attachSocket));
    expect(Date.now() - started).toBeLessThan(20_000); // the hold is 5 s (attach.c HOLD_MAX)
    expect(JSON.parse(fs.readFileSync(exitFile, 'utf8'))).toMatchObject({ exitCode: 3 });
    await until(() => fs.readFileSync(log, 'utf8').includes('"log":"unheard\\n"'));
    expect((await ws.rt(['delete', '--force', id])).code).toBe(0);
  });

  it('refuses terminal options that do not go together', async () => {
    const id = await running('exec-bad');
    const noTty = await ws.rt(['exec', '--console-socket', path.join(ws.dir, 'x.sock'), id, '--', 'true']);
    expect(noTty.code).toBe(125);
    expect(noTty.stderr).toMatch(/--console-socket needs --tty/);
    const attached = await ws.rt(['exec', '--tty', '--attach-socket', path.join(ws.dir, 'y.sock'), id, '--', 'true']);
    expect(attached.code).toBe(125);
    expect(attached.stderr).toMatch(/are for --detach with --tty or --stdin, without --console-socket/);
    const stdinAttached = await ws.rt(['exec', '--stdin', id, '--', 'true']);
    expect(stdinAttached.code).toBe(125);
    expect(stdinAttached.stderr).toMatch(/--stdin is for --detach/);
    const missing = await ws.rt(['exec', '--tty', '--detach', id, '--', 'no-such-program']);
    expect(missing.code).toBe(127);
    expect((await ws.rt(['delete', '--force', id])).code).toBe(0);
  });
});
