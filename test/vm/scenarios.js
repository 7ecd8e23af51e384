// The lane's scenarios, run by node inside the VM (init.sh) as root on a cgroup2-only host:
// the engine in this process (out/main/engine.js, which the CLI loads too) for
// most, the `strata` CLI for the flags a user types (run's limits, update, stats). Every
// check reads the kernel's own files under /sys/fs/cgroup, not the engine's view of them.
// Each verdict is one console line, "VM-LANE ok NAME (N s)" or "VM-LANE fail NAME: what was
// expected, what was found"; run.js counts them. A node here runs JIT code ~100× slower than
// on the host: one CLI command costs 2–14 s, so the CLI is kept to the flags a user types.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { rootlessScenario } from './rootless.js';

const PROJECT = '/strata';
const STORE = '/run/strata-store';
const CGROUP = '/sys/fs/cgroup';
const PARENT = path.join(CGROUP, 'strata');
const IMAGE = 'vm/busybox:1';
const NO_NETWORK = { network: 'none' };
const MiB = 1024 * 1024;
/** One scenario's bound, so a hang costs one verdict and not the VM's whole time. */
const SCENARIO_TIMEOUT_MS = 150_000;

/** Only the scenarios whose name has this text (`STRATA_VM_ONLY` on the host: run.js passes it on the kernel's command line, which gives it to init). */
const ONLY = process.env.strata_vm_only;

const { Engine } = await import(path.join(PROJECT, 'out/main/engine.js'));

function report(line) {
  process.stdout.write(`VM-LANE ${line.replace(/\n/g, '\\n')}\n`);
}

class Mismatch extends Error {}

/** Fails the scenario with what was wanted and what there is. */
function expect(what, found, wanted) {
  const ok = typeof wanted === 'function' ? wanted(found) : found === wanted;
  if (!ok) {
    const shown = typeof wanted === 'function' ? wanted.description ?? String(wanted) : JSON.stringify(wanted);
    throw new Mismatch(`${what}: expected ${shown}, found ${JSON.stringify(found)}`);
  }
}

/** A predicate with a description for expect()'s message. */
function that(description, test) {
  test.description = description;
  return test;
}

async function scenario(name, body, timeoutMs = SCENARIO_TIMEOUT_MS) {
  if (ONLY && !name.includes(ONLY)) return;
  const started = Date.now();
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Mismatch(`the scenario did not end within ${timeoutMs / 1000} s`)), timeoutMs);
  });
  try {
    await Promise.race([body(), timeout]);
    report(`ok ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  } catch (error) {
    report(`fail ${name}: ${error instanceof Mismatch ? error.message : error?.stack ?? error}`);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * `strata ARGS`, waited for. Its output goes to files, not pipes: a process it leaves running
 * (a detached container's shim) can not hold spawnSync past the command's own end, so a hung
 * command fails its scenario at the bound, with what it wrote and what runs, and the lane
 * goes on.
 */
function strata(...args) {
  const out = '/run/strata-vm-cli.out';
  const err = '/run/strata-vm-cli.err';
  const outFd = fs.openSync(out, 'w');
  const errFd = fs.openSync(err, 'w');
  let result;
  try {
    result = spawnSync(process.execPath, [path.join(PROJECT, 'bin/strata.js'), '--root', STORE, ...args], { stdio: ['ignore', outFd, errFd], timeout: 120_000, killSignal: 'SIGKILL' });
  } finally {
    fs.closeSync(outFd);
    fs.closeSync(errFd);
  }
  const stdout = fs.readFileSync(out, 'utf8');
  const stderr = fs.readFileSync(err, 'utf8');
  if (result.error) throw new Mismatch(`strata ${args.join(' ')}: expected it to end, found ${result.error.message}; it wrote ${JSON.stringify(stdout + stderr)}; running: ${processList()}`);
  return { code: result.status, stdout, stderr };
}

/** Every process's command line (for a verdict on a command that hung). */
function processList() {
  const lines = [];
  for (const pid of fs.readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const command = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
      if (command) lines.push(`${pid} ${command}`);
    } catch {
      // gone meanwhile
    }
  }
  return lines.join('; ');
}

/** `strata ARGS` that must succeed; its stdout. */
function strataOk(...args) {
  const result = strata(...args);
  if (result.code !== 0) throw new Mismatch(`strata ${args.join(' ')}: expected exit 0, found ${result.code}: ${result.stderr.trim()}`);
  return result.stdout;
}

function cgroupDir(id) {
  return path.join(PARENT, id);
}

function cgroupFile(id, file) {
  return fs.readFileSync(path.join(cgroupDir(id), file), 'utf8').trim();
}

/** One key of a flat-keyed file (memory.events, cgroup.events, cpu.stat). */
function keyed(id, file, key) {
  const line = cgroupFile(id, file).split('\n').find((l) => l.startsWith(`${key} `));
  return line === undefined ? null : Number(line.split(' ')[1]);
}

async function until(what, test, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await test();
    if (value) return value;
    if (Date.now() > deadline) throw new Mismatch(`${what}: still not so after ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function logText(engine, id) {
  try {
    return fs
      .readFileSync(engine.containerLogPath(id), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line).log)
      .join('');
  } catch {
    return '';
  }
}

/** The virtio disk the VM was given: a real block device whose node opens outside a container. */
function hostDisk() {
  const [major, minor] = fs.readFileSync('/sys/block/vda/dev', 'utf8').trim().split(':');
  return { path: '/dev/vda', major, minor };
}

// ---------------------------------------------------------------------------------------

fs.mkdirSync(STORE, { recursive: true });
const engine = Engine.open({ root: STORE });

await scenario('import the busybox image (engine)', async () => {
  const [image] = await engine.importImage({ path: '/vm/image.tar', format: 'rootfs', tags: [IMAGE], changes: ['CMD ["sh"]'] });
  expect('imported tags', image?.tags?.join(','), IMAGE);
});

await scenario('run --memory 64m --cpus 0.5 --pids-limit 20 writes memory.max, cpu.max, pids.max (CLI)', async () => {
  const id = strataOk('run', '-d', '--name', 'limits', '--network', 'none', '--memory', '64m', '--cpus', '0.5', '--pids-limit', '20', IMAGE, 'sleep', '600').trim();
  expect('container id', id, that('64 hex digits', (s) => /^[0-9a-f]{64}$/.test(s)));
  expect('memory.max', cgroupFile(id, 'memory.max'), String(64 * MiB));
  expect('cpu.max', cgroupFile(id, 'cpu.max'), '50000 100000');
  expect('pids.max', cgroupFile(id, 'pids.max'), '20');
  expect('cgroup.procs (the sleep)', cgroupFile(id, 'cgroup.procs').split('\n').length, 1);
});

await scenario('update --memory 96m --cpus 1 --pids-limit 30 changes them live (CLI)', async () => {
  const id = (await engine.inspectContainer('limits')).id;
  strataOk('update', '--memory', '96m', '--cpus', '1', '--pids-limit', '30', 'limits');
  expect('memory.max', cgroupFile(id, 'memory.max'), String(96 * MiB));
  expect('cpu.max', cgroupFile(id, 'cpu.max'), '100000 100000');
  expect('pids.max', cgroupFile(id, 'pids.max'), '30');
  expect('status after update', (await engine.inspectContainer(id)).state.status, 'running');
  // one started without limits gets them too: its controllers were enabled at create
  const plain = await engine.runContainer(IMAGE, { ...NO_NETWORK, command: ['sleep', '600'] });
  expect('memory.max without a limit', cgroupFile(plain.id, 'memory.max'), 'max');
  await engine.updateContainer(plain.id, { memory: 80 * MiB, pidsLimit: 10 });
  expect('memory.max after update', cgroupFile(plain.id, 'memory.max'), String(80 * MiB));
  expect('pids.max after update', cgroupFile(plain.id, 'pids.max'), '10');
  await engine.removeContainer(plain.id, { force: true });
});

await scenario('stats: CPU, memory, block I/O and pids from cpu.stat, memory.stat, io.stat (CLI)', async () => {
  const disk = hostDisk();
  // --device grants the disk (the device program's allow rule); reading it is block I/O the
  // io controller charges to the container; then a busy loop for the CPU.
  const id = strataOk('run', '-d', '--name', 'busy', '--network', 'none', '--device', `${disk.path}:/dev/disk0:r`, IMAGE,
    'sh', '-c', 'dd if=/dev/disk0 of=/dev/null bs=64k 2>/dev/null && echo read-done; while :; do :; done').trim();
  await until('the container read the disk', () => logText(engine, id).includes('read-done'));
  const [sample] = JSON.parse(strataOk('stats', '--no-stream', '--json', 'busy'));
  expect('a stats sample for busy', sample?.id, id);
  expect('cpuPercent', sample.cpuPercent, that('> 0', (v) => v > 0));
  expect('memoryUsage', sample.memoryUsage, that('> 0', (v) => v > 0));
  expect('memoryWorkingSet', sample.memoryWorkingSet, that('> 0', (v) => v > 0));
  expect('blkioReadBytes (the 1 MiB disk read)', sample.blkioReadBytes, that('≥ 1 MiB', (v) => v >= MiB));
  expect('pidsCurrent', sample.pidsCurrent, that('≥ 1', (v) => v >= 1));
  expect('cpu.stat usage_usec', keyed(id, 'cpu.stat', 'usage_usec'), that('> 0', (v) => v > 0));
});

await scenario('pause and unpause freeze and thaw through cgroup.freeze (engine)', async () => {
  const id = (await engine.inspectContainer('limits')).id;
  await engine.pauseContainer(id);
  expect('status', (await engine.inspectContainer(id)).state.status, 'paused');
  expect('cgroup.freeze', cgroupFile(id, 'cgroup.freeze'), '1');
  expect('cgroup.events frozen', keyed(id, 'cgroup.events', 'frozen'), 1);
  await engine.unpauseContainer(id);
  expect('status', (await engine.inspectContainer(id)).state.status, 'running');
  expect('cgroup.freeze', cgroupFile(id, 'cgroup.freeze'), '0');
  expect('cgroup.events frozen', keyed(id, 'cgroup.events', 'frozen'), 0);
});

await scenario('stop of a container that ignores SIGTERM kills its whole cgroup (cgroup.kill), a process outside its pid namespace too', async () => {
  const container = await engine.runContainer(IMAGE, { ...NO_NETWORK, command: ['sh', '-c', 'trap "" TERM; sleep 600 & sleep 600 & echo ready; while :; do sleep 1; done'] });
  await until('the container is ready', () => logText(engine, container.id).includes('ready'));
  // A VM process moved into the container's cgroup: the end of the container's pid
  // namespace does not reach it, only a kill of the cgroup does.
  const outsider = spawn('sleep', ['600'], { stdio: 'ignore' });
  const outsiderEnd = new Promise((resolve) => outsider.on('exit', (code, signal) => resolve(signal ?? `exit ${code}`)));
  fs.writeFileSync(path.join(cgroupDir(container.id), 'cgroup.procs'), String(outsider.pid));
  const pids = cgroupFile(container.id, 'cgroup.procs').split('\n').map(Number);
  expect('processes in the cgroup', pids.length, that('≥ 4 (sh, two sleeps, the outsider)', (n) => n >= 4));
  const stopped = await engine.stopContainer(container.id, { timeoutS: 1 });
  expect('signal', stopped.state.signal, 9);
  expect('how the process outside the pid namespace ended', await Promise.race([outsiderEnd, new Promise((r) => setTimeout(() => r('still running after 10 s'), 10_000))]), 'SIGKILL');
  const alive = pids.filter((pid) => fs.existsSync(`/proc/${pid}`));
  expect('processes still alive', alive, that('none', (list) => list.length === 0));
  await engine.removeContainer(container.id);
  expect('its cgroup after rm', fs.existsSync(cgroupDir(container.id)), false);
});

await scenario('a memory hog is OOM-killed: exit 137 and OOMKilled from memory.events (engine)', async () => {
  // dd's 128 MiB buffer, filled by read(2), against a 32 MiB limit; no swap in the VM.
  const container = await engine.runContainer(IMAGE, { ...NO_NETWORK, memory: 32 * MiB, command: ['dd', 'if=/dev/zero', 'of=/dev/null', 'bs=128M', 'count=1'] });
  const code = await engine.waitContainer(container.id, { timeoutMs: 120_000 });
  expect('exit code', code, 137);
  const state = (await engine.inspectContainer(container.id)).state;
  expect('state.oomKilled', state.oomKilled, true);
  await engine.removeContainer(container.id);
});

await scenario('device rules: mknod of the disk works (CAP_MKNOD), opening it is EPERM (eBPF device program)', async () => {
  const disk = hostDisk();
  // outside a container the node opens: the device exists, so EPERM inside is the rule's doing
  const fd = fs.openSync(disk.path, 'r');
  fs.closeSync(fd);
  const container = await engine.runContainer(IMAGE, {
    ...NO_NETWORK,
    command: ['sh', '-c', `mknod /tmp/disk b ${disk.major} ${disk.minor} && echo made; head -c 1 /tmp/disk > /dev/null; echo open=$?`],
  });
  expect('exit code', await engine.waitContainer(container.id, { timeoutMs: 60_000 }), 0);
  const log = logText(engine, container.id);
  expect(`output of mknod b ${disk.major}:${disk.minor} + open`, log, that('"made", "Operation not permitted", "open=1"', (t) => t.includes('made\n') && /Operation not permitted/.test(t) && t.includes('open=1\n')));
  await engine.removeContainer(container.id);
});

await scenario('cgroup namespace: /proc/self/cgroup is 0::/ and /sys/fs/cgroup is the container’s own cgroup', async () => {
  const container = await engine.runContainer(IMAGE, {
    ...NO_NETWORK,
    memory: 48 * MiB,
    command: ['sh', '-c', 'cat /proc/self/cgroup; cat /sys/fs/cgroup/memory.max; ls /sys/fs/cgroup | grep -c "^strata$"; wc -l < /sys/fs/cgroup/cgroup.procs'],
  });
  expect('exit code', await engine.waitContainer(container.id, { timeoutMs: 60_000 }), 0);
  // sh, cat/ls/wc: the mount's root holds the container's processes only
  expect('/proc/self/cgroup, memory.max, "strata" entries, processes', logText(engine, container.id), that('"0::/", 50331648, 0, ≤ 3 processes', (t) => /^0::\/\n50331648\n0\n[1-3]\n$/.test(t)));
  await engine.removeContainer(container.id);
});

await rootlessScenario({ scenario, expect, that, until, project: PROJECT, homeDisk: '/dev/vdb' });

await scenario('rm -f of running containers leaves nothing under /sys/fs/cgroup/strata', async () => {
  for (const name of ['limits', 'busy']) await engine.removeContainer(name, { force: true });
  for (const container of await engine.listContainers({ all: true })) await engine.removeContainer(container.id, { force: true });
  const left = fs.readdirSync(PARENT, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
  expect('cgroups under strata/', left, that('none', (list) => list.length === 0));
  const mounts = fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((line) => line.includes(STORE));
  expect('mounts under the store', mounts, that('none', (list) => list.length === 0));
});
