// Restart policies: docker's decision rules on records, then for real — a monitor brings back
// a failing `on-failure:2` container exactly twice with growing back-off, restarts an
// `always` container, and leaves alone one that a user stopped.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ContainerRecord } from '../../../src-main/engine/containers/container';
import { RestartMonitor } from '../../../src-main/engine/containers/restart-monitor';
import { FIRST_BACKOFF_MS, MAX_BACKOFF_MS, restartDecision } from '../../../src-main/engine/containers/restart-policy';
import type { RestartPolicy } from '../../../src-main/engine/containers/options';
import { Engine } from '../../../src-main/engine/index';
import { makeTempDir, testImages, writeOciLayout } from '../../helpers/test-images';
import { removeTestStore } from '../../helpers/containers';

function exited(restart: RestartPolicy | undefined, state: Partial<ContainerRecord['state']> = {}): ContainerRecord {
  return {
    id: 'a'.repeat(64),
    name: 'x',
    created: '2026-01-01T00:00:00Z',
    image: { ref: 'i', id: 'sha256:' + 'b'.repeat(64), manifestDigest: 'sha256:' + 'c'.repeat(64) },
    layers: [],
    options: { restart },
    state: { status: 'exited', exitCode: 1, startedAt: '2026-01-01T00:00:00.000Z', finishedAt: '2026-01-01T00:00:01.000Z', ...state },
  };
}

describe('restart decisions', () => {
  const finished = Date.parse('2026-01-01T00:00:01.000Z');

  it('no policy, a running container, or a user stop never restart', () => {
    expect(restartDecision(exited(undefined))).toEqual({ restart: false });
    expect(restartDecision(exited({ name: 'no' }))).toEqual({ restart: false });
    expect(restartDecision(exited({ name: 'always' }, { status: 'running' }))).toEqual({ restart: false });
    expect(restartDecision(exited({ name: 'always' }, { stoppedByUser: true }))).toEqual({ restart: false });
    expect(restartDecision(exited({ name: 'unless-stopped' }, { stoppedByUser: true }))).toEqual({ restart: false });
  });

  it('on-failure restarts after a failure only, at most N times (0 = no limit)', () => {
    expect(restartDecision(exited({ name: 'on-failure' }, { exitCode: 0 }))).toEqual({ restart: false });
    expect(restartDecision(exited({ name: 'on-failure' }, { exitCode: 0, signal: 9 }))).toMatchObject({ restart: true });
    expect(restartDecision(exited({ name: 'on-failure', maxRetries: 2 }, { restartCount: 1 }))).toMatchObject({ restart: true, count: 2 });
    expect(restartDecision(exited({ name: 'on-failure', maxRetries: 2 }, { restartCount: 2 }))).toEqual({ restart: false });
    expect(restartDecision(exited({ name: 'on-failure', maxRetries: 0 }, { restartCount: 50 }))).toMatchObject({ restart: true, count: 51 });
  });

  it('backs off from 100 ms, doubling to a minute, and starts over after a 10 s run', () => {
    expect(restartDecision(exited({ name: 'always' }, { exitCode: 0 }))).toEqual({ restart: true, atMs: finished + FIRST_BACKOFF_MS, count: 1, backoffMs: FIRST_BACKOFF_MS });
    expect(restartDecision(exited({ name: 'always' }, { backoffMs: 400 }))).toMatchObject({ atMs: finished + 800, backoffMs: 800 });
    expect(restartDecision(exited({ name: 'always' }, { backoffMs: 50_000 }))).toMatchObject({ backoffMs: MAX_BACKOFF_MS });
    const longRun = exited({ name: 'always' }, { backoffMs: 6400, startedAt: '2026-01-01T00:00:00.000Z', finishedAt: '2026-01-01T00:00:12.000Z' });
    expect(restartDecision(longRun)).toMatchObject({ backoffMs: FIRST_BACKOFF_MS });
  });
});

describe('restart policies, for real', () => {
  let work: string;
  let engine: Engine;

  beforeAll(async () => {
    work = makeTempDir('restart');
    const { a } = testImages(work);
    engine = Engine.open({ root: path.join(work, 'store') });
    await engine.importImage({ path: writeOciLayout(path.join(work, 'layout'), [a]) });
  });

  afterAll(async () => {
    await removeTestStore(engine, work);
  });

  it('on-failure:2 restarts a failing container twice, then leaves it exited', async () => {
    const container = await engine.createContainer('test/a:1', { command: ['sh', '-c', 'echo run; exit 3'], restart: { name: 'on-failure', maxRetries: 2 } });
    const restarts: ContainerRecord[] = [];
    const monitor = engine.superviseRestarts({ pollMs: 50, onRestart: (record) => restarts.push(record) });
    try {
      await engine.startContainer(container.id);
      await until(async () => restarts.length === 2 && (await engine.inspectContainer(container.id)).state.status === 'exited');
    } finally {
      monitor.stop();
    }
    // No third restart: a pass of a monitor of our own, at a time past any back-off, would make
    // it now if the policy allowed one (an event, not a wait).
    await new RestartMonitor(engine.store, { onRestart: (record) => restarts.push(record) }).tick(Date.now() + 3_600_000);
    expect(restarts.map((record) => [record.state.restartCount, record.state.backoffMs])).toEqual([
      [1, 100],
      [2, 200],
    ]);
    const state = (await engine.inspectContainer(container.id)).state;
    expect(state).toMatchObject({ status: 'exited', exitCode: 3, restartCount: 2 });
    expect(logLines(engine, container.id)).toEqual(['run', 'run', 'run']);
  });

  it('always brings back a container that exits, but not one a user stopped', async () => {
    const container = await engine.createContainer('test/a:1', { command: ['sh', '-c', 'sleep 0.2'], restart: { name: 'always' } });
    const monitor = engine.superviseRestarts({ pollMs: 50 });
    try {
      await engine.startContainer(container.id);
      await until(async () => ((await engine.inspectContainer(container.id)).state.restartCount ?? 0) >= 2);
      await engine.stopContainer(container.id, { timeoutS: 0 });
      const after = (await engine.inspectContainer(container.id)).state;
      // a pass at a time past any back-off restarts nothing (an event, not a wait)
      await new RestartMonitor(engine.store).tick(Date.now() + 3_600_000);
      expect((await engine.inspectContainer(container.id)).state).toMatchObject({ status: 'exited', stoppedByUser: true, restartCount: after.restartCount });
      // A user's start clears the mark and the count.
      const started = await engine.startContainer(container.id);
      expect(started.state).toMatchObject({ status: 'running', restartCount: 0 });
      expect(started.state.stoppedByUser).toBeUndefined();
    } finally {
      monitor.stop();
    }
    await engine.removeContainer(container.id, { force: true });
  });
});

function logLines(engine: Engine, id: string): string[] {
  return fs
    .readFileSync(engine.containerLogPath(id), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => (JSON.parse(line) as { log: string }).log.trim());
}

async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
