// containers.changed is told of what another process does (the CLI) through the record
// cache's inotify hints — with the safety-net poll set to an hour, so it cannot be the poll.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api } from '../../src-main/api/dispatch';
import type { ContainerChangedEvent } from '@shared/api/types/containers';
import { Engine } from '../../src-main/engine/index';
import { makeTempDir, testImages, writeOciLayout } from '../helpers/test-images';
import { removeTestStore } from '../helpers/containers';

let work: string;
let root: string;
let engine: Engine;
let api: Api;
const bin = path.resolve('bin/strata.js');

function strata(...args: string[]): { code: number; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [bin, '--root', root, ...args], { encoding: 'utf8' });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

beforeAll(async () => {
  work = makeTempDir('container-watch');
  const { a } = testImages(work);
  root = path.join(work, 'store');
  engine = Engine.open({ root });
  await engine.importImage({ path: writeOciLayout(path.join(work, 'layout'), [a]) });
  api = new Api({ engine, containerPollMs: 3_600_000 });
});

afterAll(async () => {
  await api.close();
  await removeTestStore(engine, work);
});

describe('containers.changed without the poll', () => {
  it('tells of a record another process changed, a container it made and one it removed', async () => {
    const seen: ContainerChangedEvent[] = [];
    const session = api.openSession((event, payload) => {
      if (event === 'containers.changed') seen.push(payload as ContainerChangedEvent);
    });
    session.subscribe('containers.changed');
    const made = await Engine.open({ root }).createContainer('test/a:1', { name: 'elsewhere', network: 'none', command: ['true'] });
    await expect.poll(() => seen.some((event) => event.id === made.id && event.container?.name === 'elsewhere')).toBe(true);

    expect(strata('update', '--restart', 'always', 'elsewhere')).toMatchObject({ code: 0 });
    await expect.poll(() => seen.some((event) => event.id === made.id && event.container?.options.restart?.name === 'always')).toBe(true);

    expect(strata('rm', 'elsewhere')).toMatchObject({ code: 0 });
    await expect.poll(() => seen.some((event) => event.id === made.id && event.container === undefined)).toBe(true);
    session.close();
  });

  it('after a call through the API, tells of the container it touched at once', async () => {
    const seen: ContainerChangedEvent[] = [];
    const session = api.openSession((event, payload) => {
      if (event === 'containers.changed') seen.push(payload as ContainerChangedEvent);
    });
    session.subscribe('containers.changed');
    const reply = await session.call('containers.create', { image: 'test/a:1', options: { name: 'here', network: 'none', command: ['true'] } });
    const id = (reply as { result: { id: string } }).result.id;
    expect(seen.some((event) => event.id === id)).toBe(true); // told before the answer
    await session.call('containers.update', { ref: id, update: { restart: { name: 'always' } } });
    expect(seen.at(-1)).toMatchObject({ id, container: { options: { restart: { name: 'always' } } } });
    await session.call('containers.remove', { ref: id });
    expect(seen.at(-1)).toEqual({ id });
    session.close();
  });
});
