// The builder and garbage collection. A build in progress holds references to what it stands
// on (its base image, the layers it made or reused), so `rmi` and `prune` meanwhile take
// nothing from under it; a crashed build holds nothing. The cache holds no references: a
// sweep that removes a layer drops the cache entries naming it, and the step runs again.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processStartTime } from '../../../native/lib/index';
import { buildCachePath } from '../../../src-main/engine/build/build-cache';
import { BASE, type Fixture, openFixture } from './build-fixture';

let fixture: Fixture;

beforeAll(async () => {
  fixture = await openFixture('build-gc');
});

afterAll(async () => {
  await fixture.cleanup();
});

function cacheText(): string {
  return fs.existsSync(buildCachePath(fixture.engine.store.paths)) ? fs.readFileSync(buildCachePath(fixture.engine.store.paths), 'utf8') : '';
}

function layerExists(chainId: string): boolean {
  return fs.existsSync(path.join(fixture.engine.root, 'layers', chainId.slice('sha256:'.length)));
}

describe('the build cache and gc', () => {
  it('drops the entries of layers a sweep removes; the step then runs again', async () => {
    const context = fixture.context('swept', { Containerfile: `FROM ${BASE}\nRUN echo swept > /swept\nENV AFTER=1\n` });
    const first = await fixture.build(context, { tags: ['test/swept:1'] });
    const layer = first.steps[0]!.layer!;
    expect(cacheText()).toContain(layer);
    const removed = await fixture.engine.removeImage('test/swept:1');
    expect(removed.freed.layers).toEqual([layer]);
    expect(cacheText()).not.toContain(layer); // neither the RUN's entry nor the ENV made on it
    const again = await fixture.build(context, { tags: ['test/swept:1'] });
    expect(again.steps.map((step) => step.cached)).toEqual([false, false]);
  });

  it("counts a live build's references, and not a dead one's", async () => {
    const context = fixture.context('held', { Containerfile: `FROM ${BASE}\nRUN echo held > /held\n` });
    const built = await fixture.build(context, { tags: ['test/held:1'] });
    const layer = (await fixture.engine.inspectImage('test/held:1')).layers[1]!;
    expect(layer.chainId).toBe(built.steps[0]!.layer);
    const holder = path.join(fixture.engine.root, 'builds', 'holder');
    fs.mkdirSync(holder, { recursive: true });
    fs.writeFileSync(path.join(holder, 'refs.json'), JSON.stringify({ manifests: [], layers: [{ chainId: layer.chainId, digest: layer.digest }] }));
    const owner = (pid: number, start: string) => fs.writeFileSync(path.join(holder, 'build.json'), JSON.stringify({ pid, pidStartTime: start, startedAt: '' }));
    try {
      owner(process.pid, processStartTime(process.pid).toString());
      const removed = await fixture.engine.removeImage('test/held:1');
      expect(removed.deleted).toHaveLength(1);
      expect(removed.freed.layers).toEqual([]);
      expect(layerExists(layer.chainId)).toBe(true);
      owner(spawnSync('true').pid!, '1');
      expect((await fixture.engine.prune()).freed.layers).toEqual([layer.chainId]);
      expect(layerExists(layer.chainId)).toBe(false);
    } finally {
      fs.rmSync(holder, { recursive: true, force: true });
    }
  });

  it('rmi of the base image and prune during a build take nothing from under it', async () => {
    const context = fixture.context('busy', { Containerfile: `FROM ${BASE}\nRUN echo one > /one\nRUN echo started; sleep 1; cat /one > /two\n` });
    const meanwhile: Promise<unknown>[] = [];
    const result = await fixture.build(context, {
      tags: ['test/busy:1'],
      onProgress: (event) => {
        if (event.kind === 'output' && event.line === 'started') {
          meanwhile.push(fixture.engine.removeImage(BASE).then(() => fixture.engine.prune()));
        }
      },
    });
    const [pruned] = (await Promise.all(meanwhile)) as [{ freed: { layers: string[] } }];
    expect(pruned.freed.layers).toEqual([]);
    expect((await fixture.engine.listImages()).flatMap((image) => image.tags)).not.toContain(BASE);
    expect(result.steps.map((step) => step.cached)).toEqual([false, false]);
    expect(await fixture.run('test/busy:1', ['cat', '/two'])).toBe('one');
    // Once the build is over, its references are gone: only the image keeps the layers.
    expect(fs.readdirSync(path.join(fixture.engine.root, 'builds'))).toEqual([]);
  });
});
