// The store's supervisor, counted with real engines on one store: the window's engine
// (supervised-engine.mjs: openSupervisedApi, the function the window's main process calls —
// no Electron binary here), two `strata serve` processes and `strata system service` (the
// system engine, on a socket of its own) run at once beside a running container. One of
// them holds the supervisor lock; the container's stats history gets each
// 10-s point once (four writers would append it four times); a container with an
// on-failure policy is restarted once for its one failed exit. Needs root (real containers)
// and the build (`npm run build`).
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src-main/engine/index';
import { decodeHistory, historyFile } from '../../src-main/engine/stats/history-store';
import { supervisorPidOf } from '../../src-main/engine/supervisor/election';
import { removeTestStore } from '../helpers/containers';
import { makeTempDir, testImages, writeOciLayout } from '../helpers/test-images';
import { type Child, requireBuild, spawnCli, spawnScript, until } from '../engine/store/store-fixture';

const WINDOW_ENGINE = path.resolve('test/engine/supervisor/supervised-engine.mjs');
const asRoot = process.getuid?.() === 0;
if (!asRoot) console.log('supervisor-writers: skipped — running containers needs root');

let work: string;
let root: string;
let engine: Engine;
const engines: Child[] = [];

/** The holders of flocks on `file`, as the kernel lists them (/proc/locks). */
function flockHolders(file: string): number[] {
  const inode = fs.statSync(file).ino;
  return fs
    .readFileSync('/proc/locks', 'utf8')
    .split('\n')
    .filter((line) => line.includes('FLOCK') && !line.includes('->') && line.split(/\s+/).some((field) => field.endsWith(`:${inode}`)))
    .map((line) => Number(line.split(/\s+/)[4]));
}

describe.skipIf(!asRoot)('one supervisor among the window, two strata serve and strata system service, on one store', () => {
  beforeAll(async () => {
    requireBuild();
    work = makeTempDir('supervisor-writers');
    root = path.join(work, 'store');
    const { a } = testImages(work);
    engine = Engine.open({ root }); // this process's engine only sets up: it does not supervise
    await engine.importImage({ path: writeOciLayout(path.join(work, 'layout'), [a]) });
    const windowEngine = spawnScript(WINDOW_ENGINE, root);
    const servers = [spawnCli(root, 'serve', '--port', '0'), spawnCli(root, 'serve', '--port', '0')];
    // Group root: this test needs no group strata (test/system/ covers who gets in).
    const service = spawnCli(root, 'system', 'service', '--socket', path.join(work, 'strata.sock'), '--group', 'root');
    engines.push(windowEngine, ...servers, service);
    await windowEngine.line(/^role /);
    for (const server of servers) await server.line(/^Strata is serving at /);
    await service.line(/^Strata system engine listening on /);
  });

  afterAll(async () => {
    for (const child of engines) {
      child.process.kill('SIGTERM');
      await child.exited;
    }
    if (engine) await removeTestStore(engine, work);
  });

  it('one of the four holds the supervisor lock', async () => {
    const lock = path.join(root, 'supervisor.lock');
    const pids = engines.map((child) => child.process.pid);
    const holders = flockHolders(lock);
    expect(holders).toHaveLength(1);
    expect(pids).toContain(holders[0]);
    expect(await supervisorPidOf(lock)).toBe(holders[0]);
  });

  it("writes each 10-s history point of a running container once", async () => {
    const container = await engine.runContainer('test/a:1', { command: ['sh', '-c', 'trap "exit 0" TERM; while true; do sleep 1; done'] });
    const file = historyFile(path.join(root, 'stats'), container.id);
    const pointLines = (): string[] => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').slice(1).filter(Boolean) : []);
    // Two 10-s intervals ended: every engine that writes has written its point of both.
    await until(() => pointLines().length >= 2, 'two history points');
    const times = pointLines().map((line) => (JSON.parse(line) as number[])[0]);
    expect(new Set(times).size).toBe(times.length);
    expect(decodeHistory(fs.readFileSync(file, 'utf8')).header).toMatchObject({ containerId: container.id });
    await engine.stopContainer(container.id, { timeoutS: 1 });
  }, 60_000);

  it('restarts a failed on-failure container once for its one failure', async () => {
    // Fails the first time, succeeds the second (its container layer keeps the marker):
    // a second restart of the same exit would show as restartCount 2 and a third run.
    const command = ['sh', '-c', 'echo run; if [ -e /ran ]; then exit 0; fi; mkdir /ran; exit 1'];
    const container = await engine.runContainer('test/a:1', { command, restart: { name: 'on-failure', maxRetries: 3 } });
    const state = async () => (await engine.inspectContainer(container.id)).state;
    await until(async () => {
      const now = await state();
      return now.status === 'exited' && now.exitCode === 0;
    }, 'the restarted run to succeed');
    expect(await state()).toMatchObject({ status: 'exited', exitCode: 0, restartCount: 1 });
    const runs = fs.readFileSync(engine.containerLogPath(container.id), 'utf8').split('\n').filter((line) => line.includes('"run'));
    expect(runs).toHaveLength(2);
  }, 60_000);
});
