// An image's symlinks are the image's: when the engine reads a file of an image (USER names
// from /etc/passwd) or looks at its directories (the init layer's mount points), a link is
// resolved inside the image — an absolute target from the image root, `..` stopping there,
// components from whichever layer has them — and never on the host. A crafted image whose
// /etc leads to a host directory with a passwd naming `hostuser` must not run as that user.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../../src-main/engine/index';
import { logText, removeTestStore } from '../../helpers/containers';
import { type BuiltLayer, type TestImage, makeLayer, makeTempDir, testImages, write, writeOciLayout } from '../../helpers/test-images';

let work: string;
let engine: Engine;
/** The host's files an image's links aim at. */
let hostDir: string;

async function importImage(tag: string, layers: BuiltLayer[], user?: string): Promise<void> {
  const image: TestImage = { tag, layers, cmd: ['/bin/sh'] };
  const layout = writeOciLayout(path.join(work, `layout-${tag.replace(/\W/g, '-')}`), [image], {
    mutateConfig: (config) => {
      if (user !== undefined) (config.config as Record<string, unknown>).User = user;
    },
  });
  await engine.importImage({ path: layout });
}

async function runToEnd(tag: string, command: string[], options: { volumes?: { source: string; destination: string; readonly: boolean }[] } = {}): Promise<string> {
  const container = await engine.createContainer(tag, { command, ...options });
  await engine.startContainer(container.id);
  expect(await engine.waitContainer(container.id)).toBe(0);
  return logText(engine, container.id);
}

beforeAll(async () => {
  work = makeTempDir('image-links');
  engine = Engine.open({ root: path.join(work, 'store') });
  hostDir = path.join(work, 'host-etc');
  write(hostDir, 'passwd', 'hostuser:x:4242:4242:on the host:/home/hostuser:/bin/sh\n');
  write(hostDir, 'group', 'hostgroup:x:4242:hostuser\n');
  fs.mkdirSync(path.join(hostDir, 'private'), { mode: 0o700 });
  fs.chownSync(path.join(hostDir, 'private'), 4321, 4321);

  const { layers } = testImages(work);
  // etc -> the host directory by its absolute path (in the image: <image root><hostDir>).
  const absolute = makeLayer(work, 'etc-absolute', (root) => fs.symlinkSync(hostDir, path.join(root, 'etc')));
  // etc -> ../../../../host-etc: from the store's layers/<id>/diff/ that climbs to `work`.
  const relative = makeLayer(work, 'etc-relative', (root) => fs.symlinkSync('../../../../host-etc', path.join(root, 'etc')));
  // An in-image link whose target another layer holds.
  const shared = makeLayer(work, 'usr-share-passwd', (root) => {
    write(root, 'usr/share/passwd', 'root:x:0:0:root:/root:/bin/sh\nappuser:x:1234:1234:app:/home/app:/bin/sh\n');
  });
  const linked = makeLayer(work, 'passwd-link', (root) => {
    fs.mkdirSync(path.join(root, 'etc'));
    fs.symlinkSync('../usr/share/passwd', path.join(root, 'etc/passwd'));
  });
  // A lower layer's /srv leads to the host; the top layer has a real /srv over it.
  const srvLink = makeLayer(work, 'srv-link', (root) => fs.symlinkSync(hostDir, path.join(root, 'srv')));
  const srvDir = makeLayer(work, 'srv-dir', (root) => fs.mkdirSync(path.join(root, 'srv'), { mode: 0o755 }));

  await importImage('test/etc-absolute:1', [layers.base, absolute], 'hostuser');
  await importImage('test/etc-relative:1', [layers.base, relative], 'hostuser');
  await importImage('test/passwd-link:1', [layers.base, shared, linked], 'appuser');
  await importImage('test/srv:1', [layers.base, srvLink, srvDir]);
});

afterAll(async () => {
  await removeTestStore(engine, work);
});

describe("reading an image's files through its symlinks", () => {
  it.each(['test/etc-absolute:1', 'test/etc-relative:1'])("%s: USER hostuser is not found (the host's passwd is never read)", async (tag) => {
    // create already builds the config start would write: the user is looked up there
    await expect(engine.createContainer(tag, { command: ['id'] })).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: expect.stringContaining('unable to find user hostuser: no matching entries in passwd file'),
    });
  });

  it('follows an in-image link to a file of a lower layer', async () => {
    expect(await runToEnd('test/passwd-link:1', ['sh', '-c', 'id -u; echo $HOME'])).toBe('1234\n/home/app\n');
  });

  it('exec --user reads the same way', async () => {
    const container = await engine.createContainer('test/etc-absolute:1', { command: ['sleep', '60'], user: '0' });
    await engine.startContainer(container.id);
    try {
      await expect(engine.execContainer(container.id, { command: ['id'], user: 'hostuser' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    } finally {
      await engine.removeContainer(container.id, { force: true });
    }
  });

  it("takes the init layer's directories from inside the image, not through a lower layer's link to the host", async () => {
    const volume = path.join(work, 'volume');
    fs.mkdirSync(volume);
    // /srv/private/vol: the image has /srv (top layer) but no /srv/private; the host's
    // <hostDir>/private (0700, uid 4321) must not lend it its owner and mode.
    const out = await runToEnd('test/srv:1', ['sh', '-c', 'stat -c "%a %u" /srv/private'], { volumes: [{ source: volume, destination: '/srv/private/vol', readonly: false }] });
    expect(out).toBe('755 0\n');
  });
});
