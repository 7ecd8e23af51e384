// What a container takes from its image's config beyond the command: VOLUMEs become
// anonymous volumes seeded from the image (outside the container's layer, gone with it),
// seeded through a symlink only from inside the root; EXPOSE'd ports are recorded.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../../src-main/engine/index';
import { type TestImage, makeLayer, makeTempDir, testImages, writeOciLayout } from '../../helpers/test-images';
import { removeTestStore } from '../../helpers/containers';

let work: string;
let engine: Engine;

beforeAll(async () => {
  work = makeTempDir('image-config');
  const { layers } = testImages(work);
  const evil = makeLayer(work, 'evil', (root) => fs.symlinkSync('/etc', path.join(root, 'evil')));
  const image: TestImage = { tag: 'test/volumes:1', layers: [layers.base, layers.app, evil], cmd: ['/bin/sh'] };
  engine = Engine.open({ root: path.join(work, 'store') });
  const layout = writeOciLayout(path.join(work, 'layout'), [image], {
    mutateConfig: (config) => {
      (config.config as Record<string, unknown>).Volumes = { '/app': {}, '/evil': {}, '/fresh/': {} };
      (config.config as Record<string, unknown>).ExposedPorts = { '8080/tcp': {}, '53/udp': {} };
    },
  });
  await engine.importImage({ path: layout });
});

afterAll(async () => {
  await removeTestStore(engine, work);
});

async function run(id: string): Promise<string> {
  await engine.startContainer(id);
  expect(await engine.waitContainer(id)).toBe(0);
  const lines = fs.readFileSync(engine.containerLogPath(id), 'utf8').split('\n').filter(Boolean);
  return lines.map((line) => (JSON.parse(line) as { log: string }).log).join('');
}

describe("the image's VOLUMEs and EXPOSE", () => {
  it('gives each VOLUME an anonymous volume seeded from the image, kept across starts, outside diff and commit', async () => {
    const container = await engine.createContainer('test/volumes:1', {
      command: ['sh', '-c', 'cat /app/data.txt; ls /evil; echo more >> /app/data.txt; echo x > /fresh/new.txt; cat /app/data.txt | wc -l'],
    });
    expect(container.imageVolumes).toEqual(['/app', '/evil', '/fresh']);
    expect(container.exposedPorts).toEqual(['53/udp', '8080/tcp']);
    // The image's /app content; nothing of the host's /etc through the /evil symlink: it
    // leads to the image's own /etc, which seeds the volume (as in Docker), with the
    // container's network files mounted on top.
    expect(await run(container.id)).toBe('application data\napp.conf\ngroup\nhostname\nhosts\nmotd\npasswd\nresolv.conf\n2\n');
    expect(await engine.diffContainer(container.id)).toEqual([]);
    // A second start keeps what the container wrote into its volumes (a third line now).
    fs.truncateSync(engine.containerLogPath(container.id));
    expect(await run(container.id)).toBe('application data\nmore\napp.conf\ngroup\nhostname\nhosts\nmotd\npasswd\nresolv.conf\n3\n');
    const dir = path.join(engine.root, 'containers', container.id);
    await engine.removeContainer(container.id);
    expect(fs.existsSync(dir)).toBe(false);
  });

  it("mount points below the image's directories keep those directories as the image has them", async () => {
    const shared = path.join(work, 'shared');
    fs.mkdirSync(shared);
    const container = await engine.createContainer('test/volumes:1', {
      command: ['sh', '-c', 'stat -c "%a %u" /tmp /app; ls /tmp'],
      volumes: [{ source: shared, destination: '/tmp/deep/volume', readonly: false }],
    });
    expect(await run(container.id)).toBe('1777 0\n755 0\ndeep\n');
    expect(await engine.diffContainer(container.id)).toEqual([]);
    await engine.removeContainer(container.id);
  });

  it("a user's volume on a VOLUME path replaces the anonymous one", async () => {
    const mine = path.join(work, 'mine');
    fs.mkdirSync(mine);
    fs.writeFileSync(path.join(mine, 'data.txt'), 'from the host\n');
    const container = await engine.createContainer('test/volumes:1', { command: ['cat', '/app/data.txt'], volumes: [{ source: mine, destination: '/app', readonly: true }] });
    expect(container.imageVolumes).toEqual(['/evil', '/fresh']);
    expect(await run(container.id)).toBe('from the host\n');
    await engine.removeContainer(container.id);
  });
});
