// The CLI's connection (issue 14): which engine a command talks to, and the same commands
// over a Unix socket as in-process. Bad choices are refused before anything is opened; a
// socket that is not there is named with the reason; and the built CLI with
// STRATA_HOST=unix://… against an API served on a real Unix socket (the `ws` server and
// serveSocket, as `strata system service` serves it) prints what the local connection prints.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api } from '../../src-main/api/dispatch';
import { Engine } from '../../src-main/engine/index';
import { serveSocket } from '../../src-main/server/socket';
import { SOCKET_PATH } from '@shared/api/protocol';
import { makeTempDir, testImages, writeDockerArchive } from '../helpers/test-images';

const bin = path.resolve('bin/strata.js');

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

let work: string;
let archive: string;
/** The store the CLI opens itself (--root). */
let localRoot: string;
/** The store behind the socket. */
let remoteEngine: Engine;
let api: Api;
let httpServer: http.Server;
let wss: WebSocketServer;
let socketPath: string;

/** Without the variables of a connection the machine running the tests may have set. */
function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.STRATA_HOST;
  delete env.STRATA_CONNECTION;
  delete env.STRATA_ROOT;
  return { ...env, ...extra };
}

/** For what refuses before connecting: nothing in this process needs to answer. */
function strataSync(env: NodeJS.ProcessEnv, ...args: string[]): Result {
  const result = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: cleanEnv(env) });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** Asynchronous: the engine behind the socket is in this process and must go on answering. */
function strata(env: NodeJS.ProcessEnv, ...args: string[]): Promise<Result> {
  return spawnStrata(env, args).result;
}

/** The built CLI in a child process: its output so far, and its result once it closes. */
function spawnStrata(env: NodeJS.ProcessEnv, args: string[]) {
  const child = spawn(process.execPath, [bin, ...args], { env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const result = new Promise<Result>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
  return { child, stdout: () => stdout, result };
}

const local = (...args: string[]) => strata({}, '--root', localRoot, ...args);
const remote = (...args: string[]) => strata({ STRATA_HOST: `unix://${socketPath}` }, ...args);

beforeAll(async () => {
  work = makeTempDir('cli-connection');
  localRoot = path.join(work, 'local-store');
  const { a } = testImages(work);
  archive = writeDockerArchive(work, [a]);
  remoteEngine = Engine.open({ root: path.join(work, 'remote-store') });
  api = new Api({ engine: remoteEngine });
  socketPath = path.join(work, 'engine.sock');
  httpServer = http.createServer((_request, response) => response.writeHead(404).end());
  wss = new WebSocketServer({ noServer: true });
  httpServer.on('upgrade', (request: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    if (new URL(request.url ?? '/', 'http://engine').pathname !== SOCKET_PATH) return socket.destroy();
    wss.handleUpgrade(request, socket, head, (ws) => serveSocket(ws, api));
  });
  await new Promise<void>((resolve) => httpServer.listen(socketPath, resolve));
});

afterAll(async () => {
  for (const socket of wss?.clients ?? []) socket.terminate();
  await new Promise((resolve) => wss?.close(resolve));
  await new Promise((resolve) => httpServer?.close(resolve));
  await api?.close();
  const engines = [remoteEngine, Engine.open({ root: localRoot })];
  for (const engine of engines) for (const container of await engine.listContainers({ all: true })) await engine.removeContainer(container.id, { force: true });
  const mounts = fs.readFileSync('/proc/self/mountinfo', 'utf8');
  fs.rmSync(work, { recursive: true, force: true });
  expect(mounts).not.toContain(work);
});

describe('choosing a connection', () => {
  it('refuses an unknown name, from --connection or STRATA_CONNECTION', () => {
    expect(strataSync({}, '--connection', 'nosuch', 'images')).toEqual({
      code: 1,
      stdout: '',
      stderr: 'strata images: --connection: no connection named "nosuch" (have: local, system, rootless; or STRATA_HOST=unix:///path/to.sock) [INVALID_ARGUMENT]\n',
    });
    expect(strataSync({ STRATA_CONNECTION: 'nosuch' }, 'images').stderr).toMatch(/^strata images: STRATA_CONNECTION: no connection named "nosuch" .*\[INVALID_ARGUMENT\]\n$/);
  });

  it('refuses a STRATA_HOST that is not unix:///path', () => {
    for (const host of ['tcp://127.0.0.1:2375', 'unix://relative.sock', 'ssh://host']) {
      expect(strataSync({ STRATA_HOST: host }, 'ps')).toEqual({ code: 1, stdout: '', stderr: `strata ps: STRATA_HOST must be unix:///absolute/path/to.sock, not ${JSON.stringify(host)} [INVALID_ARGUMENT]\n` });
    }
  });

  it('refuses --root with another connection, opening no store', () => {
    const root = path.join(work, 'never-made');
    const result = strataSync({}, '--root', root, '--connection', 'system', 'images');
    expect(result).toEqual({ code: 1, stdout: '', stderr: 'strata images: --root opens a store in this process, so it cannot be used with --connection system [INVALID_ARGUMENT]\n' });
    expect(fs.existsSync(root)).toBe(false);
    expect(strataSync({}, '--root', root, '--connection', 'local', 'images', '--json')).toMatchObject({ code: 0, stdout: '[]\n' });
  });

  it('--help and usage errors touch no connection', () => {
    expect(strataSync({}, '--connection', 'nosuch', 'images', '--help')).toMatchObject({ code: 0, stdout: expect.stringContaining('usage: strata images') });
    expect(strataSync({ STRATA_HOST: 'tcp://x' }, 'tag', 'only-one')).toMatchObject({ code: 2, stderr: expect.stringContaining('usage: strata tag') });
    expect(strataSync({}, '--help').stdout).toContain('--connection NAME');
  });

  it('names the socket it cannot reach, and why: no such socket, or nothing listening', () => {
    const missing = path.join(work, 'no-engine.sock');
    expect(strataSync({ STRATA_HOST: `unix://${missing}` }, 'images')).toEqual({
      code: 1,
      stdout: '',
      stderr: `strata images: cannot reach the Strata engine at ${missing} (no such socket: is the engine running? (strata system service)) [UNAVAILABLE]\n`,
    });
    const notSocket = path.join(work, 'plain-file.sock');
    fs.writeFileSync(notSocket, '');
    expect(strataSync({ STRATA_HOST: `unix://${notSocket}` }, 'ps', '--json')).toMatchObject({ code: 1, stderr: expect.stringMatching(/^\{\n {2}"error": \{\n {4}"code": "UNAVAILABLE",\n {4}"message": "cannot reach the Strata engine at .*plain-file\.sock \(connection refused/) });
  });
});

describe('the same commands over a Unix socket', () => {
  it('import, images, inspect, history: what the local connection prints', async () => {
    const [there, here] = await Promise.all([remote('import', archive), local('import', archive)]);
    expect(there).toEqual(here);
    expect(there).toMatchObject({ code: 0, stdout: expect.stringMatching(/^Loaded image [0-9a-f]{12} \(test\/a:1\): 3 layers, 0 already in the store\n$/) });
    for (const args of [['images', '--json'], ['inspect', 'test/a:1'], ['history', '--no-trunc', 'test/a:1'], ['layers', '--depth', '1', 'test/a:1'], ['df', '--json']]) {
      const [viaSocket, inProcess] = await Promise.all([remote(...args), local(...args)]);
      expect(viaSocket, args.join(' ')).toEqual(inProcess);
      expect(viaSocket.code).toBe(0);
    }
    expect(await remote('inspect', 'nope:1')).toEqual({ code: 1, stdout: '', stderr: 'strata inspect: no such image: nope:1 [NOT_FOUND]\n' });
  });

  it('run --rm attached: the output and the exit code, and no container left', async () => {
    const args = ['run', '--rm', '--network', 'none', 'test/a:1', 'sh', '-c', 'echo out; echo err >&2; exit 3'];
    const [there, here] = await Promise.all([remote(...args), local(...args)]);
    expect(there).toEqual({ code: 3, stdout: 'out\n', stderr: 'err\n' });
    expect(here).toEqual(there);
    expect(await remote('ps', '-a', '--json')).toEqual({ code: 0, stdout: '[]\n', stderr: '' });
    expect(await remote('run', '--rm', '--network', 'none', 'test/a:1', 'nosuch')).toMatchObject({ code: 127, stderr: expect.stringMatching(/exec nosuch: not found/) });
  });

  it('run -d, ps -a, logs, wait and rm manage a container behind the socket', async () => {
    const started = await remote('run', '-d', '--name', 'web', '--network', 'none', 'test/a:1', 'sh', '-c', 'echo started; echo warned >&2; sleep 60');
    expect(started).toMatchObject({ code: 0, stdout: expect.stringMatching(/^[0-9a-f]{64}\n$/), stderr: '' });
    const id = started.stdout.trim();
    const ps = await remote('ps', '-a');
    expect(ps.stdout.split('\n')[0]).toMatch(/^CONTAINER ID\s+IMAGE\s+COMMAND\s+CREATED\s+STATUS\s+PORTS\s+NAMES$/);
    expect(ps.stdout).toMatch(new RegExp(`^${id.slice(0, 12)}\\s+test/a:1 .* Up .* web$`, 'm'));
    expect((await remoteEngine.inspectContainer('web')).id).toBe(id); // the engine behind the socket made it
    let logs = await remote('logs', 'web');
    for (let i = 0; i < 100 && logs.stdout !== 'started\n'; i++) logs = await remote('logs', 'web');
    expect(logs).toEqual({ code: 0, stdout: 'started\n', stderr: 'warned\n' });
    expect(await remote('logs', '--tail', '1', '--timestamps', 'web')).toMatchObject({ code: 0, stdout: '', stderr: expect.stringMatching(/^\d{4}-\d\d-\d\dT[\d:.]+Z warned\n$/) });
    expect(await remote('rm', 'web')).toEqual({ code: 1, stdout: '', stderr: 'strata rm: container web is running: stop it first or use --force [CONFLICT]\n' });
    expect(await remote('kill', 'web')).toEqual({ code: 0, stdout: 'web\n', stderr: '' });
    expect(await remote('wait', 'web')).toEqual({ code: 0, stdout: '137\n', stderr: '' });
    expect(await remote('rm', 'web')).toEqual({ code: 0, stdout: 'web\n', stderr: '' });
    expect(await remote('ps', '-a', '-q')).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it('Ctrl-C detaches an attached run (run --rm still removes its container) and ends logs -f, on either connection', async () => {
    for (const [label, env, prefix, engine] of [
      ['socket', { STRATA_HOST: `unix://${socketPath}` }, [], remoteEngine],
      ['local', {}, ['--root', localRoot], Engine.open({ root: localRoot })],
    ] as const) {
      // Interrupted once the command has printed what it is waiting on: under way, not starting.
      const interrupted = (args: string[], ready: (stdout: string) => boolean) =>
        new Promise<Result>((resolve, reject) => {
          const run = spawnStrata(env, [...prefix, ...args]);
          run.result.then(resolve, reject);
          const poll = setInterval(() => {
            if (!ready(run.stdout())) return;
            clearInterval(poll);
            run.child.kill('SIGINT');
          }, 20);
        });
      const attached = await interrupted(['run', '--rm', '--name', `ctrl-c-${label}`, '--network', 'none', 'test/a:1', 'sh', '-c', 'echo up; sleep 60'], (stdout) => stdout === 'up\n');
      expect(attached, label).toEqual({ code: 0, stdout: 'up\n', stderr: '' });
      expect((await engine.listContainers({ all: true })).map((c) => c.name), label).toEqual([]);

      const id = (await strata(env, ...prefix, 'run', '-d', '--name', `followed-${label}`, '--network', 'none', 'test/a:1', 'sh', '-c', 'echo one; sleep 60')).stdout.trim();
      expect(await interrupted(['logs', '-f', id], (stdout) => stdout === 'one\n'), label).toEqual({ code: 0, stdout: 'one\n', stderr: '' });
      expect((await strata(env, ...prefix, 'rm', '-f', id)).code).toBe(0);
    }
  });

  it('save to standard output is refused over a socket (UNSUPPORTED: use -o FILE); -o FILE writes on the engine side', async () => {
    const piped = await remote('save', 'test/a:1');
    expect(piped).toMatchObject({ code: 1, stdout: '', stderr: expect.stringMatching(/^strata save: .*standard output.*-o FILE.*\[UNSUPPORTED\]\n$/) });
    const file = path.join(work, 'saved.tar');
    expect(await remote('save', '-q', '-o', file, 'test/a:1')).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(fs.statSync(file).size).toBeGreaterThan(1 << 20);
  });
});
