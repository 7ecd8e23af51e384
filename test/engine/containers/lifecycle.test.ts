// Containers from images, for real: overlay roots, the shim, exit codes, stop with SIGKILL
// after the timeout, and state that survives the process that started it.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../../src-main/engine/index';
import { isStrataError } from '@shared/errors';
import type { ContainerRecord } from '@shared/api/types/containers';
import { type TestImage, makeTempDir, testImages, writeOciLayout } from '../../helpers/test-images';
import { logText, removeTestStore } from '../../helpers/containers';
import { existingCgroupDirs, freezerState } from '../../helpers/cgroups';

let work: string;
let engine: Engine;
let a: TestImage;

beforeAll(async () => {
  work = makeTempDir('containers');
  ({ a } = testImages(work));
  engine = Engine.open({ root: path.join(work, 'store') });
  await engine.importImage({ path: writeOciLayout(path.join(work, 'layout'), [a]) });
});

afterAll(async () => {
  await removeTestStore(engine, work);
});


/** Whether the container's cgroup is in any hierarchy (found by detection: v1 or v2). */
function cgroupExists(id: string): boolean {
  return existingCgroupDirs(id).length > 0;
}

describe('containers', () => {
  it('runs a command from the image and records its exit code and output', async () => {
    const container = await engine.createContainer('test/a:1', { command: ['sh', '-c', 'echo hello from $(cat /etc/app.conf); echo oops >&2; exit 3'] });
    expect(container.state.status).toBe('created');
    await engine.startContainer(container.id);
    expect(await engine.waitContainer(container.id)).toBe(3);
    expect((await engine.inspectContainer(container.id)).state).toMatchObject({ status: 'exited', exitCode: 3, oomKilled: false });
    expect(logText(engine, container.id)).toBe('hello from mode=test\noops\n');
    await engine.removeContainer(container.id);
    expect(fs.existsSync(path.join(engine.root, 'containers', container.id))).toBe(false);
  });

  it('mounts the image layers read-only under a container layer that takes every write', async () => {
    const container = await engine.createContainer('test/a:1', { name: 'writer', command: ['sh', '-c', 'echo new > /app/new.txt; rm /etc/passwd; touch /app/done; sleep 30'] });
    await engine.startContainer('writer');
    const dir = path.join(engine.root, 'containers', container.id);
    await until(() => fs.existsSync(path.join(dir, 'upper/app/done'))); // written last
    const mount = fs
      .readFileSync('/proc/self/mountinfo', 'utf8')
      .split('\n')
      .find((line) => line.split(' ')[4] === path.join(dir, 'rootfs'));
    expect(mount).toMatch(/ overlay overlay rw,.*lowerdir=[^,]*:[^,]*:[^,]*,upperdir=/);
    expect(fs.readFileSync(path.join(dir, 'upper/app/new.txt'), 'utf8')).toBe('new\n');
    expect(fs.lstatSync(path.join(dir, 'upper/etc/passwd')).isCharacterDevice()).toBe(true);
    for (const layer of (await engine.inspectImage('test/a:1')).layers) {
      const diff = path.join(engine.root, 'layers', layer.chainId.slice(7), 'diff');
      expect(fs.existsSync(path.join(diff, 'app/new.txt'))).toBe(false);
    }
    expect(fs.existsSync(path.join(engine.root, 'layers', (await engine.inspectImage('test/a:1')).layers[2]!.chainId.slice(7), 'diff/etc/passwd'))).toBe(true);
    expect(cgroupExists(container.id)).toBe(true);
    await expect(engine.removeContainer('writer')).rejects.toSatisfy((e: unknown) => isStrataError(e, 'CONFLICT'));
    await engine.removeContainer('writer', { force: true });
    expect(fs.existsSync(dir)).toBe(false);
    expect(fs.readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(dir);
    expect(cgroupExists(container.id)).toBe(false);
  });

  it('stop ends a process that ignores SIGTERM with SIGKILL after the timeout', async () => {
    const container = await engine.createContainer('test/a:1', { command: ['sh', '-c', 'trap "" TERM; echo ready; while true; do sleep 1; done'] });
    await engine.startContainer(container.id);
    await until(() => logText(engine, container.id).includes('ready'));
    const stopping = engine.stopContainer(container.id, { timeoutS: 1 });
    // the request is recorded before the grace time starts: a window counts it down
    await until(() => readRecord(container.id).state.stopRequest !== undefined);
    expect(readRecord(container.id).state).toMatchObject({ status: 'running', stopRequest: { kind: 'stop', signal: 'SIGTERM', timeoutS: 1 } });
    const stopped = await stopping;
    expect(stopped.state).toMatchObject({ status: 'exited', signal: 9, stoppedByUser: true, stopRequest: { kind: 'stop', signal: 'SIGTERM', timeoutS: 1 } });
    // SIGKILL followed the grace time: when it went is recorded (a stop, not a crash)
    const { at, killedAt } = stopped.state.stopRequest!;
    expect(Date.parse(killedAt!) - Date.parse(at)).toBeGreaterThanOrEqual(1000);
    expect(isMountedUnder(container.id)).toBe(false);
    // the next start clears it
    await engine.startContainer(container.id);
    expect((await engine.inspectContainer(container.id)).state.stopRequest).toBeUndefined();
    await engine.removeContainer(container.id, { force: true });
  });

  it('a kill during the grace time of a stop ends the stop at once, recorded as the stop cut short; a kill of its own says kill', async () => {
    const container = await engine.createContainer('test/a:1', { command: ['sh', '-c', 'trap "" TERM; echo ready; while true; do sleep 1; done'] });
    await engine.startContainer(container.id);
    await until(() => logText(engine, container.id).includes('ready'));
    const stopping = engine.stopContainer(container.id, { timeoutS: 60 });
    await until(() => readRecord(container.id).state.stopRequest !== undefined);
    await engine.killContainer(container.id);
    const stopped = await stopping; // long before the 60 s
    expect(stopped.state).toMatchObject({ status: 'exited', exitCode: 137, stopRequest: { kind: 'stop', timeoutS: 60 } });
    expect(stopped.state.stopRequest!.killedAt).toBeDefined();

    await engine.startContainer(container.id);
    await engine.killContainer(container.id);
    expect(await engine.waitContainer(container.id)).toBe(137);
    expect((await engine.inspectContainer(container.id)).state).toMatchObject({ status: 'exited', stopRequest: { kind: 'kill', signal: 'SIGKILL' } });
    await engine.removeContainer(container.id);
  });

  it('pause freezes every process with the cgroup freezer; unpause thaws; stop works on a paused one', async () => {
    const container = await engine.createContainer('test/a:1', { command: ['sh', '-c', 'trap "exit 0" TERM; echo ready; while true; do sleep 1; done'] });
    await engine.startContainer(container.id);
    await until(() => logText(engine, container.id).includes('ready')); // its TERM trap is set
    expect((await engine.pauseContainer(container.id)).state.status).toBe('paused');
    expect(freezerState(container.id)).toBe('FROZEN');
    expect((await engine.listContainers()).map((c) => [c.id, c.state.status])).toContainEqual([container.id, 'paused']);
    await expect(engine.pauseContainer(container.id)).rejects.toSatisfy((e: unknown) => isStrataError(e, 'CONFLICT'));
    expect((await engine.unpauseContainer(container.id)).state.status).toBe('running');
    expect(freezerState(container.id)).toBe('THAWED');
    await engine.pauseContainer(container.id);
    expect((await engine.stopContainer(container.id, { timeoutS: 5 })).state).toMatchObject({ status: 'exited', exitCode: 0 });
    const restarted = await engine.restartContainer(container.id, { timeoutS: 5 });
    expect(restarted.state.status).toBe('running');
    await engine.removeContainer(container.id, { force: true });
  });

  it('refuses a taken name, an unknown image and a missing volume source with stable codes', async () => {
    await engine.createContainer('test/a:1', { name: 'taken', command: ['true'] });
    await expect(engine.createContainer('test/a:1', { name: 'taken' })).rejects.toSatisfy((e: unknown) => isStrataError(e, 'CONFLICT'));
    await expect(engine.createContainer('nope:1')).rejects.toSatisfy((e: unknown) => isStrataError(e, 'NOT_FOUND'));
    await expect(engine.createContainer('test/a:1', { volumes: [{ source: '/no/such/dir', destination: '/x', readonly: false }] })).rejects.toSatisfy((e: unknown) => isStrataError(e, 'INVALID_ARGUMENT'));
    await engine.removeContainer('taken');
    await expect(engine.startContainer('taken')).rejects.toSatisfy((e: unknown) => isStrataError(e, 'NOT_FOUND'));
  });

  it('keeps the image alive while a container uses it', async () => {
    const container = await engine.createContainer('test/a:1', { command: ['true'] });
    await expect(engine.removeImage('test/a:1')).rejects.toSatisfy((e: unknown) => isStrataError(e, 'CONFLICT'));
    await engine.removeContainer(container.id);
  });
});

describe('containers outlive the process that started them', () => {
  const cli = (...args: string[]) => spawnSync(process.execPath, [path.resolve('bin/strata.js'), '--root', engine.root, ...args], { encoding: 'utf8' });

  it('a container keeps running after the CLI process that started it is gone; a new engine stops it', async () => {
    // PID 1 of a namespace ignores signals it has no handler for: trap TERM, as a service would.
    const started = cli('run', '-d', '--name', 'survivor', 'test/a:1', 'sh', '-c', 'trap "exit 0" TERM; echo up; while true; do sleep 1; done');
    expect(started.stderr).toBe('');
    expect(started.stdout.trim()).toMatch(/^[0-9a-f]{64}$/);
    const fresh = Engine.open({ root: engine.root });
    expect((await fresh.inspectContainer('survivor')).state.status).toBe('running');
    await until(() => logText(engine, started.stdout.trim()).includes('up'));
    const stopped = await fresh.stopContainer('survivor', { timeoutS: 5 });
    expect(stopped.state).toMatchObject({ status: 'exited', exitCode: 0 });
    await fresh.removeContainer('survivor');
  });

  it('kill -9 of the engine process attached to a container: a new engine lists it running, reads its logs, stops it', async () => {
    const attached = spawn(process.execPath, [path.resolve('bin/strata.js'), '--root', engine.root, 'run', '--name', 'orphan', 'test/a:1', 'sh', '-c', 'trap "exit 0" TERM; echo alive; while true; do sleep 1; done'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let seen = '';
    attached.stdout.on('data', (chunk: Buffer) => (seen += chunk.toString()));
    await until(() => seen.includes('alive'));
    const gone = new Promise((resolve) => attached.on('exit', resolve));
    attached.kill('SIGKILL');
    expect(await gone).toBe(null);
    const fresh = Engine.open({ root: engine.root });
    const [orphan] = await fresh.listContainers({ filters: { name: ['orphan'] } });
    expect(orphan?.state.status).toBe('running');
    expect(logText(engine, orphan!.id)).toBe('alive\n');
    expect((await fresh.stopContainer('orphan', { timeoutS: 5 })).state).toMatchObject({ status: 'exited', exitCode: 0 });
    await fresh.removeContainer('orphan');
  });

  it('a container that exits while no engine runs shows its exit code to the next engine', async () => {
    const started = cli('run', '-d', '--name', 'quitter', 'test/a:1', 'sh', '-c', 'sleep 0.2; exit 7');
    expect(started.status).toBe(0);
    const id = started.stdout.trim();
    await until(() => fs.existsSync(path.join(engine.root, 'containers', id, 'exit.json')));
    const fresh = Engine.open({ root: engine.root });
    expect((await fresh.inspectContainer('quitter')).state).toMatchObject({ status: 'exited', exitCode: 7 });
    await fresh.removeContainer('quitter');
    expect(execFileSync('sh', ['-c', `grep -c ${id} /proc/self/mountinfo || true`], { encoding: 'utf8' }).trim()).toBe('0');
  });
});

/** The record as the engine last wrote it (what another engine or a window reads). */
function readRecord(id: string): ContainerRecord {
  return JSON.parse(fs.readFileSync(path.join(engine.root, 'containers', id, 'container.json'), 'utf8')) as ContainerRecord;
}

function isMountedUnder(id: string): boolean {
  return fs.readFileSync('/proc/self/mountinfo', 'utf8').includes(id);
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 3000; i++) {
    if (condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('condition not met in time');
}
