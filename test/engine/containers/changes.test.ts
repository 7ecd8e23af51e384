// A container's own layer, for real: diff lists what it added, changed and deleted; commit
// turns it into an image layer other containers run on (whiteouts included); update changes
// the limits of a running container in its cgroup files and refuses to starve it.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../../src-main/engine/index';
import { isStrataError } from '@shared/errors';
import { type TestImage, makeTempDir, testImages, writeOciLayout } from '../../helpers/test-images';
import { logText, removeTestStore } from '../../helpers/containers';
import { cpuPeriod, cpuQuota, freezerState, memoryLimit, pidsMax } from '../../helpers/cgroups';

let work: string;
let engine: Engine;
let a: TestImage;

beforeAll(async () => {
  work = makeTempDir('container-changes');
  ({ a } = testImages(work));
  engine = Engine.open({ root: path.join(work, 'store') });
  await engine.importImage({ path: writeOciLayout(path.join(work, 'layout'), [a]) });
});

afterAll(async () => {
  await removeTestStore(engine, work);
});

const MAKE_CHANGES = [
  'echo new > /app/new.txt',
  'echo changed >> /etc/app.conf',
  'rm /app/data-symlink',
  'rm -r /usr/share/doc',
  'mkdir -p /usr/share/doc',
  'echo fresh > /usr/share/doc/fresh.txt',
  'ln /app/new.txt /app/new-hardlink.txt',
].join(' && ');

async function runToEnd(command: string, name?: string): Promise<string> {
  const container = await engine.createContainer('test/a:1', { name, command: ['sh', '-c', command] });
  await engine.startContainer(container.id);
  expect(await engine.waitContainer(container.id)).toBe(0);
  return container.id;
}

describe('diff', () => {
  it('lists what the container added (A), changed (C) and deleted (D), as docker diff', async () => {
    const id = await runToEnd(MAKE_CHANGES, 'differ');
    const changes = await engine.diffContainer('differ');
    const byPath = Object.fromEntries(changes.map((change) => [change.path, change.kind]));
    expect(byPath).toMatchObject({
      '/app': 'C',
      '/app/new.txt': 'A',
      '/app/new-hardlink.txt': 'A',
      '/app/data-symlink': 'D',
      '/etc': 'C',
      '/etc/app.conf': 'C',
      '/usr/share/doc': 'C',
      '/usr/share/doc/fresh.txt': 'A',
      '/usr/share/doc/new.txt': 'D', // the image's only file there, hidden by the new opaque directory
    });
    expect(changes.map((change) => change.path)).toEqual([...changes.map((change) => change.path)].sort());
    expect(byPath['/bin/busybox']).toBeUndefined();
    await engine.removeContainer(id);
  });

  it('is empty for a container that wrote nothing, and NOT_FOUND for an unknown one', async () => {
    const id = await runToEnd('true');
    expect(await engine.diffContainer(id)).toEqual([]);
    await expect(engine.diffContainer('no-such-container')).rejects.toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
    await engine.removeContainer(id);
  });
});

describe('commit', () => {
  it("makes the container's layer an image layer: files, deletions and config carry over", async () => {
    const id = await runToEnd(MAKE_CHANGES, 'committer');
    const image = await engine.commitContainer('committer', { tag: 'test/committed:1', message: 'my changes', author: 'Tester', changes: ['ENV COMMITTED=yes', 'CMD ["cat", "/app/new.txt"]'] });
    const info = await engine.inspectImage('test/committed:1');
    const parent = await engine.inspectImage('test/a:1');
    expect(info.id).toBe(image.id);
    expect(info.layers.slice(0, 3).map((layer) => layer.chainId)).toEqual(parent.layers.map((layer) => layer.chainId)); // shared, not copied
    expect(info.layers).toHaveLength(4);
    expect(info.config.Env).toContain('COMMITTED=yes');
    expect(info.history.at(-1)).toMatchObject({ comment: 'my changes', author: 'Tester', created_by: expect.stringContaining('strata commit committer') });
    expect(info.layers[3]!.createdBy).toContain('strata commit committer');

    // A container of the new image sees the changes, deletions included, and runs the new CMD.
    const check = await engine.createContainer('test/committed:1', {
      command: ['sh', '-c', 'cat /app/new.txt /app/new-hardlink.txt /etc/app.conf; ls /usr/share/doc; test -e /app/data-symlink || echo symlink-gone; echo $COMMITTED'],
    });
    await engine.startContainer(check.id);
    expect(await engine.waitContainer(check.id)).toBe(0);
    expect(logText(engine, check.id)).toBe('new\nnew\nmode=test\nchanged\nfresh.txt\nsymlink-gone\nyes\n');
    // The committed layer's tar says what overlayfs said, in OCI notation.
    const layerTar = execFileSync('tar', ['-tzvf', path.join(engine.root, 'blobs/sha256', info.layers[3]!.digest.slice(7))], { encoding: 'utf8' });
    expect(layerTar).toMatch(/app\/\.wh\.data-symlink/);
    expect(layerTar).toMatch(/usr\/share\/doc\/\.wh\.\.wh\.\.opq/);
    expect(layerTar).toMatch(/^h.* app\/new(-hardlink)?\.txt link to app\/new(-hardlink)?\.txt$/m);
    const defaultRun = await engine.createContainer('test/committed:1');
    await engine.startContainer(defaultRun.id);
    expect(await engine.waitContainer(defaultRun.id)).toBe(0);
    expect(logText(engine, defaultRun.id)).toBe('new\n');
    for (const container of [check.id, defaultRun.id, id]) await engine.removeContainer(container);
    await engine.removeImage('test/committed:1');
  });

  it('commits a running container frozen, and it keeps running', async () => {
    const container = await engine.createContainer('test/a:1', { command: ['sh', '-c', 'echo 1 > /tmp/counter; touch /tmp/ready; sleep 60'] });
    await engine.startContainer(container.id);
    await until(() => fs.existsSync(path.join(engine.root, 'containers', container.id, 'upper/tmp/ready')));
    await engine.commitContainer(container.id, { tag: 'test/live-commit:1' });
    expect((await engine.inspectContainer(container.id)).state.status).toBe('running');
    expect(freezerState(container.id)).toBe('THAWED');
    expect((await engine.inspectImage('test/live-commit:1')).layers).toHaveLength(4);
    await engine.removeContainer(container.id, { force: true });
    await engine.removeImage('test/live-commit:1');
  });

  it('refuses a bad tag or --change before writing anything', async () => {
    const id = await runToEnd('true');
    const before = fs.readdirSync(path.join(engine.root, 'blobs/sha256')).sort();
    await expect(engine.commitContainer(id, { tag: 'Bad Tag!' })).rejects.toSatisfy((e: unknown) => isStrataError(e, 'INVALID_ARGUMENT'));
    await expect(engine.commitContainer(id, { changes: ['FROBNICATE x'] })).rejects.toSatisfy((e: unknown) => isStrataError(e, 'INVALID_ARGUMENT'));
    await expect(engine.commitContainer('no-such-container')).rejects.toSatisfy((e: unknown) => isStrataError(e, 'NOT_FOUND'));
    expect(fs.readdirSync(path.join(engine.root, 'blobs/sha256')).sort()).toEqual(before);
    expect(fs.readdirSync(path.join(engine.root, 'tmp'))).toEqual([]);
    await engine.removeContainer(id);
  });
});

describe('update', () => {
  it("rewrites a running container's cgroup limits, and keeps them for its next start", async () => {
    const container = await engine.createContainer('test/a:1', { command: ['sleep', '60'], memory: 64 * 1024 * 1024, pidsLimit: 20 });
    await engine.startContainer(container.id);
    expect(memoryLimit(container.id)).toBe(String(64 * 1024 * 1024));
    await engine.updateContainer(container.id, { memory: 128 * 1024 * 1024, cpus: 0.5, pidsLimit: 50 });
    expect(memoryLimit(container.id)).toBe(String(128 * 1024 * 1024));
    expect([cpuQuota(container.id), cpuPeriod(container.id)]).toEqual(['50000', '100000']);
    expect(pidsMax(container.id)).toBe('50');
    expect((await engine.inspectContainer(container.id)).options).toMatchObject({ memory: 128 * 1024 * 1024, cpus: 0.5, pidsLimit: 50 });
    await engine.stopContainer(container.id, { timeoutS: 0 });
    await engine.startContainer(container.id);
    expect(memoryLimit(container.id)).toBe(String(128 * 1024 * 1024));
    expect(pidsMax(container.id)).toBe('50');
    await engine.removeContainer(container.id, { force: true });
  });

  it('refuses a memory limit below what the container holds now, and leaves the limit as it was', async () => {
    // 40 MB in /dev/shm (a tmpfs): charged to the container's memory cgroup, not reclaimable.
    const container = await engine.createContainer('test/a:1', {
      command: ['sh', '-c', 'dd if=/dev/zero of=/dev/shm/hold bs=1M count=40 2>/dev/null; touch /tmp/held; sleep 60'],
      memory: 256 * 1024 * 1024,
    });
    await engine.startContainer(container.id);
    await until(() => fs.existsSync(path.join(engine.root, 'containers', container.id, 'upper/tmp/held')));
    const error = await engine.updateContainer(container.id, { memory: 16 * 1024 * 1024 }).catch((e: unknown) => e);
    expect(isStrataError(error, 'CONFLICT')).toBe(true);
    expect((error as Error).message).toMatch(/holds \d+\.\d MiB now: a memory limit of 16\.0 MiB would make the kernel kill it/);
    expect(memoryLimit(container.id)).toBe(String(256 * 1024 * 1024));
    expect((await engine.inspectContainer(container.id)).state.status).toBe('running');
    expect((await engine.inspectContainer(container.id)).options.memory).toBe(256 * 1024 * 1024);
    await engine.removeContainer(container.id, { force: true });
  });

  it('checks its input: nothing to update, limits out of range, swap below memory', async () => {
    const id = await runToEnd('true');
    for (const update of [{}, { memory: 1024 }, { cpus: 0 }, { pidsLimit: -5 }, { memory: 64 * 1024 * 1024, memorySwap: 32 * 1024 * 1024 }]) {
      await expect(engine.updateContainer(id, update)).rejects.toSatisfy((e: unknown) => isStrataError(e, 'INVALID_ARGUMENT'));
    }
    await engine.updateContainer(id, { restart: { name: 'on-failure', maxRetries: 2 } });
    expect((await engine.inspectContainer(id)).options.restart).toEqual({ name: 'on-failure', maxRetries: 2 });
    await engine.removeContainer(id);
  });
});


async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 3000; i++) {
    if (condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('condition not met in time');
}

describe('exec', () => {
  it("runs a command in the running container's namespaces, cgroup and root, with its exit code", async () => {
    const container = await engine.createContainer('test/a:1', { command: ['sh', '-c', 'echo inside > /tmp/mark; sleep 60'], hostname: 'exec-host', env: ['FROM_RUN=1'] });
    await engine.startContainer(container.id);
    await until(() => fs.existsSync(path.join(engine.root, 'containers', container.id, 'upper/tmp/mark')));
    const result = await engine.execContainer(container.id, {
      // in PID 1's cgroups: the same /proc/<pid>/cgroup on v1 and v2 alike (no controller name assumed)
      command: ['sh', '-c', 'cat /tmp/mark; hostname; echo $FROM_RUN $EXTRA; pwd; id -u; [ "$(cat /proc/self/cgroup)" = "$(cat /proc/1/cgroup)" ] && echo 1; exit 4'],
      env: ['EXTRA=2'],
      workdir: '/app',
      user: 'app',
    });
    expect(result).toEqual({ exitCode: 4, stdout: 'inside\nexec-host\n1 2\n/app\n1000\n1\n', stderr: '' });
    expect((await engine.execContainer(container.id, { command: ['no-such-program'] })).exitCode).toBe(127);
    expect((await engine.execContainer(container.id, { command: ['/etc/passwd'] })).exitCode).toBe(126);
    // Detached: returns at once; the process runs on inside the container.
    expect(await engine.execContainer(container.id, { command: ['sh', '-c', 'sleep 0.2; echo later > /tmp/detached'], detach: true })).toEqual({ exitCode: 0 });
    await until(() => fs.existsSync(path.join(engine.root, 'containers', container.id, 'upper/tmp/detached')));
    await expect(engine.execContainer(container.id, { command: ['no-such-program'], detach: true })).rejects.toThrow(/not found/);
    expect(fs.readdirSync(path.join(engine.root, 'containers', container.id)).filter((name) => name.startsWith('exec-'))).toEqual([]);
    await engine.removeContainer(container.id, { force: true });
  });

  it('refuses a stopped container, an empty command and a relative workdir', async () => {
    const id = await runToEnd('true');
    await expect(engine.execContainer(id, { command: ['true'] })).rejects.toSatisfy((e: unknown) => isStrataError(e, 'CONFLICT'));
    await expect(engine.execContainer(id, { command: [] })).rejects.toSatisfy((e: unknown) => isStrataError(e, 'INVALID_ARGUMENT'));
    await expect(engine.execContainer(id, { command: ['true'], workdir: 'relative' })).rejects.toSatisfy((e: unknown) => isStrataError(e, 'INVALID_ARGUMENT'));
    await engine.removeContainer(id);
  });
});
