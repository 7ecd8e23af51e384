// One lock per container, held only while an action changes it: a stop waiting out its
// grace time holds no lock, so other containers start, pause and stop meanwhile and a kill
// of the same one ends the wait; two starts of one container still run one after the
// other. And the stop signal is decided at create.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../../src-main/engine/index';
import { type TestImage, makeTempDir, testImages, writeOciLayout } from '../../helpers/test-images';
import { removeTestStore } from '../../helpers/containers';

let work: string;
let engine: Engine;
let a: TestImage;

beforeAll(async () => {
  work = makeTempDir('container-lock');
  ({ a } = testImages(work));
  engine = Engine.open({ root: path.join(work, 'store') });
  await engine.importImage({ path: writeOciLayout(path.join(work, 'layout'), [a]) });
});

afterAll(async () => {
  await removeTestStore(engine, work);
});

/** A container that ignores SIGTERM: its stop waits the whole grace time. */
async function stubborn(name: string): Promise<string> {
  const container = await engine.createContainer('test/a:1', { name, network: 'none', command: ['sh', '-c', "trap '' TERM; echo ready; while true; do sleep 1; done"] });
  await engine.startContainer(container.id);
  return container.id;
}

describe('container locks', () => {
  it('a stop in its grace time does not hold up other containers', async () => {
    const slow = await stubborn('slow');
    const other = await engine.createContainer('test/a:1', { name: 'other', network: 'none', command: ['sleep', '600'] });
    let stopDone = false;
    const stopping = engine.stopContainer(slow, { timeoutS: 120 }).then((record) => {
      stopDone = true;
      return record;
    });
    // while that stop waits (up to 120 s), the other container starts, pauses, resumes and stops
    expect((await engine.startContainer(other.id)).state.status).toBe('running');
    expect((await engine.pauseContainer(other.id)).state.status).toBe('paused');
    expect((await engine.unpauseContainer(other.id)).state.status).toBe('running');
    expect((await engine.stopContainer(other.id, { timeoutS: 0 })).state.status).toBe('exited');
    expect(stopDone).toBe(false);
    // the grace time holds no lock either: a kill of the same container ends the wait at once
    expect((await engine.killContainer(slow)).id).toBe(slow);
    expect((await stopping).state).toMatchObject({ status: 'exited', signal: 9 });
    await engine.removeContainer(slow);
    await engine.removeContainer(other.id, { force: true });
  });

  it('two starts of one container run one after the other: one starts it, the other finds it running', async () => {
    const container = await engine.createContainer('test/a:1', { network: 'none', command: ['sleep', '600'] });
    const [first, second] = await Promise.all([engine.startContainer(container.id), engine.startContainer(container.id)]);
    expect(first.state.pid).toBeDefined();
    expect(second.state.pid).toBe(first.state.pid);
    await engine.removeContainer(container.id, { force: true });
  });

  it('records the stop signal at create: --stop-signal, else the image STOPSIGNAL', async () => {
    const given = await engine.createContainer('test/a:1', { network: 'none', stopSignal: 'SIGUSR1', command: ['true'] });
    expect(given.stopSignal).toBe('SIGUSR1');
    const none = await engine.createContainer('test/a:1', { network: 'none', command: ['true'] });
    expect(none.stopSignal).toBeUndefined(); // test/a:1 has no STOPSIGNAL: stop sends SIGTERM
    await engine.removeContainer(given.id);
    await engine.removeContainer(none.id);
  });
});
