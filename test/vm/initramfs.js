// What the VM boots into: one uncompressed cpio (compressing 100 MB would cost more time
// here than unpacking it costs the guest) holding
//   busybox with every applet linked, node and the shared libraries ldd lists for it,
//   the project's build (package.json, bin/, out/main, the addon, strata-runtime and its
//   libraries) with the npm packages out/main/cli.js imports, the kernel modules the lane
//   needs with what modules.dep says they depend on, the test image (a busybox rootfs tar),
//   /init (init.sh) and the scenarios.
// Nothing is installed on the host for it: every file is read where it already is.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { CpioWriter } from './cpio.js';

const BUSYBOX = '/bin/busybox';
/** overlay: container roots; virtio_pci + virtio_blk: the disk whose node the device scenario opens. */
export const MODULES = ['overlay', 'virtio_pci', 'virtio_blk'];

/** The files a dynamically linked program loads (ldd's "=> /path" and the loader itself). */
export function sharedLibraries(binary) {
  const out = execFileSync('ldd', [binary], { encoding: 'utf8' });
  const libraries = [];
  for (const line of out.split('\n')) {
    const match = line.match(/=>\s+(\/\S+)/) ?? line.match(/^\s+(\/\S+)\s+\(/);
    if (match) libraries.push(match[1]);
  }
  return libraries;
}

/** The kernel this lane boots: /boot/vmlinuz-* (linux-image-cloud-amd64), the newest by version. */
export function findKernel() {
  const kernels = fs
    .readdirSync('/boot')
    .filter((name) => name.startsWith('vmlinuz-'))
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  const cloud = kernels.filter((name) => name.endsWith('-cloud-amd64'));
  const chosen = (cloud.length ? cloud : kernels).pop();
  if (!chosen) return null;
  const version = chosen.slice('vmlinuz-'.length);
  if (!fs.existsSync(path.join('/lib/modules', version, 'modules.dep'))) return null;
  return { image: path.join('/boot', chosen), version, modules: path.join('/lib/modules', version) };
}

/** `names` and what they depend on, dependencies first (insmod order), as paths below the modules dir. */
export function moduleLoadOrder(modulesDir, names) {
  const deps = new Map();
  const byName = new Map();
  for (const line of fs.readFileSync(path.join(modulesDir, 'modules.dep'), 'utf8').split('\n')) {
    const [file, rest] = line.split(':');
    if (!file || rest === undefined) continue;
    deps.set(file, rest.trim() ? rest.trim().split(/\s+/) : []);
    byName.set(path.basename(file).replace(/\.ko(\.\w+)?$/, '').replace(/-/g, '_'), file);
  }
  const builtin = fs.readFileSync(path.join(modulesDir, 'modules.builtin'), 'utf8');
  const order = [];
  const visit = (file) => {
    if (order.includes(file)) return;
    for (const dep of deps.get(file) ?? []) visit(dep);
    order.push(file);
  };
  for (const name of names) {
    const file = byName.get(name);
    if (file) visit(file);
    else if (!builtin.split('\n').some((line) => path.basename(line).replace(/\.ko$/, '') === name)) {
      throw new Error(`kernel module ${name} is neither in ${modulesDir}/modules.dep nor built in`);
    }
  }
  for (const file of order) {
    if (!file.endsWith('.ko')) throw new Error(`${file} is compressed: busybox insmod loads plain .ko files only`);
  }
  return order;
}

/** The bare imports (npm packages) reached from `entry` through its relative imports. */
export function packagesImportedBy(entry) {
  const seen = new Set();
  const packages = new Set();
  const visit = (file) => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = fs.readFileSync(file, 'utf8');
    const statements = /^(?:import|export)\s[^;]*?\sfrom\s*["']([^"']+)["']|^import\s*["']([^"']+)["']|\bimport\(\s*["']([^"']+)["']\s*\)/gm;
    for (const match of text.matchAll(statements)) {
      const specifier = match[1] ?? match[2] ?? match[3];
      if (specifier.startsWith('node:')) continue;
      if (specifier.startsWith('.')) visit(path.resolve(path.dirname(file), specifier));
      else packages.add(specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]);
    }
  };
  visit(entry);
  return [...packages].sort();
}

/** A package and its `dependencies`, recursively, as directories under node_modules. */
function packageClosure(nodeModules, names) {
  const out = new Set();
  const visit = (name) => {
    if (out.has(name)) return;
    const dir = path.join(nodeModules, name);
    if (!fs.existsSync(path.join(dir, 'package.json'))) throw new Error(`out/main imports ${name}, which is not in ${nodeModules}`);
    out.add(name);
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
    for (const dep of Object.keys(manifest.dependencies ?? {})) visit(dep);
  };
  names.forEach(visit);
  return [...out];
}

/** Every file below `dir` (symlinks followed), relative to it. */
function filesUnder(dir, keep = () => true) {
  const out = [];
  const walk = (rel) => {
    for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      const stat = fs.statSync(path.join(dir, child));
      if (stat.isDirectory()) walk(child);
      else if (keep(child)) out.push(child);
    }
  };
  walk('');
  return out;
}

/** busybox with every applet at the path busybox gives it (bin/sh, sbin/switch_root, …). */
function addBusybox(cpio, at = '') {
  cpio.copy(`${at}bin/busybox`, BUSYBOX);
  const applets = execFileSync(BUSYBOX, ['--list-full'], { encoding: 'utf8' }).split('\n').filter(Boolean);
  for (const applet of applets) {
    if (applet === 'bin/busybox') continue;
    const depth = applet.split('/').length - 1;
    cpio.symlink(`${at}${applet}`, `${'../'.repeat(depth)}bin/busybox`);
  }
}

/** A program and its libraries at the paths ldd shows (the real file's bytes under the linked name). */
function addProgram(cpio, name, source) {
  cpio.copy(name, source);
  for (const library of sharedLibraries(source)) cpio.copy(library.slice(1), fs.realpathSync(library));
}

/**
 * The test image as `strata import --format rootfs` takes it: busybox and its applets,
 * /etc/passwd, /tmp. Built with tar(1) from a directory, as the tests' images are.
 */
export function writeImageTar(workDir) {
  const dir = path.join(workDir, 'image-rootfs');
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(path.join(dir, 'bin'), { recursive: true });
  fs.copyFileSync(BUSYBOX, path.join(dir, 'bin/busybox'));
  fs.chmodSync(path.join(dir, 'bin/busybox'), 0o755);
  for (const applet of execFileSync(BUSYBOX, ['--list'], { encoding: 'utf8' }).split('\n').filter(Boolean)) {
    if (applet !== 'busybox') fs.symlinkSync('busybox', path.join(dir, 'bin', applet));
  }
  fs.mkdirSync(path.join(dir, 'etc'));
  fs.writeFileSync(path.join(dir, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
  fs.writeFileSync(path.join(dir, 'etc/group'), 'root:x:0:\n');
  for (const sub of ['tmp', 'root', 'proc', 'sys', 'dev']) fs.mkdirSync(path.join(dir, sub));
  fs.chmodSync(path.join(dir, 'tmp'), 0o1777);
  const tar = path.join(workDir, 'image.tar');
  execFileSync('tar', ['--numeric-owner', '--owner=0', '--group=0', '-C', dir, '-cf', tar, '.']);
  fs.rmSync(dir, { recursive: true, force: true });
  return tar;
}

/**
 * Writes the initramfs to `output`. `repo` is the checkout (already built), `kernel` what
 * findKernel() returned, `lane` this folder (init.sh, scenarios.js).
 */
export function writeInitramfs({ output, repo, kernel, lane, imageTar }) {
  const cpio = new CpioWriter(output);
  for (const dir of ['dev', 'proc', 'sys', 'tmp', 'run', 'newroot', 'root', 'etc']) cpio.dir(dir);
  cpio.charDevice('dev/console', 5, 1);
  cpio.charDevice('dev/null', 1, 3, 0o666);
  cpio.file('etc/passwd', Buffer.from('root:x:0:0:root:/root:/bin/sh\n'));
  cpio.file('etc/group', Buffer.from('root:x:0:\n'));
  addBusybox(cpio);
  addProgram(cpio, 'usr/bin/node', process.execPath);
  // The rootless scenario's user namespace maps (uidmap's setuid helpers; their mode is kept).
  for (const helper of ['newuidmap', 'newgidmap']) addProgram(cpio, `usr/bin/${helper}`, `/usr/bin/${helper}`);

  // The project as the CLI finds it: the package root is the directory whose package.json
  // is named "strata" (native/lib/load.ts), with out/, bin/ and native/build/ below it.
  const project = 'strata';
  cpio.copy(`${project}/package.json`, path.join(repo, 'package.json'));
  for (const file of filesUnder(path.join(repo, 'bin'))) cpio.copy(`${project}/bin/${file}`, path.join(repo, 'bin', file));
  for (const file of filesUnder(path.join(repo, 'out/main'), (f) => !f.endsWith('.map'))) {
    cpio.copy(`${project}/out/main/${file}`, path.join(repo, 'out/main', file));
  }
  const release = path.join(repo, 'native/build/Release');
  cpio.copy(`${project}/native/build/Release/strata_native.node`, path.join(release, 'strata_native.node'));
  addProgram(cpio, `${project}/native/build/Release/strata-runtime`, path.join(release, 'strata-runtime'));
  for (const library of sharedLibraries(path.join(release, 'strata_native.node'))) cpio.copy(library.slice(1), fs.realpathSync(library));
  const nodeModules = fs.realpathSync(path.join(repo, 'node_modules'));
  const packages = packageClosure(nodeModules, packagesImportedBy(path.join(repo, 'out/main/cli.js')));
  for (const name of packages) {
    const dir = path.join(nodeModules, name);
    for (const file of filesUnder(dir)) cpio.copy(`${project}/node_modules/${name}/${file}`, path.join(dir, file));
  }

  const modules = moduleLoadOrder(kernel.modules, MODULES);
  for (const file of modules) cpio.copy(`lib/modules/${kernel.version}/${file}`, path.join(kernel.modules, file));
  cpio.file('vm/modules', Buffer.from(modules.map((file) => `/lib/modules/${kernel.version}/${file}\n`).join('')));

  cpio.copy('vm/image.tar', imageTar);
  for (const file of fs.readdirSync(lane).filter((f) => f.endsWith('.js') || f.endsWith('.sh'))) cpio.copy(`vm/${file}`, path.join(lane, file));
  cpio.file('init', fs.readFileSync(path.join(lane, 'init.sh')), 0o755);
  cpio.close();
  return { packages, modules };
}
