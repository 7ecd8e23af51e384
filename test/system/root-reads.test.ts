// Root's read-only commands and a running system engine (issue 18). As root with nothing
// chosen, `strata ps`, `images` and `inspect` go to the system engine when it serves the
// store root's CLI would open (the `<socket>.store` file the service writes while it
// listens): they load none of the engine's code and answer what opening the store would.
// A service that stops takes its file away; one killed leaves socket and file behind, and
// the commands open the store themselves, as before. Needs root and the build.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src-main/engine/index';
import { servedStoreFile } from '../../src-main/connections/served-store';
import { removeTestStore } from '../helpers/containers';
import { makeTempDir, testImages, writeOciLayout } from '../helpers/test-images';
import { type Child, requireBuild } from '../engine/store/store-fixture';
import { CLI, openDir, startService, stopService } from './system-fixture';

const isRoot = process.getuid?.() === 0;
if (!isRoot) console.log('root-reads: skipped — root\'s own commands are what is tested: run the tests as root');

let work: string;
let store: string;
let socketPath: string;
let service: Child | undefined;

/** Root's environment with nothing chosen but where the system engine and the default store are. */
function rootEnv(storeRoot: string): NodeJS.ProcessEnv {
  const { STRATA_HOST: _host, STRATA_CONNECTION: _connection, ...env } = process.env;
  return { ...env, STRATA_SYSTEM_SOCKET: socketPath, STRATA_ROOT: storeRoot };
}

/** `strata ARGS` as root with nothing chosen: its output and which built files it loaded. */
function strata(storeRoot: string, ...args: string[]): { stdout: string; files: string[] } {
  const result = spawnSync(process.execPath, ['--import', path.resolve('test/cli/fixtures/module-trace.mjs'), CLI, ...args], { encoding: 'utf8', env: rootEnv(storeRoot) });
  expect(result.status, `strata ${args.join(' ')}: ${result.stderr}`).toBe(0);
  const files = [...result.stderr.matchAll(/^module: file:\/\/.*\/out\/main\/(.+)$/gm)].map((match) => match[1]!);
  return { stdout: result.stdout, files };
}

/** The same command on the store opened in this process (`--root`). */
function local(...args: string[]): string {
  const result = spawnSync(process.execPath, [CLI, '--root', store, ...args], { encoding: 'utf8' });
  expect(result.status, result.stderr).toBe(0);
  return result.stdout;
}

const wentToTheService = (files: string[]) => files.some((file) => file.startsWith('chunks/socket-transport-')) && !files.some((file) => file.startsWith('chunks/core-'));
const openedTheStore = (files: string[]) => files.some((file) => file.startsWith('chunks/core-')) && !files.some((file) => file.startsWith('chunks/socket-transport-'));

describe.skipIf(!isRoot)("root's ps, images and inspect with a system engine running", () => {
  beforeAll(async () => {
    requireBuild();
    work = openDir(makeTempDir('root-reads'));
    store = path.join(work, 'store');
    socketPath = path.join(openDir(path.join(work, 'run')), 'strata.sock');
    const { a } = testImages(work);
    local('import', '-t', 'reads/a:1', writeOciLayout(path.join(work, 'layout'), [a]));
    local('create', '--name', 'reads-c', '--network', 'none', 'reads/a:1', 'true');
    service = await startService(store, socketPath);
  });

  afterAll(async () => {
    await stopService(service);
    if (work) await removeTestStore(Engine.open({ root: store }), work);
  });

  it('go to the engine that serves their store, loading none of the engine, and answer as the store does', () => {
    expect(fs.readFileSync(servedStoreFile(socketPath), 'utf8')).toBe(`${store}\n`);
    for (const args of [['ps', '-a', '--json'], ['images', '--json'], ['inspect', 'reads-c'], ['inspect', 'reads/a:1']]) {
      const { stdout, files } = strata(store, ...args);
      expect(wentToTheService(files), `${args.join(' ')} loaded ${files.join(', ')}`).toBe(true);
      expect(JSON.parse(stdout), args.join(' ')).toEqual(JSON.parse(local(...args)));
    }
    expect(JSON.parse(strata(store, 'ps', '-a', '--json').stdout).map((c: { name: string }) => c.name)).toEqual(['reads-c']);
  });

  it('open their own store when the engine serves another, and a command that writes always does', () => {
    const other = path.join(work, 'other-store');
    const { stdout, files } = strata(other, 'images', '--json');
    expect(openedTheStore(files), files.join(', ')).toBe(true);
    expect(JSON.parse(stdout)).toEqual([]);
    const tagged = strata(store, 'tag', 'reads/a:1', 'reads/a:2');
    expect(openedTheStore(tagged.files), tagged.files.join(', ')).toBe(true);
    expect(local('images')).toMatch(/reads\/a\s+2/);
  });

  it('a stopped engine takes its store file away; a killed one leaves it, and the commands open the store', async () => {
    await stopService(service);
    expect(fs.existsSync(servedStoreFile(socketPath))).toBe(false);
    expect(openedTheStore(strata(store, 'ps', '-a', '--json').files)).toBe(true);

    service = await startService(store, socketPath);
    expect(fs.existsSync(servedStoreFile(socketPath))).toBe(true);
    service.process.kill('SIGKILL');
    await service.exited;
    expect(fs.existsSync(servedStoreFile(socketPath)) && fs.existsSync(socketPath)).toBe(true);
    const { stdout, files } = strata(store, 'ps', '-a', '--json');
    expect(files.some((file) => file.startsWith('chunks/core-')), files.join(', ')).toBe(true);
    expect(JSON.parse(stdout)).toEqual(JSON.parse(local('ps', '-a', '--json')));
    // the next service replaces the dead one's socket and file
    service = await startService(store, socketPath);
    expect(wentToTheService(strata(store, 'ps', '-a', '--json').files)).toBe(true);
  });
});
