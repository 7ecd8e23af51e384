// `strata-runtime exec`: a new process in a running container — its namespaces, its
// cgroups, its identity — attached (stdio, exit status, signals) or detached; and the
// loopback interface a container with its own network namespace gets up.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import { type OciConfig, type RuntimeResult, type RuntimeState, runtimeBinaryPath } from '../../../src-main/engine/runtime';
import { createContainer, inContainer, statusField, until, useWorkspace } from './harness';
import { existingCgroupDirs } from '../../helpers/cgroups';

const ws = useWorkspace();
// A mapped root (the user namespace test) must be able to reach the rootfs.
fs.chmodSync(ws.dir, 0o755);

async function state(id: string): Promise<RuntimeState> {
  return JSON.parse((await ws.rt(['state', id])).stdout) as RuntimeState;
}

/** A running container (`sleep 600` unless edit says otherwise) and its init's host pid. */
async function running(name: string, edit?: (c: OciConfig) => void): Promise<{ id: string; bundle: string; pid: number }> {
  const bundle = ws.bundle((c) => {
    c.process.args = ['sleep', '600'];
    edit?.(c);
  });
  const id = ws.id(name);
  const created = await createContainer(ws, bundle, id);
  expect(created.stderr).toBe('');
  expect(created.code).toBe(0);
  expect((await ws.rt(['start', id])).code).toBe(0);
  return { id, bundle, pid: (await state(id)).pid! };
}

async function remove(id: string): Promise<void> {
  const r = await ws.rt(['delete', '--force', id]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
}

/** exec with the runtime's stdio on pipes: for processes that end. */
const exec = (id: string, args: readonly string[], opts: readonly string[] = []): Promise<RuntimeResult> =>
  ws.rt(['exec', ...opts, id, '--', ...args]);

/**
 * exec --detach with stdout and stderr on files (a detached process would keep pipes
 * open): `out` is what the process writes there, `stderr` the runtime's errors.
 */
async function execDetached(id: string, args: readonly string[], opts: readonly string[] = []): Promise<RuntimeResult & { out: string }> {
  const out = path.join(ws.dir, `${id}-${Date.now()}.out`);
  const err = `${out}.err`;
  const fds = [fs.openSync(out, 'w'), fs.openSync(err, 'w')];
  try {
    return await new Promise((resolve, reject) => {
      const child = spawn(runtimeBinaryPath(), ['--root', ws.root, 'exec', '--detach', ...opts, id, '--', ...args], {
        stdio: ['ignore', fds[0], fds[1]],
      });
      child.on('error', reject);
      child.on('close', (code) => resolve({ code: code ?? -1, stdout: '', stderr: fs.readFileSync(err, 'utf8'), out }));
    });
  } finally {
    for (const fd of fds) fs.closeSync(fd);
  }
}

const stat = (pid: number): string[] => {
  const text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  return text.slice(text.lastIndexOf(')') + 2).split(' '); // [0] is field 3, the state
};
const alive = (pid: number): boolean => fs.existsSync(`/proc/${pid}/stat`) && stat(pid)[0] !== 'Z';

describe('strata-runtime exec, attached', () => {
  it('prints what the program prints and exits with its status', async () => {
    const c = await running('echo');
    expect(await exec(c.id, ['echo', 'hello', 'world'])).toEqual({ code: 0, stdout: 'hello world\n', stderr: '' });
    expect(await exec(c.id, ['sh', '-c', 'echo out; echo err >&2; exit 3'])).toEqual({ code: 3, stdout: 'out\n', stderr: 'err\n' });
    // not PID 1 of the namespace, so SIGKILL from inside works: 128 + 9
    expect((await exec(c.id, ['sh', '-c', 'kill -9 $$'])).code).toBe(137);
    // the container goes on running
    expect((await state(c.id)).status).toBe('running');
    await remove(c.id);
  });

  it('exits 127 for a missing program and 126 for one that cannot be executed', async () => {
    const c = await running('missing');
    fs.writeFileSync(path.join(c.bundle, 'rootfs/etc/not-exec'), '#!/bin/sh\necho ran\n', { mode: 0o644 });
    expect(await exec(c.id, ['no-such-program'])).toEqual({
      code: 127,
      stdout: '',
      stderr: 'exec: no-such-program: not found in PATH /bin: No such file or directory\n',
    });
    expect(await exec(c.id, ['/bin/no-such'])).toEqual({ code: 127, stdout: '', stderr: 'exec: /bin/no-such: No such file or directory\n' });
    expect(await exec(c.id, ['/etc/not-exec'])).toEqual({ code: 126, stdout: '', stderr: 'exec: /etc/not-exec: Permission denied\n' });
    expect(await exec(c.id, ['/etc'])).toEqual({ code: 126, stdout: '', stderr: 'exec: /etc: Permission denied\n' });
    await remove(c.id);
  });

  it("is in the container's namespaces: hostname, root filesystem, pid, mounts, network", async () => {
    const c = await running('ns', (cfg) => (cfg.hostname = 'exec-box'));
    fs.writeFileSync(path.join(c.bundle, 'rootfs/only-in-container.txt'), 'inside\n');
    const r = await exec(c.id, [
      'sh',
      '-c',
      'hostname; cat /only-in-container.txt; test -e /work && echo host-visible; ' +
        'for n in pid mnt net uts ipc; do readlink /proc/self/ns/$n; done; ' +
        'read -r s < /proc/self/stat; echo "pid ${s%% *}"; tr "\\0" " " < /proc/1/cmdline; echo',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines.slice(0, 2)).toEqual(['exec-box', 'inside']);
    expect(lines.slice(2, 7)).toEqual(['pid', 'mnt', 'net', 'uts', 'ipc'].map((n) => fs.readlinkSync(`/proc/${c.pid}/ns/${n}`)));
    expect(lines[2]).not.toBe(fs.readlinkSync('/proc/self/ns/pid'));
    // a small pid of the container's namespace (the init is 1), not the host's
    const pid = Number(/^pid (\d+)$/.exec(lines[7] ?? '')?.[1]);
    expect(pid).toBeGreaterThan(1);
    expect(pid).toBeLessThan(100);
    expect(lines[8]).toBe('sleep 600'); // the init's command line (the trailing space trimmed)
    await remove(c.id);
  });

  it("is in the container's cgroups", async () => {
    const c = await running('cg');
    const r = await exec(c.id, ['cat', '/proc/self/cgroup']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(fs.readFileSync(`/proc/${c.pid}/cgroup`, 'utf8'));
    expect(r.stdout).toContain(`:/strata/${c.id}\n`);
    await remove(c.id);
  });

  it('forwards SIGTERM to the process', async () => {
    const c = await running('term');
    const child = spawn(
      runtimeBinaryPath(),
      ['--root', ws.root, 'exec', c.id, '--', 'sh', '-c', 'trap "echo got-term; exit 9" TERM; echo ready; while true; do sleep 0.1; done'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    await until(() => stdout.includes('ready'));
    child.kill('SIGTERM');
    expect(await exited).toBe(9);
    expect(stdout).toBe('ready\ngot-term\n');
    await remove(c.id);
  });

  it("runs ARGS with the container's env, cwd and user", async () => {
    const c = await running('base', (cfg) => {
      cfg.process.env = ['PATH=/bin', 'FROM_CONFIG=yes'];
      cfg.process.cwd = '/tmp';
      cfg.process.user = { uid: 1000, gid: 1000, additionalGids: [2000] };
      cfg.process.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 321, hard: 654 }];
    });
    const r = await exec(c.id, ['sh', '-c', 'echo $FROM_CONFIG; pwd; id -u; id -G; ulimit -n; grep -E "^(CapBnd|NoNewPrivs)" /proc/self/status']);
    expect(r.stderr).toBe('');
    const init = fs.readFileSync(`/proc/${c.pid}/status`, 'utf8');
    expect(r.stdout).toBe(`yes\n/tmp\n1000\n1000 2000\n321\nCapBnd:\t${statusField(init, 'CapBnd')}\nNoNewPrivs:\t1\n`);
    await remove(c.id);
  });
});

describe('strata-runtime exec --process', () => {
  it('takes args, env, cwd, user, rlimits and capabilities from an OCI process object', async () => {
    const c = await running('proc');
    const file = path.join(ws.dir, 'process.json');
    fs.writeFileSync(
      file,
      JSON.stringify({
        args: ['sh', '-c', 'echo "$GREETING"; pwd; id -u; id -g; id -G; ulimit -n; grep -E "^(CapEff|CapBnd|NoNewPrivs)" /proc/self/status'],
        env: ['PATH=/bin', 'GREETING=hello there'],
        cwd: '/etc',
        user: { uid: 1000, gid: 1000, additionalGids: [2000] },
        rlimits: [{ type: 'RLIMIT_NOFILE', soft: 77, hard: 88 }],
        capabilities: { bounding: ['CAP_KILL', 'CAP_CHOWN'], effective: ['CAP_KILL'], permitted: ['CAP_KILL'], ambient: ['CAP_KILL'], inheritable: ['CAP_KILL'] },
        noNewPrivileges: false,
      }),
    );
    const r = await ws.rt(['exec', '--process', file, c.id]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    // CAP_CHOWN (0) and CAP_KILL (5) bound; CAP_KILL effective through the ambient set
    expect(r.stdout).toBe('hello there\n/etc\n1000\n1000\n1000 2000\n77\nCapEff:\t0000000000000020\nCapBnd:\t0000000000000021\nNoNewPrivs:\t0\n');
    await remove(c.id);
  });

  it("defaults cwd to / and the capabilities to the container's", async () => {
    const c = await running('proc-min');
    const file = path.join(ws.dir, 'minimal.json');
    fs.writeFileSync(file, JSON.stringify({ args: ['sh', '-c', 'pwd; grep CapBnd /proc/self/status'], env: ['PATH=/bin'] }));
    const r = await ws.rt(['exec', '--process', file, c.id]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`/\nCapBnd:\t${statusField(fs.readFileSync(`/proc/${c.pid}/status`, 'utf8'), 'CapBnd')}\n`);
    await remove(c.id);
  });

  it('reports a bad process file with its name and the field', async () => {
    const c = await running('proc-bad');
    const file = path.join(ws.dir, 'bad.json');
    fs.writeFileSync(file, JSON.stringify({ args: [], cwd: '/' }));
    expect(await ws.rt(['exec', '--process', file, c.id])).toEqual({
      code: 125,
      stdout: '',
      stderr: `exec: process file ${file}: process.args: must not be empty\n`,
    });
    fs.writeFileSync(file, '{"args": [');
    const r = await ws.rt(['exec', '--process', file, c.id]);
    expect(r.code).toBe(125);
    expect(r.stderr).toMatch(new RegExp(`^exec: process file ${file}: `));
    const both = await ws.rt(['exec', '--process', file, c.id, '--', 'true']);
    expect(both).toEqual({ code: 125, stdout: '', stderr: 'exec: give the program as ARGS or in --process, not both\n' });
    const none = await ws.rt(['exec', c.id]);
    expect(none.code).toBe(125);
    expect(none.stderr).toMatch(/^exec: no program/);
    await remove(c.id);
  });
});

describe('strata-runtime exec --detach', () => {
  it('returns once the program runs, records its host pid, and leaves it to the host', async () => {
    const c = await running('detach');
    const pidFile = path.join(ws.dir, 'detached.pid');
    const r = await execDetached(c.id, ['sh', '-c', 'echo started; exec sleep 600'], ['--pid-file', pidFile]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const pid = Number(fs.readFileSync(pidFile, 'utf8'));
    expect(alive(pid)).toBe(true);
    await until(() => fs.readFileSync(r.out, 'utf8') === 'started\n');
    // its own session, and no longer the child of the runtime, which has exited
    expect(Number(stat(pid)[3])).toBe(pid);
    expect(Number(stat(pid)[1])).not.toBe(process.pid);
    // in the init's namespaces and in every one of its cgroups
    for (const n of ['pid', 'mnt', 'net', 'uts', 'ipc']) expect(fs.readlinkSync(`/proc/${pid}/ns/${n}`)).toBe(fs.readlinkSync(`/proc/${c.pid}/ns/${n}`));
    expect(fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8')).toBe(fs.readFileSync(`/proc/${c.pid}/cgroup`, 'utf8'));
    const dirs = existingCgroupDirs(c.id);
    expect(dirs.length).toBeGreaterThan(0);
    for (const d of dirs) expect(fs.readFileSync(path.join(d, 'cgroup.procs'), 'utf8').split('\n')).toContain(String(pid));
    // ended from outside, it is reaped by the host, not left a zombie of the container
    process.kill(pid, 'SIGKILL');
    await until(() => !fs.existsSync(`/proc/${pid}`), 50);
    expect((await state(c.id)).status).toBe('running');
    await remove(c.id);
  });

  it('goes with the container on delete --force', async () => {
    const c = await running('detach-rm');
    const pidFile = path.join(ws.dir, 'detach-rm.pid');
    expect((await execDetached(c.id, ['sleep', '600'], ['--pid-file', pidFile])).code).toBe(0);
    const pid = Number(fs.readFileSync(pidFile, 'utf8'));
    await remove(c.id);
    expect(alive(pid)).toBe(false);
  });

  it('reports a failed exec with the same status as attached', async () => {
    const c = await running('detach-fail');
    const r = await execDetached(c.id, ['no-such-program'], ['--pid-file', path.join(ws.dir, 'never.pid')]);
    expect(r.code).toBe(127);
    expect(r.stderr).toBe('exec: no-such-program: not found in PATH /bin: No such file or directory\n');
    expect(fs.existsSync(path.join(ws.dir, 'never.pid'))).toBe(false);
    await remove(c.id);
  });
});

describe('strata-runtime exec refusals', () => {
  it('refuses a container that does not exist, is only created, or has stopped', async () => {
    expect(await exec('no-such-container', ['true'])).toEqual({ code: 125, stdout: '', stderr: 'exec: container no-such-container does not exist\n' });

    const bundle = ws.bundle((c) => (c.process.args = ['sleep', '600']));
    const id = ws.id('created');
    expect((await createContainer(ws, bundle, id)).code).toBe(0);
    expect(await exec(id, ['true'])).toEqual({ code: 125, stdout: '', stderr: `exec: container ${id} is created, not running\n` });
    expect((await ws.rt(['start', id])).code).toBe(0);
    expect((await ws.rt(['kill', id, 'KILL'])).code).toBe(0);
    await until(async () => (await state(id)).status === 'stopped');
    expect(await exec(id, ['true'])).toEqual({ code: 125, stdout: '', stderr: `exec: container ${id} is stopped, not running\n` });
    await remove(id);
  });
});

const hasUserns = fs.existsSync('/proc/self/ns/user') && fs.readFileSync('/proc/sys/user/max_user_namespaces', 'utf8').trim() !== '0';
if (!hasUserns) console.warn('exec: the user-namespace part skipped, this kernel has no user namespaces (or max_user_namespaces is 0)');

describe.skipIf(!hasUserns)('strata-runtime exec into a user namespace', () => {
  it('joins the user namespace first and is root there, an unprivileged id on the host', async () => {
    const c = await running('userns', (cfg) => {
      cfg.linux.namespaces!.push({ type: 'user' });
      cfg.linux.uidMappings = [{ containerID: 0, hostID: 300000, size: 65536 }];
      cfg.linux.gidMappings = [{ containerID: 0, hostID: 300000, size: 65536 }];
    });
    const r = await exec(c.id, ['sh', '-c', 'id -u; readlink /proc/self/ns/user; cat /proc/self/uid_map | tr -s " " | sed "s/^ //"']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`0\n${fs.readlinkSync(`/proc/${c.pid}/ns/user`)}\n0 300000 65536\n`);
    await remove(c.id);
  });
});

describe('loopback in a new network namespace', () => {
  it('is up, and 127.0.0.1 answers', async () => {
    const r = await inContainer(
      ws,
      'cat /sys/class/net/lo/flags /sys/class/net/lo/operstate; busybox ip -o link show lo | grep -o "<[A-Z_,]*>"; ' +
        'busybox ping -c 1 -W 2 127.0.0.1 > /dev/null && echo ping-ok',
    );
    expect(r.stderr).toBe('');
    // IFF_UP | IFF_LOOPBACK; a loopback device's operstate is "unknown" once up
    expect(r.stdout).toBe('0x9\nunknown\n<LOOPBACK,UP,LOWER_UP>\nping-ok\n');
  });

  it('is left as it is in a joined network namespace', async () => {
    const c = await running('netns');
    const r = await inContainer(ws, 'cat /sys/class/net/lo/flags; readlink /proc/self/ns/net', (cfg) => {
      cfg.linux.namespaces = cfg.linux.namespaces!.map((n) => (n.type === 'network' ? { type: 'network', path: `/proc/${c.pid}/ns/net` } : n));
    });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`0x9\n${fs.readlinkSync(`/proc/${c.pid}/ns/net`)}\n`);
    await remove(c.id);
  });
});
