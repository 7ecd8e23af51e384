// Benchmark: `strata build` against `buildah bud` (Debian's buildah) on the same generated
// context and the same 10-step Containerfile (RUN, COPY, ENV, WORKDIR, CMD) over the same
// busybox base image, whole process, as a user types them:
//   cold   — a fresh store holding only the base image: every step runs;
//   cached — the same build again: every step is a cache hit.
// buildah runs with --layers (its cache; docker's default), the overlay storage driver and
// --isolation oci (runc: namespaces and cgroups per RUN, as strata does), falling back to
// chroot isolation where oci does not work; the row says which.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { median, seconds, timeCommand } from './timing.js';
import { which } from './runtime.js';

const STRATA = path.resolve('bin/strata.js');
const BASE = 'bench/busybox:1';

const CONTAINERFILE = `FROM ${BASE}
ENV APP_HOME=/srv/app MODE=production
WORKDIR /srv/app
RUN mkdir -p /srv/app/data /var/cache/app && echo "runtime 1.0" > /srv/app/VERSION && echo cache > /var/cache/app/tmp
COPY config/ /etc/app/
RUN for i in $(seq 1 500); do echo "generated line $i"; done > /srv/app/data/generated.txt
COPY src/ ./src/
RUN cat src/*.txt | wc -l > /srv/app/line-count && rm -rf /var/cache/app
ENV LOG_LEVEL=info
COPY assets/blob.bin /srv/app/assets/
CMD ["sh", "-c", "cat /srv/app/VERSION /srv/app/line-count"]
`;

/** A busybox root with every applet linked, tarred: the base image of both tools. */
function busyboxRootfsTar(work) {
  const rootfs = path.join(work, 'build-rootfs');
  fs.rmSync(rootfs, { recursive: true, force: true });
  for (const sub of ['bin', 'etc', 'tmp', 'proc', 'sys', 'dev', 'root']) fs.mkdirSync(path.join(rootfs, sub), { recursive: true });
  fs.copyFileSync('/bin/busybox', path.join(rootfs, 'bin/busybox'));
  fs.chmodSync(path.join(rootfs, 'bin/busybox'), 0o755);
  const applets = execFileSync('/bin/busybox', ['--list'], { encoding: 'utf8' }).split('\n').filter((name) => name && name !== 'busybox');
  for (const applet of applets) fs.symlinkSync('busybox', path.join(rootfs, 'bin', applet));
  fs.writeFileSync(path.join(rootfs, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
  fs.writeFileSync(path.join(rootfs, 'etc/group'), 'root:x:0:\n');
  fs.chmodSync(path.join(rootfs, 'tmp'), 0o1777);
  const tar = path.join(work, 'build-busybox-rootfs.tar');
  execFileSync('tar', ['--numeric-owner', '-C', rootfs, '-cf', tar, '.']);
  fs.rmSync(rootfs, { recursive: true, force: true });
  return tar;
}

/** The build context: config files, 300 small sources, a 4 MB binary asset. */
function writeContext(work) {
  const dir = path.join(work, 'build-context');
  fs.rmSync(dir, { recursive: true, force: true });
  for (const sub of ['config', 'src', 'assets']) fs.mkdirSync(path.join(dir, sub), { recursive: true });
  for (let i = 0; i < 5; i++) fs.writeFileSync(path.join(dir, 'config', `app-${i}.conf`), `setting${i}=value${i}\n`);
  for (let i = 0; i < 300; i++) fs.writeFileSync(path.join(dir, 'src', `module-${i}.txt`), `module ${i}\n`.repeat(20));
  let seed = 12345;
  const blob = Buffer.alloc(4 << 20);
  for (let i = 0; i < blob.length; i++) blob[i] = (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24; // incompressible, reproducible
  fs.writeFileSync(path.join(dir, 'assets', 'blob.bin'), blob);
  fs.writeFileSync(path.join(dir, 'Containerfile'), CONTAINERFILE);
  fs.writeFileSync(path.join(dir, '.containerignore'), '*.tmp\n');
  return dir;
}

/** Unmounts anything under `dir` (deepest first), then removes it. */
function removeTree(dir) {
  const prefix = path.resolve(dir) + '/';
  const points = fs
    .readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4])
    .filter((point) => point && point.startsWith(prefix))
    .sort((a, b) => b.length - a.length);
  for (const point of points) spawnSync('umount', ['-l', point]);
  fs.rmSync(dir, { recursive: true, force: true });
}

const strata = {
  name: 'strata build',
  prepare(work, tar) {
    const root = path.join(work, 'build-strata-store');
    removeTree(root);
    execFileSync(process.execPath, [STRATA, '--root', root, 'import', tar, '--change', 'CMD ["/bin/sh"]', '-t', BASE]);
    return root;
  },
  build: (root, context) => timeCommand(process.execPath, [STRATA, '--root', root, 'build', '-t', 'bench/app:1', context]),
  cleanup: (root) => removeTree(root),
};

function buildahTool(buildah, isolation) {
  const argsOf = (root) => ['--root', path.join(root, 'root'), '--runroot', path.join(root, 'run'), '--storage-driver', 'overlay'];
  return {
    name: `buildah bud --layers --isolation ${isolation}`,
    prepare(work, tar) {
      const root = path.join(work, 'build-buildah-store');
      this.cleanup(root);
      const args = argsOf(root);
      const container = execFileSync(buildah, [...args, 'from', 'scratch'], { encoding: 'utf8' }).trim();
      execFileSync(buildah, [...args, 'add', container, tar, '/'], { stdio: 'ignore' });
      execFileSync(buildah, [...args, 'config', '--cmd', '/bin/sh', '--env', 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', container]);
      execFileSync(buildah, [...args, 'commit', '-q', container, BASE], { stdio: 'ignore' });
      execFileSync(buildah, [...args, 'rm', container], { stdio: 'ignore' });
      return root;
    },
    build: (root, context) => timeCommand(buildah, [...argsOf(root), 'bud', '--layers', '--isolation', isolation, '-t', 'bench/app:1', context]),
    cleanup(root) {
      if (fs.existsSync(root)) spawnSync(buildah, [...argsOf(root), 'rm', '--all'], { stdio: 'ignore' });
      removeTree(root);
    },
  };
}

/** oci isolation where it works here, else chroot. */
function pickBuildah(buildah, work, tar, context) {
  for (const isolation of ['oci', 'chroot']) {
    const tool = buildahTool(buildah, isolation);
    const root = tool.prepare(work, tar);
    try {
      tool.build(root, context);
      return tool;
    } catch (error) {
      process.stderr.write(`bench build: buildah --isolation ${isolation} fails here: ${error.message.split('\n')[0]}\n`);
    } finally {
      tool.cleanup(root);
    }
  }
  return undefined;
}

/** Cold: each sample on a fresh store (the base imported, untimed). Cached: rebuilds of one store. */
function measure(tool, work, tar, context, coldRuns, cachedRuns) {
  const cold = [];
  for (let i = 0; i < coldRuns; i++) {
    const root = tool.prepare(work, tar);
    cold.push(tool.build(root, context));
    tool.cleanup(root);
  }
  const root = tool.prepare(work, tar);
  tool.build(root, context);
  const cached = Array.from({ length: cachedRuns }, () => tool.build(root, context));
  tool.cleanup(root);
  return { cold, cached };
}

export function benchBuild({ work, runs }) {
  const tar = busyboxRootfsTar(work);
  const context = writeContext(work);
  const coldRuns = Math.max(3, runs);
  const cachedRuns = Math.max(5, runs * 3);
  const rows = [];
  const result = { name: 'build', samples: {}, rows };
  const mine = measure(strata, work, tar, context, coldRuns, cachedRuns);
  result.samples.strataCold = mine.cold;
  result.samples.strataCached = mine.cached;

  const buildah = which('buildah');
  const peer = buildah ? pickBuildah(buildah, work, tar, context) : undefined;
  const theirs = peer ? measure(peer, work, tar, context, coldRuns, cachedRuns) : undefined;
  if (theirs) {
    result.samples.buildahCold = theirs.cold;
    result.samples.buildahCached = theirs.cached;
  }
  for (const [kind, count, target] of [
    ['cold', coldRuns, '< 1'],
    ['cached', cachedRuns, '< 1 (well under a second)'],
  ]) {
    const ours = median(mine[kind]);
    const what = `build of a 10-step Containerfile, ${kind === 'cold' ? 'cold (fresh store, every step runs)' : 'cached (every step a cache hit)'}, whole process (median of ${count})`;
    if (theirs) {
      const other = median(theirs[kind]);
      rows.push({ what, strata: seconds(ours), peer: seconds(other), peerName: peer.name, ratio: (ours / other).toFixed(2), target });
    } else {
      rows.push({ what, strata: seconds(ours), peer: 'n/a', peerName: 'buildah (not installed or not working: apt-get install buildah)', ratio: 'n/a', target });
    }
  }
  fs.rmSync(context, { recursive: true, force: true });
  fs.rmSync(tar, { force: true });
  return result;
}
