// In strata-test's user namespace (userns.ts): hostile layer tars (those of
// test/engine/images/bad-input.test.ts, and what only a rootless store meets — owners beyond
// the subordinate range, device nodes, forged overlay xattrs in both spellings) imported
// into a rootless store. Each case reports its refusal (or what was kept), whether the store
// changed and whether anything appeared outside it.
import fs from 'node:fs';
import path from 'node:path';
import { Engine } from '../../../src-main/engine/index';
import { lgetxattr } from '../../../native/lib/index';
import { layerDir } from '../../../src-main/engine/store/paths';
import { tarArchive, tarEntry } from '../../helpers/tar-writer';
import { testImages, treeSnapshot, writeOciLayout } from '../../helpers/test-images';
import { refusal, report } from './report';

const [work] = process.argv.slice(2) as [string];

await report(async () => {
  const { a } = testImages(path.join(work, 'images'));
  const engine = Engine.open({ root: path.join(work, 'store') });
  await engine.importImage({ path: writeOciLayout(path.join(work, 'good'), [a]) });
  const outside = path.join(work, 'outside');
  fs.mkdirSync(outside);
  fs.writeFileSync(path.join(work, 'secret'), 'secret');
  const snapshot = () => treeSnapshot(engine.root).filter((line) => !line.startsWith('lock '));
  const baseline = snapshot();
  const up = '../../../../../../..';
  const tar = (name: string, entries: Buffer[]) => {
    const file = path.join(work, `${name}.tar`);
    fs.writeFileSync(file, tarArchive(entries));
    return file;
  };

  const refusedCases: Record<string, Buffer[]> = {
    dotdot: [tarEntry({ name: 'etc/', type: 'directory' }), tarEntry({ name: `${up}${outside}/pwned`, content: 'x' })],
    absolute: [tarEntry({ name: `${outside}/pwned`, content: 'x' })],
    symlinkWrite: [tarEntry({ name: 'escape', type: 'symlink', linkname: outside }), tarEntry({ name: 'escape/pwned', content: 'x' })],
    hardlinkOut: [tarEntry({ name: 'stolen', type: 'hardlink', linkname: `${up}${work}/secret` })],
    whiteoutOut: [tarEntry({ name: `${up}${outside}/.wh.pwned`, content: '' })],
    whiteoutThroughSymlink: [tarEntry({ name: 'escape', type: 'symlink', linkname: outside }), tarEntry({ name: 'escape/.wh.pwned', content: '' })],
    opaqueThroughSymlink: [tarEntry({ name: 'escape', type: 'symlink', linkname: outside }), tarEntry({ name: 'escape/.wh..wh..opq', content: '' })],
    // 65536 ids are mapped (0 and the 65535 subordinate ones): 70000 has no id behind it.
    unmappedUid: [tarEntry({ name: 'etc/', type: 'directory' }), tarEntry({ name: 'etc/shadow', content: 'x', uid: 70000, gid: 0 })],
    unmappedGid: [tarEntry({ name: 'srv/', type: 'directory', uid: 0, gid: 4_000_000 })],
  };
  const refused: Record<string, { code: string | undefined; message: string } | null> = {};
  const storeChanged: string[] = [];
  for (const [name, entries] of Object.entries(refusedCases)) {
    refused[name] = await refusal(() => engine.importImage({ path: tar(name, entries), format: 'rootfs' }));
    if (JSON.stringify(snapshot()) !== JSON.stringify(baseline)) storeChanged.push(name);
  }

  // Imported, with what a rootless store cannot hold left out (and said).
  const notes: string[] = [];
  const [kept] = await engine.importImage({
    path: tar('kept', [
      tarEntry({ name: 'dev/', type: 'directory' }),
      tarEntry({ name: 'dev/null', type: 'char', devmajor: 1, devminor: 3, mode: 0o666 }),
      tarEntry({ name: 'dev/sda', type: 'block', devmajor: 8, devminor: 0, mode: 0o660 }),
      tarEntry({ name: 'dev/fifo', type: 'fifo', mode: 0o600 }),
      tarEntry({ name: 'dir/', type: 'directory', pax: { 'SCHILY.xattr.trusted.overlay.opaque': 'y', 'SCHILY.xattr.user.overlay.opaque': 'y', 'SCHILY.xattr.user.overlay.redirect': '/etc' } }),
      tarEntry({ name: 'dir/file', content: 'ok', uid: 65535, gid: 65535 }),
    ]),
    format: 'rootfs',
    tags: ['kept'],
    onProgress: (progress) => notes.push(progress.message),
  });
  const diff = path.join(layerDir(engine.store.paths, kept!.layers[0]!.chainId), 'diff');
  const xattr = (name: string) => {
    try {
      return lgetxattr(path.join(diff, 'dir'), name)?.toString() ?? null;
    } catch (error) {
      return `error ${(error as NodeJS.ErrnoException).code}`;
    }
  };
  const keptLayer = {
    dev: fs.readdirSync(path.join(diff, 'dev')).sort(),
    deviceNote: notes.find((note) => note.includes('device node')) ?? null,
    forgedUserOpaque: xattr('user.overlay.opaque'),
    forgedRedirect: xattr('user.overlay.redirect'),
    fileOwner: (({ uid, gid }) => ({ uid, gid }))(fs.statSync(path.join(diff, 'dir/file'))),
  };
  await engine.removeImage('kept');

  return { refused, storeChanged, outside: fs.readdirSync(outside), storeAfter: JSON.stringify(snapshot()) === JSON.stringify(baseline), keptLayer };
});
