// FIFOs and device nodes keep the mode their tar entry gives them. mknod(2) applies the
// process umask (0666 became 0644 under the usual 022), so the unpacker must set the mode
// itself afterwards; checked with lstat on the unpacked layer, under a umask of 022.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../../src-main/engine/index';
import { tarArchive } from '../../helpers/tar-writer';
import { makeTempDir } from '../../helpers/test-images';

const asRoot = process.getuid?.() === 0;
if (!asRoot) console.warn('special-files.test: device nodes need root; only the FIFO cases run');

let work: string;
let engine: Engine;
let savedUmask: number;
let diff: string;

beforeAll(async () => {
  savedUmask = process.umask(0o022); // the usual umask, whatever the test runner's is
  work = makeTempDir('special-files');
  engine = Engine.open({ root: path.join(work, 'store') });
  const tar = path.join(work, 'special.tar');
  fs.writeFileSync(
    tar,
    tarArchive([
      { name: 'dev/', type: 'directory' },
      { name: 'dev/fifo-0666', type: 'fifo', mode: 0o666 },
      { name: 'dev/fifo-0777', type: 'fifo', mode: 0o777 },
      { name: 'dev/fifo-sticky', type: 'fifo', mode: 0o1666 },
      { name: 'dev/null', type: 'char', mode: 0o666, devmajor: 1, devminor: 3 },
      { name: 'dev/loop-0660', type: 'block', mode: 0o660, devmajor: 7, devminor: 200, gid: 6 },
      { name: 'dev/tty-setgid', type: 'char', mode: 0o2620, devmajor: 5, devminor: 0, gid: 5 },
    ]),
  );
  const [image] = await engine.importImage({ path: tar, format: 'rootfs', tags: ['special:1'] });
  diff = path.join(engine.root, 'layers', image!.layers[0]!.chainId.slice(7), 'diff');
});

afterAll(() => {
  process.umask(savedUmask);
  fs.rmSync(work, { recursive: true, force: true });
});

function modeOf(rel: string): { type: string; perm: number } {
  const stat = fs.lstatSync(path.join(diff, rel));
  const type = stat.isFIFO() ? 'fifo' : stat.isCharacterDevice() ? 'char' : stat.isBlockDevice() ? 'block' : 'other';
  return { type, perm: stat.mode & 0o7777 };
}

describe('special files keep their tar modes through the umask', () => {
  it('FIFOs: 0666, 0777 and sticky 01666', () => {
    expect(modeOf('dev/fifo-0666')).toEqual({ type: 'fifo', perm: 0o666 });
    expect(modeOf('dev/fifo-0777')).toEqual({ type: 'fifo', perm: 0o777 });
    expect(modeOf('dev/fifo-sticky')).toEqual({ type: 'fifo', perm: 0o1666 });
  });

  it.skipIf(!asRoot)('device nodes: a 0666 char device, a 0660 block device, a setgid 02620 tty', () => {
    expect(modeOf('dev/null')).toEqual({ type: 'char', perm: 0o666 });
    expect(fs.lstatSync(path.join(diff, 'dev/null')).rdev).toBe((1 << 8) | 3);
    expect(modeOf('dev/loop-0660')).toEqual({ type: 'block', perm: 0o660 });
    expect(fs.lstatSync(path.join(diff, 'dev/loop-0660')).gid).toBe(6);
    // The setgid bit survives the chown (which may clear it) because the mode is set after.
    expect(modeOf('dev/tty-setgid')).toEqual({ type: 'char', perm: 0o2620 });
  });
});
