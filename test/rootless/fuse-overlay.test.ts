// fuse-overlayfs, the rootless engine's overlay where the kernel will not mount overlayfs in
// a user namespace, as a normal user meets it: the built CLI as strata-test on the `rootless`
// connection with STRATA_OVERLAY=fuse-overlayfs in its environment (this kernel mounts
// overlay in a user namespace, so the fallback is forced). A container's root is a
// fuse.fuse-overlayfs mount served by a daemon the engine recorded, to the namespace's other
// ids too; it stays served across an engine crash. A file written, one of the image's deleted
// and a directory of the image replaced read back as diff's A, D and C and round-trip
// through commit into an image that runs; a build's RUN steps run on it; stop and rm leave
// no daemon and no mount. Also with fuse-overlayfs's `.wh.` files (as where a user namespace
// may not mknod a whiteout). Forced but missing, and an unknown STRATA_OVERLAY, are refused
// saying so. Needs root (to become the test user), the build, user namespaces,
// fuse-overlayfs and /dev/fuse.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lgetxattr } from '../../native/lib/index';
import { type Home, type User, alive, busyboxLayer, cleanUp, cli, findRootlessUser, gone, makeHome, pausePid, servicePid, programsOfHome, listedContainer } from './rootless-fixture';

const FUSE_OVERLAYFS = '/usr/bin/fuse-overlayfs';

const found = findRootlessUser();
const why =
  typeof found === 'string'
    ? found
    : !fs.existsSync(FUSE_OVERLAYFS)
      ? `${FUSE_OVERLAYFS} is not installed (Debian package fuse-overlayfs)`
      : !fs.existsSync('/dev/fuse')
        ? '/dev/fuse is missing (the fuse module is not loaded)'
        : undefined;
if (why) console.log(`rootless fuse-overlayfs: skipped — ${why}`);

let home: Home;
const rootless = (...args: string[]) => cli(home, ['--connection', 'rootless', ...args]);

/** The command's output; it must have succeeded (its stderr in the message when not). */
function ok(result: { status: number | null; stdout: string; stderr: string }): string {
  expect(result.status, result.stderr).toBe(0);
  return result.stdout;
}

/** A process's mounts: mount point and filesystem type, from its mountinfo. */
function mountsOf(pid: number): { point: string; fstype: string }[] {
  return fs
    .readFileSync(`/proc/${pid}/mountinfo`, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => ({ point: line.split(' ')[4]!, fstype: line.split(' - ')[1]!.split(' ')[0]! }));
}

/** The store's mounts in the engine's mount namespace (the pause process's): none may be left. */
function storeMounts(): { point: string; fstype: string }[] {
  const pause = pausePid(home);
  return pause === undefined || !alive(pause) ? [] : mountsOf(pause).filter((mount) => mount.point.startsWith(home.store));
}

/** What is at `file` on the host: its type (a whiteout is `char 0`), for the layers' notation. */
function kindOf(file: string): string {
  const stat = fs.lstatSync(file, { throwIfNoEntry: false });
  if (!stat) return 'none';
  return stat.isCharacterDevice() ? `char ${stat.rdev}` : stat.isDirectory() ? 'dir' : stat.isFile() ? 'file' : 'other';
}

function xattr(file: string, name: string): string | null {
  return lgetxattr(file, name)?.toString() ?? null;
}

/** Every path below `dir`, relative, with `/` separators. */
function tree(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();
}

/** The store layer that holds `file` (a path only one layer has). */
function layerWith(file: string): string {
  const found = layersWith(file);
  expect(found).toHaveLength(1);
  return path.join(home.store, 'layers', found[0]!, 'diff');
}

/** The store's layers that have `file` (a whiteout counts). */
function layersWith(file: string): string[] {
  const layers = path.join(home.store, 'layers');
  return fs.readdirSync(layers).filter((name) => kindOf(path.join(layers, name, 'diff', file)) !== 'none');
}

/** Ends the engine, so that the next command starts one with that command's environment. */
async function stopEngine(): Promise<void> {
  const engine = servicePid(home);
  if (engine === undefined || !alive(engine)) return;
  process.kill(engine, 'SIGTERM');
  expect(await gone(engine)).toBe(true);
}

/**
 * The changes the test makes in a container: a file written, one of the image's deleted, a
 * directory of the image replaced, one made, and one made and removed (fuse-overlayfs whites
 * it out, and marks every directory it makes opaque: neither may show as a change).
 */
const CHANGE = [
  'echo added > /added',
  'rm /etc/doomed',
  'rm -rf /srv/data && mkdir /srv/data && echo new > /srv/data/new.txt',
  'mkdir /fresh && echo fresh > /fresh/f',
  'mkdir /scratch && rm -r /scratch',
].join(' && ');
const CHANGES = [
  { path: '/added', kind: 'A' },
  { path: '/etc', kind: 'C' },
  { path: '/etc/doomed', kind: 'D' },
  { path: '/fresh', kind: 'A' },
  { path: '/fresh/f', kind: 'A' },
  { path: '/srv', kind: 'C' },
  { path: '/srv/data', kind: 'C' },
  { path: '/srv/data/new.txt', kind: 'A' },
  { path: '/srv/data/old.txt', kind: 'D' },
];
/** What an image with them shows. */
const SHOW = 'cat /added /fresh/f; test -e /etc/doomed || echo no doomed; ls /srv/data';
const SEEN = 'added\nfresh\nno doomed\nnew.txt\n';

describe.skipIf(why !== undefined)('the rootless engine on fuse-overlayfs', () => {
  beforeAll(() => {
    home = makeHome(found as User, 'rootless-fuse');
    home.env.STRATA_OVERLAY = 'fuse-overlayfs';
    const imported = rootless('import', '-t', 'busybox:1', busyboxLayer(home, { 'etc/doomed': 'doomed\n', 'srv/data/old.txt': 'old\n' }));
    expect(imported.stderr).toBe('');
  });

  afterAll(async () => {
    if (!home) return;
    expect(await cleanUp(home)).toEqual([]);
    expect(programsOfHome(home, 'fuse-overlayfs')).toEqual([]);
  });

  it("mounts a container's root with fuse-overlayfs, served by the daemon the engine recorded", () => {
    ok(rootless('run', '-d', '--name', 'changer', '--network', 'none', 'busybox:1', 'sleep', '1000'));
    const changer = listedContainer(home, 'changer');
    // the container's own view of its root, and the engine's mount namespace
    expect(mountsOf(changer.state.pid!).find((mount) => mount.point === '/')?.fstype).toBe('fuse.fuse-overlayfs');
    const bundle = path.join(home.store, 'containers', changer.id);
    expect(storeMounts()).toContainEqual({ point: path.join(bundle, 'rootfs'), fstype: 'fuse.fuse-overlayfs' });
    const record = JSON.parse(fs.readFileSync(path.join(bundle, 'rootfs.fuse-overlayfs.json'), 'utf8')) as { pid: number };
    expect(programsOfHome(home, 'fuse-overlayfs')).toEqual([record.pid]);
    expect(ok(rootless('exec', 'changer', 'sh', '-c', 'id -u; cat /etc/doomed'))).toBe('0\ndoomed\n');
    // another id of the namespace than the mounter's (allow_other), its access checked by mode (default_permissions)
  });

  it('serves the namespace’s other ids too, their access checked by mode', () => {
    // allow_other (the container's processes are not the mounter, uid 0) and default_permissions
    ok(rootless('run', '-d', '--name', 'other', '--network', 'none', 'busybox:1', 'sleep', '1000'));
    ok(rootless('exec', 'other', 'sh', '-c', 'mkdir /mine && busybox chown 1000:1000 /mine'));
    const script = 'id -u; cat /etc/doomed; echo mine > /mine/file && busybox stat -c %u:%g /mine/file; echo no >> /etc/doomed || echo refused';
    const asOther = rootless('exec', '-u', '1000:1000', 'other', 'sh', '-c', script);
    expect(asOther.stdout).toBe('1000\ndoomed\n1000:1000\nrefused\n');
    expect(asOther.stderr).toMatch(/Permission denied/);
    expect(programsOfHome(home, 'fuse-overlayfs')).toHaveLength(2); // one daemon a container
    ok(rootless('rm', '-f', 'other'));
    expect(programsOfHome(home, 'fuse-overlayfs')).toHaveLength(1);
  });

  it('keeps a root served across an engine crash; the next engine ends its daemon at stop', async () => {
    ok(rootless('run', '-d', '--name', 'survivor', '--network', 'none', 'busybox:1', 'sleep', '1000'));
    const bundle = path.join(home.store, 'containers', listedContainer(home, 'survivor').id);
    const daemon = (JSON.parse(fs.readFileSync(path.join(bundle, 'rootfs.fuse-overlayfs.json'), 'utf8')) as { pid: number }).pid;
    const engine = servicePid(home)!;
    process.kill(engine, 'SIGKILL'); // a crash: nothing tidied
    expect(await gone(engine)).toBe(true);
    expect(alive(daemon)).toBe(true);
    expect(ok(rootless('exec', 'survivor', 'cat', '/etc/doomed'))).toBe('doomed\n'); // through the next engine
    ok(rootless('rm', '-f', 'survivor'));
    expect(alive(daemon)).toBe(false);
    expect(storeMounts().filter((mount) => mount.point.startsWith(bundle))).toEqual([]);
  });

  it('reads what the container changed, in fuse-overlayfs’s notation, as diff’s A, D and C', () => {
    ok(rootless('exec', 'changer', 'sh', '-c', CHANGE));
    expect(JSON.parse(ok(rootless('diff', '--json', 'changer')))).toEqual(CHANGES);
    // as fuse-overlayfs wrote them: a 0/0 device, and an opaque directory its own way
    const upper = path.join(home.store, 'containers', listedContainer(home, 'changer').id, 'upper');
    expect(kindOf(path.join(upper, 'etc/doomed'))).toBe('char 0');
    expect(xattr(path.join(upper, 'srv/data'), 'user.fuseoverlayfs.opaque')).toBe('y');
    expect(kindOf(path.join(upper, 'srv/data/.wh..wh..opq'))).toBe('file');
    expect(kindOf(path.join(upper, 'scratch'))).toBe('char 0');
  });

  it('commits the changes into an image that runs with them, in the store’s own form', () => {
    ok(rootless('commit', 'changer', 'committed:1'));
    expect(ok(rootless('run', '--rm', '--network', 'none', 'committed:1', 'sh', '-c', SHOW))).toBe(SEEN);
    const layer = layerWith('added');
    expect(kindOf(path.join(layer, 'etc/doomed'))).toBe('char 0');
    expect(xattr(path.join(layer, 'srv/data'), 'user.overlay.opaque')).toBe('y');
    expect(xattr(path.join(layer, 'srv/data'), 'user.fuseoverlayfs.opaque')).toBeNull();
    expect(xattr(path.join(layer, 'fresh'), 'user.overlay.opaque')).toBeNull(); // nothing below it to hide
    // none of fuse-overlayfs's bookkeeping became content, nor the whiteout of /scratch
    expect(tree(layer)).toEqual(['added', 'etc', 'etc/doomed', 'fresh', 'fresh/f', 'srv', 'srv/data', 'srv/data/new.txt']);
  });

  it('leaves no fuse-overlayfs and no mount after stop and rm', () => {
    const bundle = path.join(home.store, 'containers', listedContainer(home, 'changer').id);
    ok(rootless('stop', '-t', '1', 'changer'));
    expect(programsOfHome(home, 'fuse-overlayfs')).toEqual([]);
    expect(storeMounts()).toEqual([]);
    expect(fs.existsSync(path.join(bundle, 'rootfs.fuse-overlayfs.json'))).toBe(false);
    ok(rootless('rm', 'changer'));
    expect(programsOfHome(home, 'fuse-overlayfs')).toEqual([]);
  });

  it('builds with RUN steps on fuse-overlayfs, and leaves no daemon or mount', () => {
    const context = path.join(home.work, 'context');
    fs.mkdirSync(context, { mode: 0o755 });
    const onFuse = "busybox grep -q ' / / .* - fuse.fuse-overlayfs ' /proc/self/mountinfo && echo yes > /on-fuse";
    fs.writeFileSync(path.join(context, 'Containerfile'), ['FROM busybox:1', `RUN ${onFuse}`, `RUN ${CHANGE}`, ''].join('\n'), { mode: 0o644 });
    ok(rootless('build', '-q', '--network', 'none', '-t', 'built:1', context));
    expect(ok(rootless('run', '--rm', '--network', 'none', 'built:1', 'sh', '-c', `cat /on-fuse; ${SHOW}`))).toBe(`yes\n${SEEN}`);
    expect(layersWith('scratch')).toEqual([]); // the step's whiteout of what it made itself stayed out
    expect(programsOfHome(home, 'fuse-overlayfs')).toEqual([]);
    expect(storeMounts()).toEqual([]);
  });

  it('reads fuse-overlayfs’s .wh. files too, as where a user namespace may not mknod a whiteout', async () => {
    await stopEngine();
    // the next engine, and so its fuse-overlayfs daemons, with the variable fuse-overlayfs reads
    ok(cli(home, ['--connection', 'rootless', 'run', '-d', '--name', 'files', '--network', 'none', 'busybox:1', 'sleep', '1000'], { FUSE_OVERLAYFS_DISABLE_OVL_WHITEOUT: '1' }));
    ok(rootless('exec', 'files', 'sh', '-c', CHANGE));
    const upper = path.join(home.store, 'containers', listedContainer(home, 'files').id, 'upper');
    expect(kindOf(path.join(upper, 'etc/.wh.doomed'))).toBe('file');
    expect(kindOf(path.join(upper, 'etc/doomed'))).toBe('none');
    expect(JSON.parse(ok(rootless('diff', '--json', 'files')))).toEqual(CHANGES);
    ok(rootless('commit', 'files', 'committed:2'));
    ok(rootless('rm', '-f', 'files'));
    expect(ok(rootless('run', '--rm', '--network', 'none', 'committed:2', 'sh', '-c', SHOW))).toBe(SEEN);
    expect(layersWith('scratch')).toEqual([]);
    expect(programsOfHome(home, 'fuse-overlayfs')).toEqual([]);
    expect(storeMounts()).toEqual([]);
  });

  it('refuses an unknown STRATA_OVERLAY, and a forced fuse-overlayfs that is missing, naming the package', async () => {
    await stopEngine();
    const unknown = cli(home, ['--connection', 'rootless', 'run', '--rm', '--network', 'none', 'busybox:1', 'true'], { STRATA_OVERLAY: 'fuse' });
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toContain("STRATA_OVERLAY=fuse: the rootless engine's overlay is `native`");
    expect(unknown.stderr).toContain('[INVALID_ARGUMENT]');
    await stopEngine();
    // An engine started with a PATH that has the id-map helpers but not fuse-overlayfs.
    const bin = path.join(home.work, 'bin-without-fuse-overlayfs');
    fs.mkdirSync(bin);
    for (const tool of ['newuidmap', 'newgidmap']) fs.symlinkSync(`/usr/bin/${tool}`, path.join(bin, tool));
    const missing = cli(home, ['--connection', 'rootless', 'run', '--rm', '--network', 'none', 'busybox:1', 'true'], { PATH: bin });
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('STRATA_OVERLAY=fuse-overlayfs, but fuse-overlayfs is not installed (Debian package fuse-overlayfs)');
    expect(missing.stderr).toContain('[UNSUPPORTED]');
    expect(ok(rootless('ps', '-a', '-q'))).toBe(''); // --rm: the container went too
    expect(fs.readdirSync(path.join(home.store, 'containers'))).toEqual([]);
    expect(storeMounts()).toEqual([]);
  });
});
