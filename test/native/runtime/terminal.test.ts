// process.terminal: the container's stdio is a pty from its own devpts, its controlling
// terminal; the master goes to a --console-socket listener (the OCI contract, checked with
// a small python3 listener: Node cannot receive file descriptors), or is proxied by `run`
// in the foreground.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import { type OciConfig } from '../../../src-main/engine/runtime';
import { createContainer, runContainer, useWorkspace } from './harness';

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
