// One supervisor per store, elected by a real flock: of two engines on one store exactly
// one supervises and writes its pid; kill -9 it and the other takes over; system.info says
// which engine supervises. Engines run in processes of their own (supervised-engine.mjs,
// the window's own code path) on the built engine: `npm run build` first.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openSupervisedApi } from '../../../src-main/api/supervised-api';
import { Engine } from '../../../src-main/engine/index';
import { SupervisorElection, type SupervisorRole, supervisorPidOf } from '../../../src-main/engine/supervisor/election';
import { makeTempDir } from '../../helpers/test-images';
import { type Child, requireBuild, spawnScript, until } from '../store/store-fixture';

const ENGINE = path.resolve('test/engine/supervisor/supervised-engine.mjs');

let work: string;
const children: Child[] = [];

beforeAll(() => {
  requireBuild();
  work = makeTempDir('supervisor');
});

afterEach(async () => {
  for (const child of children.splice(0)) {
    child.process.kill('SIGKILL');
    await child.exited;
  }
});

afterAll(() => {
  fs.rmSync(work, { recursive: true, force: true });
});

function engineProcess(root: string): Child {
  const child = spawnScript(ENGINE, root, '100');
  children.push(child);
  return child;
}

/** The roles a child has printed, in order. */
function roles(child: Child): SupervisorRole[] {
  return [...child.stdout().matchAll(/^role (\w+)$/gm)].map((match) => match[1] as SupervisorRole);
}

describe('the supervisor election', () => {
  it('in one process: one holder per lock file, and the next one in when it steps down', async () => {
    const file = path.join(work, 'in-process.lock');
    const seen: string[] = [];
    const first = new SupervisorElection(file, { retryMs: 20, onRole: (role) => seen.push(`first ${role}`) });
    const second = new SupervisorElection(file, { retryMs: 20, onRole: (role) => seen.push(`second ${role}`) });
    first.start();
    second.start();
    try {
      expect([first.role, second.role]).toEqual(['supervisor', 'follower']);
      expect(await supervisorPidOf(file)).toBe(process.pid);
      first.stop();
      expect(first.role).toBeNull();
      await until(() => second.role === 'supervisor', 'the follower to take over');
      expect(seen).toEqual(['first supervisor', 'second follower', 'second supervisor']);
    } finally {
      first.stop();
      second.stop();
    }
  });

  it('two engines on one store: exactly one supervises; kill -9 it and the other takes over', async () => {
    const root = path.join(work, 'two');
    const a = engineProcess(root);
    await a.line(/^role /); // the first one in makes the store; then the race is only for the lock
    const b = engineProcess(root);
    await b.line(/^role /);
    const elected = [a, b].filter((child) => roles(child).includes('supervisor'));
    expect(elected).toHaveLength(1);
    const supervisor = elected[0]!;
    const follower = supervisor === a ? b : a;
    expect(roles(follower)).toEqual(['follower']);
    expect(await supervisorPidOf(path.join(root, 'supervisor.lock'))).toBe(supervisor.process.pid);

    supervisor.process.kill('SIGKILL');
    await supervisor.exited;
    // The kernel freed the dead process's flock; the follower's next try (every 100 ms) gets it.
    await follower.line(/^role supervisor$/);
    expect(roles(follower)).toEqual(['follower', 'supervisor']);
    expect(await supervisorPidOf(path.join(root, 'supervisor.lock'))).toBe(follower.process.pid);
  });

  it('system.info says whether this engine is the store supervisor, and who is', async () => {
    const root = path.join(work, 'info');
    const other = engineProcess(root);
    await other.line(/^role supervisor$/);
    const supervised = openSupervisedApi({ engine: Engine.open({ root }) }, { retryMs: 50 });
    try {
      const session = supervised.api.openSession(() => {});
      expect(await session.call('system.info', {})).toMatchObject({ result: { storeSupervisor: false, storeSupervisorPid: other.process.pid } });
      other.process.kill('SIGKILL');
      await other.exited;
      await until(() => supervised.supervisor.supervising, 'this engine to take over');
      expect(await session.call('system.info', {})).toMatchObject({ result: { storeSupervisor: true, storeSupervisorPid: process.pid } });
      session.close();
    } finally {
      await supervised.close();
    }
    expect(supervised.supervisor.role).toBeNull();
  });
});
