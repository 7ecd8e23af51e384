// A run that fails leaves nothing behind (issue 12, defect 7). Options start would refuse
// are refused by create before anything is written; a failure only start can meet (here:
// the runtime refuses to bind a file over the image's /app directory) is rolled back —
// start takes back the mount, the network and the cgroup, and run removes the record.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runtimeRoot } from '../../../src-main/engine/containers/runtime-root';
import { runtimeStateIds } from '../../../src-main/engine/runtime';
import { Engine } from '../../../src-main/engine/index';
import { NETWORK_STATE_DIR } from '../../../src-main/engine/network/ipam';
import { hostVethName } from '../../../src-main/engine/network/veth-name';
import type { ContainerOptions } from '../../../src-main/engine/containers/options';
import { removeTestStore } from '../../helpers/containers';
import { existingCgroupDirs } from '../../helpers/cgroups';
import { makeTempDir, testImages, writeOciLayout } from '../../helpers/test-images';

let work: string;
let engine: Engine;
/** A file: binding it over /app, a directory in the image, fails in the runtime (ENOTDIR). */
let hostFile: string;

beforeAll(async () => {
  work = makeTempDir('run-rollback');
  const { a } = testImages(work);
  engine = Engine.open({ root: path.join(work, 'store') });
  await engine.importImage({ path: writeOciLayout(path.join(work, 'layout'), [a]) });
  hostFile = path.join(work, 'a-file');
  fs.writeFileSync(hostFile, 'not a directory\n');
});

afterAll(async () => {
  await removeTestStore(engine, work);
});

async function rejection(promise: Promise<unknown>): Promise<{ code?: string; message: string }> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: { code?: string; message: string }) => error,
  );
}

/** Nothing of any container in this store: no record or directory, no runtime state, nothing mounted. */
async function expectNothingLeft(): Promise<void> {
  expect(await engine.listContainers({ all: true })).toEqual([]);
  expect(fs.readdirSync(path.join(engine.root, 'containers'))).toEqual([]);
  const runtimeState = runtimeRoot(engine.store);
  expect(fs.existsSync(runtimeState) ? runtimeStateIds(fs.readdirSync(runtimeState)) : []).toEqual([]);
  expect(fs.readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(engine.root);
}

describe('create refuses what start would refuse, before writing anything', () => {
  it.each<[string, ContainerOptions, string, RegExp]>([
    ['a user the image does not have', { user: 'nosuchuser', command: ['true'] }, 'NOT_FOUND', /^unable to find user nosuchuser: no matching entries in passwd file$/],
    ['a group the image does not have', { user: '0:nosuchgroup', command: ['true'] }, 'NOT_FOUND', /unable to find group nosuchgroup/],
    ['a relative working directory', { workdir: 'relative', command: ['true'] }, 'INVALID_ARGUMENT', /working directory "relative": must be an absolute path/],
    ['an empty command', { command: [''] }, 'INVALID_ARGUMENT', /the command is an empty string/],
    ['two volumes on one mount point', { command: ['true'], volumes: [{ source: '/tmp', destination: '/data', readonly: false }, { source: '/tmp', destination: '/data/', readonly: true }] }, 'INVALID_ARGUMENT', /duplicate mount point: \/data/],
  ])('%s', async (_, options, code, pattern) => {
    const error = await rejection(engine.createContainer('test/a:1', options));
    expect(error.code).toBe(code);
    expect(error.message).toMatch(pattern);
    await expectNothingLeft();
  });
});

describe('a start that fails late takes back what it made', () => {
  it('start: the mount, the network and the cgroup go; the created record stays', async () => {
    const created = await engine.createContainer('test/a:1', { command: ['true'], volumes: [{ source: hostFile, destination: '/app', readonly: false }] });
    const error = await rejection(engine.startContainer(created.id));
    expect(error.message).toMatch(/bind .*a-file: Not a directory/);
    expect((await engine.inspectContainer(created.id)).state.status).toBe('created');
    expect(fs.readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(created.id);
    expect(existingCgroupDirs(created.id)).toEqual([]);
    expect(fs.existsSync(`/sys/class/net/${hostVethName(created.id)}`)).toBe(false);
    const addresses = path.join(NETWORK_STATE_DIR, process.env.STRATA_BRIDGE ?? 'strata0');
    const owners = fs.existsSync(addresses) ? fs.readdirSync(addresses).map((name) => fs.readFileSync(path.join(addresses, name), 'utf8')) : [];
    expect(owners).not.toContain(created.id);
    await engine.removeContainer(created.id);
    await expectNothingLeft();
  });

  it('run: the container that run made is removed too', async () => {
    const error = await rejection(engine.runContainer('test/a:1', { name: 'late-failure', command: ['true'], volumes: [{ source: hostFile, destination: '/app', readonly: false }] }));
    expect(error.message).toMatch(/start late-failure: .*Not a directory/);
    await expectNothingLeft();
    // The name is free again.
    const again = await engine.runContainer('test/a:1', { name: 'late-failure', command: ['true'] });
    expect(await engine.waitContainer(again.id)).toBe(0);
    await engine.removeContainer(again.id);
  });
});
