// Store records that do not parse. Files appear whole by rename, so an unreadable one was
// damaged outside Strata (disk, hand edit, power loss before its data reached the disk).
// What Strata does about each:
//  - index.json: every image operation fails with INVALID_ARCHIVE naming the file, and a
//    sweep removes nothing (an index read as empty would free every image).
//  - a container record: listings leave the container out and warn once
//    (STRATA_DAMAGED_RECORD); a sweep refuses with INVALID_ARCHIVE, since which image the
//    container stands on is unknown — until the record is repaired or its directory removed.
//  - a layer's meta.json: INVALID_ARCHIVE naming the file (it was a bare SyntaxError), and
//    `rmi` of the image still works, taking the damaged layer with it.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../../src-main/engine/index';
import { isStrataError } from '@shared/errors';
import { removeTestStore } from '../../helpers/containers';
import { type TestImage, makeTempDir, testImages, treeSnapshot, writeOciLayout } from '../../helpers/test-images';
import { requireBuild } from './store-fixture';

let work: string;
let layout: string;
const engines: Engine[] = [];
const warnings: Error[] = [];
const onWarning = (warning: Error) => warnings.push(warning);

beforeAll(() => {
  requireBuild();
  work = makeTempDir('store-records');
  const { a, b }: { a: TestImage; b: TestImage } = testImages(work);
  layout = writeOciLayout(path.join(work, 'layout'), [a, b]);
  process.on('warning', onWarning);
});

afterEach(() => {
  warnings.length = 0;
});

afterAll(async () => {
  process.off('warning', onWarning);
  for (const engine of engines) await removeTestStore(engine, path.dirname(engine.root));
  fs.rmSync(work, { recursive: true, force: true });
});

async function storeWithImages(name: string): Promise<Engine> {
  const engine = Engine.open({ root: path.join(work, name, 'store') });
  engines.push(engine);
  await engine.importImage({ path: layout });
  return engine;
}

function strata(engine: Engine, ...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [path.resolve('bin/strata.js'), '--root', engine.root, ...args], { encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const damaged = (file: string) => (error: unknown) => isStrataError(error, 'INVALID_ARCHIVE') && error.message.includes(file) && /not valid JSON/.test(error.message);

/** Cuts a JSON file in half, as a disk or a power loss might leave it. */
function truncate(file: string): void {
  const text = fs.readFileSync(file, 'utf8');
  fs.writeFileSync(file, text.slice(0, Math.floor(text.length / 2)));
}

describe('unreadable store records', () => {
  it('a damaged index.json: a coded error naming it, and no sweep', async () => {
    const engine = await storeWithImages('index');
    const index = engine.store.paths.index;
    const intact = fs.readFileSync(index);
    truncate(index);
    const before = treeSnapshot(engine.root);
    await expect(engine.listImages()).rejects.toThrow(expect.toSatisfy(damaged(index)));
    await expect(engine.prune()).rejects.toSatisfy(damaged(index));
    await expect(engine.removeImage('test/a:1')).rejects.toSatisfy(damaged(index));
    expect(treeSnapshot(engine.root)).toEqual(before);
    const cli = strata(engine, 'images');
    expect(cli.code).not.toBe(0);
    expect(cli.stderr).toMatch(/^strata images: store index .*index\.json: not valid JSON .*\[INVALID_ARCHIVE\]\n$/);
    fs.writeFileSync(index, intact);
    expect(await engine.listImages()).toHaveLength(2);
  });

  it('a damaged container record: left out of listings with one warning; gc refuses until it is dealt with', async () => {
    const engine = await storeWithImages('container');
    const container = await engine.createContainer('test/b:1');
    const record = path.join(engine.root, 'containers', container.id, 'container.json');
    truncate(record);
    expect(await engine.listContainers({ all: true })).toEqual([]);
    expect(await engine.listContainers({ all: true })).toEqual([]);
    await new Promise((resolve) => setImmediate(resolve)); // warnings are emitted on the next tick
    const ours = warnings.filter((warning) => (warning as NodeJS.ErrnoException).code === 'STRATA_DAMAGED_RECORD');
    expect(ours.map((warning) => warning.message.includes(record))).toEqual([true]); // once, naming the file
    await expect(engine.inspectContainer(container.id)).rejects.toThrow(expect.toSatisfy((e: unknown) => isStrataError(e, 'NOT_FOUND')));

    // rmi would sweep the layers the container stands on: refused before anything changes.
    const before = treeSnapshot(engine.root);
    await expect(engine.removeImage('test/b:1')).rejects.toSatisfy(damaged(record));
    await expect(engine.prune()).rejects.toSatisfy(damaged(record));
    expect(treeSnapshot(engine.root)).toEqual(before);

    const cli = strata(engine, 'ps', '-a');
    expect(cli.code).toBe(0);
    expect(cli.stderr).toContain('[STRATA_DAMAGED_RECORD]');

    fs.rmSync(path.dirname(record), { recursive: true }); // what the error tells a person to do
    expect((await engine.removeImage('test/b:1')).deleted).toHaveLength(1);
  });

  it("a damaged layer meta.json: a coded error naming it; rmi still removes the image and the layer", async () => {
    const engine = await storeWithImages('meta');
    const top = (await engine.inspectImage('test/a:1')).layers.at(-1)!.chainId;
    const meta = path.join(engine.root, 'layers', top.slice('sha256:'.length), 'meta.json');
    truncate(meta);
    await expect(engine.listImages()).rejects.toThrow(expect.toSatisfy(damaged(meta)));
    await expect(engine.diskUsage()).rejects.toThrow(expect.toSatisfy(damaged(meta)));
    const cli = strata(engine, 'images');
    expect(cli.code).not.toBe(0);
    expect(cli.stderr).toMatch(/meta\.json is damaged: not valid JSON .*\[INVALID_ARCHIVE\]\n$/);
    const removed = await engine.removeImage('test/a:1');
    expect(removed.freed.layers).toContain(top);
    expect((await engine.listImages()).map((image) => image.tags)).toEqual([['test/b:1']]);
  });
});
