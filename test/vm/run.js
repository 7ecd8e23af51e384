#!/usr/bin/env node
// `npm run test:vm`: the cgroup v2 lane. Boots the Debian cloud kernel under QEMU (TCG: no
// KVM needed) with an initramfs of busybox, node and this checkout's build, on a unified
// cgroup2 hierarchy, runs scenarios.js there and reads its verdicts off the serial console.
// Prints "N passed, N failed"; exits 1 when a scenario failed or the VM never reported.
// See README.md beside this file.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findKernel, writeImageTar, writeInitramfs } from './initramfs.js';

const lane = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(lane, '../..');
/** The whole boot, scenarios included; the lane takes about a third of it here. */
const TIMEOUT_S = Number(process.env.STRATA_VM_TIMEOUT_S ?? 600);
const QEMU = 'qemu-system-x86_64';
/** `STRATA_VM_ONLY=rootless`: only the scenarios whose name has that text (one word: it goes on the kernel's command line). */
const only = process.env.STRATA_VM_ONLY;

function fail(message) {
  process.stderr.write(`test:vm: ${message}\n`);
  process.stdout.write('0 passed, 1 failed\n');
  process.exit(1);
}

/** mkfs.ext4 (e2fsprogs, in every Debian) wherever it is, sbin being off a user's PATH. */
function mkfs() {
  const found = ['/usr/sbin/mkfs.ext4', '/sbin/mkfs.ext4'].find((file) => fs.existsSync(file));
  if (!found) fail('mkfs.ext4 is missing: install e2fsprogs');
  return found;
}

function onPath(program) {
  return (process.env.PATH ?? '').split(':').some((dir) => dir && fs.existsSync(path.join(dir, program)));
}

if (only !== undefined && !/^[\w-]+$/.test(only)) fail(`STRATA_VM_ONLY must be one word (letters, digits, - and _), got ${JSON.stringify(only)}`);
const kernel = findKernel();
if (!kernel) fail('no /boot/vmlinuz-* with its /lib/modules/<version>/modules.dep: install linux-image-cloud-amd64 (.ci/run does)');
if (!onPath(QEMU)) fail(`${QEMU} is not on PATH: install qemu-system-x86 (.ci/run does)`);
for (const file of ['out/main/cli.js', 'native/build/Release/strata-runtime', 'native/build/Release/strata_native.node']) {
  if (!fs.existsSync(path.join(repo, file))) fail(`${file} is missing: run \`npm run build\` first`);
}

const started = Date.now();
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-vm-'));
const initrd = path.join(work, 'initramfs.cpio');
const disk = path.join(work, 'disk.raw');
const homeDisk = path.join(work, 'home.ext4');
let packages, modules;
try {
  ({ packages, modules } = writeInitramfs({ output: initrd, repo, kernel, lane, imageTar: writeImageTar(work) }));
  // A real block device for the device-rule scenario: its node must open outside a container.
  fs.writeFileSync(disk, Buffer.alloc(1 << 20));
  // The rootless scenario's home: ext4, whose user.* xattrs the rootless store needs (the
  // VM's tmpfs has none on this kernel). Sparse: mkfs writes only its metadata.
  fs.writeFileSync(homeDisk, '');
  fs.truncateSync(homeDisk, 512 << 20);
  execFileSync(mkfs(), ['-q', '-F', '-t', 'ext4', homeDisk], { stdio: ['ignore', 'ignore', 'pipe'] });
} catch (error) {
  fs.rmSync(work, { recursive: true, force: true });
  fail(`cannot build the initramfs: ${error.stack ?? error}`);
}
const sizeMb = Math.round(fs.statSync(initrd).size / (1 << 20));
process.stdout.write(`test:vm: ${kernel.image}, initramfs ${sizeMb} MB (node ${process.version}, packages: ${packages.join(' ') || 'none'}; modules: ${modules.map((m) => path.basename(m, '.ko')).join(' ')})\n`);

const args = [
  '-m', '1536', '-smp', '2',
  '-kernel', kernel.image, '-initrd', initrd,
  '-append', `console=ttyS0 quiet loglevel=3 panic=-1 rdinit=/init${only ? ` strata_vm_only=${only}` : ''}`,
  '-drive', `file=${disk},if=virtio,format=raw`,
  '-drive', `file=${homeDisk},if=virtio,format=raw`,
  '-nographic', '-no-reboot', '-net', 'none',
];
const qemu = spawn(QEMU, args, { stdio: ['ignore', 'pipe', 'pipe'] });
const timer = setTimeout(() => {
  process.stderr.write(`test:vm: no end after ${TIMEOUT_S} s: killing qemu\n`);
  qemu.kill('SIGKILL');
}, TIMEOUT_S * 1000);

const results = [];
let ended = null;
let console_ = '';
let pending = '';
const verbose = process.env.STRATA_VM_VERBOSE === '1';
qemu.stdout.setEncoding('utf8');
qemu.stdout.on('data', (chunk) => {
  console_ += chunk;
  pending += chunk;
  const lines = pending.split(/\r?\n/);
  pending = lines.pop() ?? '';
  for (const line of lines) onLine(line);
});
qemu.stderr.setEncoding('utf8');
qemu.stderr.on('data', (chunk) => process.stderr.write(chunk));

function onLine(raw) {
  const at = raw.indexOf('VM-LANE ');
  if (at < 0) {
    if (verbose) process.stdout.write(`  | ${raw}\n`);
    return;
  }
  const line = raw.slice(at + 'VM-LANE '.length);
  const [kind, ...rest] = line.split(' ');
  const text = rest.join(' ');
  const seconds = ((Date.now() - started) / 1000).toFixed(0).padStart(3);
  if (kind === 'ok' || kind === 'fail') {
    results.push({ ok: kind === 'ok', text });
    process.stdout.write(`${seconds}s ${kind === 'ok' ? '✓' : '✗'} ${text.replace(/\\n/g, '\n      ')}\n`);
  } else if (kind === 'end') {
    ended = Number(rest[0]);
  } else {
    process.stdout.write(`${seconds}s   ${line}\n`);
  }
}

qemu.on('close', (code, signal) => {
  clearTimeout(timer);
  if (pending) onLine(pending);
  const passed = results.filter((r) => r.ok).length;
  const failed = results.length - passed;
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  let broken = null;
  if (ended === null) broken = `the VM never reported its end (qemu ${signal ? `killed by ${signal}` : `exited ${code}`})`;
  else if (ended !== 0 && failed === 0) broken = `the scenarios exited ${ended} without a failed scenario`;
  else if (results.length === 0) broken = 'no scenario ran';
  if (broken) {
    const log = path.join(os.tmpdir(), `strata-vm-console-${Date.now()}.log`);
    fs.writeFileSync(log, console_);
    process.stderr.write(`test:vm: ${broken}; the console is in ${log}; its end:\n${console_.split('\n').slice(-40).join('\n')}\n`);
  }
  fs.rmSync(work, { recursive: true, force: true });
  process.stdout.write(`test:vm: ${passed} passed, ${failed + (broken ? 1 : 0)} failed (${seconds} s)\n`);
  process.exit(failed > 0 || broken ? 1 : 0);
});
