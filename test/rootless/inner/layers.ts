// In strata-test's user namespace (userns.ts): imports the whiteout/opaque test image into a
// rootless store, mounts a container's overlay as start does (userxattr, or fuse-overlayfs
// with STRATA_OVERLAY=fuse-overlayfs), changes files through it, and reads the upper back
// (diff, commit), then mounts the committed image. Prints what it found; layers.test.ts decides.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Engine } from '../../../src-main/engine/index';
import { containerFile } from '../../../src-main/engine/containers/container-store';
import { mountOverlayAsync, unmountOverlayAsync } from '../../../src-main/engine/containers/rootfs';
import { mountPoints } from '../../../src-main/engine/containers/mount-points';
import { enginePrivilege } from '../../../src-main/engine/rootless/privilege';
import { lgetxattr } from '../../../native/lib/index';
import { layerDir } from '../../../src-main/engine/store/paths';
import { testImages, writeOciLayout } from '../../helpers/test-images';
import { report } from './report';

const [work] = process.argv.slice(2) as [string];

function describeEntry(file: string): { kind: string; uid?: number; gid?: number; mode?: number; rdev?: number } | null {
  const stat = fs.lstatSync(file, { throwIfNoEntry: false });
  if (!stat) return null;
  const kind = stat.isCharacterDevice() ? 'char' : stat.isDirectory() ? 'dir' : stat.isSymbolicLink() ? 'symlink' : stat.isFile() ? 'file' : 'other';
  return { kind, uid: stat.uid, gid: stat.gid, mode: stat.mode & 0o7777, rdev: stat.rdev };
}

function xattr(file: string, name: string): string | null {
  try {
    return lgetxattr(file, name)?.toString() ?? null;
  } catch (error) {
    return `error ${(error as NodeJS.ErrnoException).code}`;
  }
}

function listing(root: string, rel: string): string[] | null {
  const dir = path.join(root, rel);
  return fs.existsSync(dir) ? fs.readdirSync(dir).sort() : null;
}

/** Live fuse-overlayfs daemons serving this run's directories (a zombie's command line is empty). */
function fuseDaemons(): number[] {
  const daemons: number[] = [];
  for (const pid of fs.readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) {
    try {
      const argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      if (path.basename(argv[0]!) === 'fuse-overlayfs' && argv.some((arg) => arg.includes(work))) daemons.push(Number(pid));
    } catch {
      // gone meanwhile
    }
  }
  return daemons;
}

await report(async () => {
  const { a } = testImages(path.join(work, 'images'));
  const layout = writeOciLayout(path.join(work, 'layout'), [a]);
  const engine = Engine.open({ root: path.join(work, 'store') });
  const store = engine.store;
  const [image] = await engine.importImage({ path: layout });
  const diff = (index: number) => path.join(layerDir(store.paths, image!.layers[index]!.chainId), 'diff');
  const change = diff(2);
  const imported = {
    runSh: describeEntry(path.join(diff(1), 'app/run.sh')),
    dataXattr: xattr(path.join(diff(1), 'app/data.txt'), 'user.strata.test'),
    motdWhiteout: describeEntry(path.join(change, 'etc/motd')),
    bigWhiteout: describeEntry(path.join(change, 'app/big.bin')),
    docUserOpaque: xattr(path.join(change, 'usr/share/doc'), 'user.overlay.opaque'),
    docTrustedOpaque: xattr(path.join(change, 'usr/share/doc'), 'trusted.overlay.opaque'),
  };

  // The container's rootfs, mounted as start mounts it; then changed through the mount.
  const container = await engine.createContainer('test/a:1', { network: 'none' });
  const file = (name: Parameters<typeof containerFile>[2]) => containerFile(store, container.id, name);
  const rootfs = file('rootfs');
  await mountOverlayAsync(store, container.layers, { init: file('init'), upper: file('upper'), work: file('work'), target: rootfs });
  const mountOptions = fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').find((line) => line.split(' ')[4] === rootfs) ?? '';
  const merged = {
    fstype: mountOptions.split(' - ')[1]?.split(' ')[0],
    userxattr: / overlay overlay \S*userxattr/.test(mountOptions),
    motd: fs.existsSync(path.join(rootfs, 'etc/motd')),
    bigBin: fs.existsSync(path.join(rootfs, 'app/big.bin')),
    doc: listing(rootfs, 'usr/share/doc'),
    runSh: describeEntry(path.join(rootfs, 'app/run.sh')),
    passwd: fs.readFileSync(path.join(rootfs, 'etc/passwd'), 'utf8'),
  };
  fs.rmSync(path.join(rootfs, 'usr/share/doc'), { recursive: true });
  fs.mkdirSync(path.join(rootfs, 'usr/share/doc'));
  fs.writeFileSync(path.join(rootfs, 'usr/share/doc/fresh.txt'), 'written in the container\n');
  fs.rmSync(path.join(rootfs, 'etc/app.conf'));
  fs.writeFileSync(path.join(rootfs, 'app/new.txt'), 'new\n');
  await unmountOverlayAsync(rootfs);
  const upper = {
    docUserOpaque: xattr(path.join(file('upper'), 'usr/share/doc'), 'user.overlay.opaque'),
    docFuseOpaque: xattr(path.join(file('upper'), 'usr/share/doc'), 'user.fuseoverlayfs.opaque'),
    appConf: describeEntry(path.join(file('upper'), 'etc/app.conf')),
  };
  const changes = await engine.diffContainer(container.id);

  // Commit, then the committed image as a new container's root.
  const committed = await engine.commitContainer(container.id, { tag: 'test/committed:1' });
  const top = path.join(layerDir(store.paths, committed.layers.at(-1)!.chainId), 'diff');
  const committedLayer = {
    docUserOpaque: xattr(path.join(top, 'usr/share/doc'), 'user.overlay.opaque'),
    appConfWhiteout: describeEntry(path.join(top, 'etc/app.conf')),
    overlayXattrs: execFileSync('getfattr', ['-R', '-d', '-m', '-', top], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split('\n').filter((line) => line.includes('overlay.') && !line.includes('user.overlay.opaque')),
  };
  const second = await engine.createContainer('test/committed:1', { network: 'none' });
  const secondRoot = containerFile(store, second.id, 'rootfs');
  await mountOverlayAsync(store, second.layers, { init: containerFile(store, second.id, 'init'), upper: containerFile(store, second.id, 'upper'), work: containerFile(store, second.id, 'work'), target: secondRoot });
  const remounted = {
    doc: listing(secondRoot, 'usr/share/doc'),
    appConf: fs.existsSync(path.join(secondRoot, 'etc/app.conf')),
    motd: fs.existsSync(path.join(secondRoot, 'etc/motd')),
    newTxt: fs.existsSync(path.join(secondRoot, 'app/new.txt')),
  };
  await unmountOverlayAsync(secondRoot);
  // Not `rm`: it releases the container's network, which is the rootless network's work
  // (src-main/engine/network); the test removes the whole directory.

  return {
    privilege: enginePrivilege(),
    storeMode: fs.readFileSync(path.join(store.paths.root, 'engine-mode'), 'utf8').trim(),
    imported,
    merged,
    upper,
    changes,
    committedLayer,
    remounted,
    mountsLeft: mountPoints().filter((point) => point.startsWith(work)),
    daemonsLeft: fuseDaemons(),
  };
});
