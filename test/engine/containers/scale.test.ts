// Containers at the edges: an image of 100 layers (the overlay's mount options must still fit
// one page), 100 containers started at once and all removed without a trace, and a
// container the kernel kills for memory, reported OOMKilled.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../../src-main/engine/index';
import { type BuiltLayer, type TestImage, makeLayer, makeTempDir, testImages, write, writeOciLayout } from '../../helpers/test-images';
import { logText, removeTestStore } from '../../helpers/containers';
import { existingCgroupDirs } from '../../helpers/cgroups';

let work: string;
let engine: Engine;

beforeAll(async () => {
  work = makeTempDir('container-scale');
  const { a, layers } = testImages(work);
  const deep: BuiltLayer[] = [layers.base];
  for (let i = 1; i < 100; i++) {
    deep.push(makeLayer(work, `deep-${i}`, (root) => write(root, `deep/${String(i).padStart(3, '0')}.txt`, `layer ${i}\n`)));
  }
  const deepImage: TestImage = { tag: 'test/deep:100', layers: deep, cmd: ['/bin/sh'] };
  engine = Engine.open({ root: path.join(work, 'store') });
  await engine.importImage({ path: writeOciLayout(path.join(work, 'layout'), [a, deepImage]) });
});

afterAll(async () => {
  await removeTestStore(engine, work);
});

describe('containers at scale', () => {
  it('runs a container of a 100-layer image, seeing files from every layer', async () => {
    expect((await engine.inspectImage('test/deep:100')).layers).toHaveLength(100);
    const container = await engine.createContainer('test/deep:100', { command: ['sh', '-c', 'cat /deep/001.txt /deep/050.txt /deep/099.txt; ls /deep | wc -l'] });
    await engine.startContainer(container.id);
    expect(await engine.waitContainer(container.id)).toBe(0);
    expect(logText(engine, container.id)).toBe('layer 1\nlayer 50\nlayer 99\n99\n');
    await engine.removeContainer(container.id);
  });

  // Each start now makes a network namespace and a veth pair on the bridge: under a full
  // test run on two cores that takes minutes, not seconds (not a timing assertion: a limit).
  it('starts 100 containers at once, and removing them leaves no mount, cgroup or process', { timeout: 240_000 }, async () => {
    const created = await Promise.all(Array.from({ length: 100 }, (_, i) => engine.createContainer('test/a:1', { name: `many-${i}`, command: ['sleep', '120'] })));
    await Promise.all(created.map((container) => engine.startContainer(container.id)));
    const running = await engine.listContainers({ filters: { name: ['many-'] } });
    expect(running).toHaveLength(100);
    const pids = running.map((container) => container.state.pid!);
    expect(pids.every((pid) => fs.existsSync(`/proc/${pid}`))).toBe(true);

    await Promise.all(created.map((container) => engine.removeContainer(container.id, { force: true })));
    expect(await engine.listContainers({ all: true, filters: { name: ['many-'] } })).toEqual([]);
    const mounts = fs.readFileSync('/proc/self/mountinfo', 'utf8');
    for (const container of created) {
      expect(mounts).not.toContain(container.id);
      expect(existingCgroupDirs(container.id)).toEqual([]);
      expect(fs.existsSync(path.join(engine.root, 'containers', container.id))).toBe(false);
    }
    expect(pids.filter((pid) => isOurSleep(pid))).toEqual([]);
  });

  it('reports a container the kernel killed for memory as OOMKilled, exit 137, with the memory it reached', async () => {
    const container = await engine.createContainer('test/a:1', {
      command: ['busybox', 'dd', 'if=/dev/zero', 'of=/dev/null', 'bs=64M', 'count=1'],
      memory: 16 * 1024 * 1024,
      memorySwap: 16 * 1024 * 1024,
    });
    await engine.startContainer(container.id);
    expect(await engine.waitContainer(container.id)).toBe(137);
    expect((await engine.inspectContainer(container.id)).state).toMatchObject({ status: 'exited', exitCode: 137, oomKilled: true });
    expect((await engine.listContainers({ all: true })).find((c) => c.id === container.id)?.state.oomKilled).toBe(true);
    // the kernel's high-water mark, kept with the exit: the limit it ran into
    const { memoryPeak } = (await engine.inspectContainer(container.id)).state;
    expect(memoryPeak).toBeGreaterThan(12 * 1024 * 1024);
    expect(memoryPeak).toBeLessThanOrEqual(16 * 1024 * 1024);
    await engine.removeContainer(container.id);
  });
});

/** A pid that is still one of our `sleep 120`s (not a reused pid of something else). */
function isOurSleep(pid: number): boolean {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8') === 'sleep\x00120\x00';
  } catch {
    return false;
  }
}

