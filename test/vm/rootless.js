// The lane's rootless scenario (issue 19): a normal user's rootless engine on cgroup v2
// with a delegated subtree, as systemd gives one — user.slice/user-1000.slice/
// user@1000.service owned by the user with the controllers enabled below it, the user's
// processes in a session.scope under it. The user (uid 1000, subordinate ids from 100000)
// runs the built CLI on the `rootless` connection, which starts the engine in the user's
// namespaces (newuidmap/newgidmap). Its store is on an ext4 disk (the VM's tmpfs root has
// no user.* xattrs on this kernel, and the rootless store keeps whiteouts in user.overlay.*).
// Checked in the kernel's files of the container's cgroup below the delegation: the limits
// of run, a live update, stats read from that cgroup, pause through cgroup.freeze, and rm
// removing the cgroup.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const USER = { name: 'u', uid: 1000, gid: 1000 };
const HOME = '/home/u';
const RUNTIME_DIR = `/run/user/${USER.uid}`;
const DELEGATED = `/sys/fs/cgroup/user.slice/user-${USER.uid}.slice/user@${USER.uid}.service`;
const SESSION = path.join(DELEGATED, 'session.scope');
const CONTROLLERS = '+cpu +memory +pids +io';
const MiB = 1024 * 1024;

/** What systemd and useradd would have made: the user, its ranges, its home on the ext4 disk, its runtime dir, its delegated cgroup. */
function setUp(homeDisk) {
  fs.appendFileSync('/etc/passwd', `${USER.name}:x:${USER.uid}:${USER.gid}::${HOME}:/bin/sh\n`);
  fs.appendFileSync('/etc/group', `${USER.name}:x:${USER.gid}:\n`);
  fs.writeFileSync('/etc/subuid', `${USER.name}:100000:65536\n`);
  fs.writeFileSync('/etc/subgid', `${USER.name}:100000:65536\n`);
  fs.mkdirSync('/home', { recursive: true });
  const mounted = spawnSync('mount', ['-t', 'ext4', homeDisk, '/home'], { encoding: 'utf8' });
  if (mounted.status !== 0) throw new Error(`mount -t ext4 ${homeDisk} /home failed: ${mounted.stderr}`);
  for (const [dir, mode] of [[HOME, 0o755], [RUNTIME_DIR, 0o700]]) {
    fs.mkdirSync(dir, { recursive: true, mode });
    fs.chownSync(dir, USER.uid, USER.gid);
  }
  // The delegation: controllers enabled down to it and in it, the directory and the files
  // systemd's Delegate= hands over owned by the user (cgroups(7), "Delegation").
  fs.mkdirSync(SESSION, { recursive: true });
  const down = [];
  for (let dir = DELEGATED; dir !== '/sys/fs/cgroup'; dir = path.dirname(dir)) down.unshift(dir);
  for (const dir of down) fs.writeFileSync(path.join(dir, 'cgroup.subtree_control'), CONTROLLERS); // the root's has them (init.sh)
  for (const dir of [DELEGATED, SESSION]) {
    for (const file of ['', 'cgroup.procs', 'cgroup.subtree_control', 'cgroup.threads']) fs.chownSync(path.join(dir, file), USER.uid, USER.gid);
  }
}

/**
 * The built CLI as the user, on the rootless connection, started in the session's cgroup:
 * a shell of the user's waits on its stdin until root has moved it there, then execs node.
 */
function asUser(project, args) {
  const env = {
    PATH: '/usr/bin:/bin:/usr/sbin:/sbin',
    LD_LIBRARY_PATH: '/lib/x86_64-linux-gnu',
    HOME,
    USER: USER.name,
    LOGNAME: USER.name,
    XDG_RUNTIME_DIR: RUNTIME_DIR,
    STRATA_SYSTEM_SOCKET: '/run/no-system-engine.sock',
  };
  const child = spawn('/bin/sh', ['-c', 'read go && exec "$@"', 'sh', process.execPath, path.join(project, 'bin/strata.js'), '--connection', 'rootless', ...args], {
    uid: USER.uid,
    gid: USER.gid,
    env,
    cwd: HOME,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (text) => (stdout += text));
  child.stderr.setEncoding('utf8').on('data', (text) => (stderr += text));
  const ended = new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  fs.writeFileSync(path.join(SESSION, 'cgroup.procs'), String(child.pid));
  child.stdin.end('go\n');
  return ended;
}

/** Ends the user's engine (SIGTERM, its pid from its log) and its pause process. */
function tearDown() {
  const log = path.join(RUNTIME_DIR, 'strata', 'service.log');
  const found = fs.existsSync(log) ? [...fs.readFileSync(log, 'utf8').matchAll(/listening on .* \(pid (\d+)\)/g)].pop() : undefined;
  if (found) {
    try {
      process.kill(Number(found[1]), 'SIGTERM');
    } catch {
      // gone already
    }
  }
  const pauseFile = path.join(RUNTIME_DIR, 'strata', 'pause.pid');
  if (fs.existsSync(pauseFile)) {
    try {
      process.kill(Number(fs.readFileSync(pauseFile, 'utf8')), 'SIGKILL');
    } catch {
      // gone already
    }
  }
}

export async function rootlessScenario({ scenario, expect, that, until, project, homeDisk }) {
  const strata = async (...args) => {
    const result = await asUser(project, args);
    expect(`strata --connection rootless ${args.join(' ')}: exit code (stderr ${JSON.stringify(result.stderr.trim())})`, result.code, 0);
    return result.stdout;
  };
  const containerCgroup = (id) => path.join(DELEGATED, 'strata', id);
  const read = (id, file) => fs.readFileSync(path.join(containerCgroup(id), file), 'utf8').trim();

  await scenario('rootless, a delegated cgroup: run --memory --cpus --pids-limit, update, stats, pause, rm in the user’s cgroup (CLI as uid 1000)', async () => {
    setUp(homeDisk);
    try {
      const info = JSON.parse(await strata('system', 'info', '--json'));
      expect('system info privilege', info.privilege, 'rootless');
      await strata('import', '--format', 'rootfs', '--change', 'CMD ["sh"]', '-t', 'vm/busybox:1', '/vm/image.tar');
      const id = (await strata('run', '-d', '--name', 'spin', '--network', 'none', '--memory', '64m', '--cpus', '0.5', '--pids-limit', '20', 'vm/busybox:1', 'sh', '-c', 'while :; do :; done')).trim();
      expect('the container id', id, that('64 hex digits', (text) => /^[0-9a-f]{64}$/.test(text)));
      expect('its cgroup, below the delegation', fs.existsSync(containerCgroup(id)), true);
      expect('memory.max', read(id, 'memory.max'), String(64 * MiB));
      expect('cpu.max', read(id, 'cpu.max'), '50000 100000');
      expect('pids.max', read(id, 'pids.max'), '20');
      expect('owner of its cgroup on the host', fs.statSync(containerCgroup(id)).uid, that('a uid of the user (1000) or its range', (uid) => uid === USER.uid || (uid >= 100000 && uid < 165536)));

      await strata('update', '--memory', '96m', '--pids-limit', '30', 'spin');
      expect('memory.max after update', read(id, 'memory.max'), String(96 * MiB));
      expect('pids.max after update', read(id, 'pids.max'), '30');

      await until('cpu.stat usage', () => Number(/usage_usec (\d+)/.exec(read(id, 'cpu.stat'))?.[1] ?? 0) > 0);
      expect('status', JSON.parse(await strata('inspect', '--json', 'spin'))[0]?.state?.status, 'running');
      const [sample] = JSON.parse(await strata('stats', '--no-stream', '--json', 'spin'));
      expect('stats: read from', sample?.source, 'cgroup');
      expect('stats: cpuPercent', sample?.cpuPercent, that('> 0', (value) => value > 0));
      expect('stats: memoryUsage', sample?.memoryUsage, that('> 0', (value) => value > 0));
      expect('stats: memoryLimit', sample?.memoryLimit, 96 * MiB);
      expect('stats: pidsCurrent', sample?.pidsCurrent, that('≥ 1', (value) => value >= 1));

      await strata('pause', 'spin');
      expect('cgroup.freeze when paused', read(id, 'cgroup.freeze'), '1');
      await until('cgroup.events frozen 1', () => /^frozen 1$/m.test(read(id, 'cgroup.events')));
      await strata('unpause', 'spin');
      expect('cgroup.freeze after unpause', read(id, 'cgroup.freeze'), '0');

      await strata('rm', '-f', 'spin');
      expect('its cgroup after rm', fs.existsSync(containerCgroup(id)), false);
    } finally {
      tearDown();
    }
  }, 400_000);
}
