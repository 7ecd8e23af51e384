// The same sources built with AddressSanitizer and UndefinedBehaviorSanitizer, driven
// through the lifecycle, the shim, the v2 driver and hostile config.json inputs.
// Leak checking is off: the runtime is a short-lived process that never frees its
// parsed config (one allocation tree, released by exit).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { beforeAll, describe, expect, it } from 'vitest';

import type { OciConfig } from '../../../src-main/engine/runtime';
import { AttachClient } from './attach-client';
import { createContainer, runContainer, until, useWorkspace } from './harness';

const ws = useWorkspace();
const SOURCES = path.resolve(import.meta.dirname, '../../../native/src/runtime');
let binary = '';
const env: NodeJS.ProcessEnv = {
  ...process.env,
  ASAN_OPTIONS: 'detect_leaks=0:abort_on_error=0:exitcode=99',
  UBSAN_OPTIONS: 'halt_on_error=1:print_stacktrace=1:exitcode=98',
};

function clean(stderr: string): void {
  expect(stderr).not.toMatch(/AddressSanitizer|runtime error:|UndefinedBehaviorSanitizer/);
}

beforeAll(() => {
  binary = path.join(ws.dir, 'strata-runtime-asan');
  const sources = fs.readdirSync(SOURCES).filter((f) => f.endsWith('.c')).map((f) => path.join(SOURCES, f));
  execFileSync('cc', [
    '-fsanitize=address,undefined', '-fno-sanitize-recover=all', '-fno-omit-frame-pointer', '-g', '-O1',
    '-Wall', '-Wextra', '-Werror', '-std=gnu11', '-D_GNU_SOURCE', '-o', binary, ...sources, '-lseccomp',
  ]);
}, 120_000);

describe('ASan/UBSan build', () => {
  it('runs a container through create, start, state, kill and delete', async () => {
    const bundle = ws.bundle((c) => {
      c.process.args = ['sleep', '600'];
      c.process.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 100, hard: 200 }];
      c.linux.resources = { memory: { limit: 64 * 1024 * 1024 }, pids: { limit: 20 }, cpu: { shares: 100, quota: 20000 } };
      c.annotations = { 'a"b': 'c\\d\u00e9\u{1F600}\n' };
      c.hooks = { poststop: [{ path: '/bin/true' }] };
    });
    const id = ws.id('asan');
    const opts = { env, binary };
    const created = await createContainer(ws, bundle, id, [], opts);
    clean(created.stderr);
    expect(created.code).toBe(0);
    for (const args of [['start', id], ['state', id], ['kill', id, 'KILL']]) {
      const r = await ws.rt(args, opts);
      clean(r.stderr);
      expect(r.code).toBe(0);
    }
    const state = await ws.rt(['state', id], opts);
    expect(JSON.parse(state.stdout).annotations).toEqual({ 'a"b': 'c\\d\u00e9\u{1F600}\n' });
    await until(async () => JSON.parse((await ws.rt(['state', id], opts)).stdout).status === 'stopped');
    const del = await ws.rt(['delete', id], opts);
    clean(del.stderr);
    expect(del.code).toBe(0);
  });

  it('runs exec attached, failing and with a process file', async () => {
    const bundle = ws.bundle((c) => {
      c.process.args = ['sleep', '600'];
      c.process.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 100, hard: 200 }];
    });
    const id = ws.id('asan-exec');
    const opts = { env, binary };
    expect((await createContainer(ws, bundle, id, [], opts)).code).toBe(0);
    expect((await ws.rt(['start', id], opts)).code).toBe(0);
    const echo = await ws.rt(['exec', id, '--', 'sh', '-c', 'echo hi; exit 4'], opts);
    clean(echo.stderr);
    expect(echo).toEqual({ code: 4, stdout: 'hi\n', stderr: '' });
    const missing = await ws.rt(['exec', id, '--', 'no-such-program'], opts);
    clean(missing.stderr);
    expect(missing.code).toBe(127);
    const file = path.join(ws.dir, 'asan-process.json');
    fs.writeFileSync(file, JSON.stringify({ args: ['id', '-G'], env: ['PATH=/bin'], user: { uid: 1000, gid: 1000, additionalGids: [2000, 3000] } }));
    const proc = await ws.rt(['exec', '--process', file, id], opts);
    clean(proc.stderr);
    expect(proc).toEqual({ code: 0, stdout: '1000 2000 3000\n', stderr: '' });
    const del = await ws.rt(['delete', '--force', id], opts);
    clean(del.stderr);
    expect(del.code).toBe(0);
    const gone = await ws.rt(['exec', id, '--', 'true'], opts);
    clean(gone.stderr);
    expect(gone.code).toBe(125);
  });

  it('runs a container without a mount namespace (a chroot) and exec in it; disableOOMKiller where v1 has it', async () => {
    const v1Memory = fs.existsSync('/sys/fs/cgroup/memory/memory.oom_control');
    const bundle = ws.bundle((c) => {
      c.process.args = ['sleep', '600'];
      c.linux.namespaces = [{ type: 'pid' }];
      c.mounts = [];
      c.linux.maskedPaths = [];
      c.linux.readonlyPaths = [];
      delete c.hostname;
      c.linux.resources = { memory: { limit: 64 * 1024 * 1024, ...(v1Memory ? { disableOOMKiller: true } : {}) } };
    });
    const id = ws.id('asan-chroot');
    const opts = { env, binary };
    const created = await createContainer(ws, bundle, id, [], opts);
    clean(created.stderr);
    expect(created.code).toBe(0);
    expect((await ws.rt(['start', id], opts)).code).toBe(0);
    const ls = await ws.rt(['exec', id, '--', 'ls', '/etc'], opts);
    clean(ls.stderr);
    expect(ls).toEqual({ code: 0, stdout: 'group\npasswd\n', stderr: '' });
    const del = await ws.rt(['delete', '--force', id], opts);
    clean(del.stderr);
    expect(del.code).toBe(0);
  });

  it('compiles and loads a seccomp profile, in the init and in an exec', async () => {
    const bundle = ws.bundle((c) => {
      c.process.args = ['sleep', '600'];
      c.linux.seccomp = {
        defaultAction: 'SCMP_ACT_ALLOW',
        architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'],
        flags: ['SECCOMP_FILTER_FLAG_LOG'],
        syscalls: [
          { names: ['no_such_syscall', 'mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 13 },
          { names: ['kill'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: 7, op: 'SCMP_CMP_EQ' }, { index: 0, value: 9, op: 'SCMP_CMP_EQ' }] },
          { names: ['socket'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: 0xff, valueTwo: 40, op: 'SCMP_CMP_MASKED_EQ' }, { index: 1, value: 1, op: 'SCMP_CMP_GE' }] },
        ],
      };
    });
    const id = ws.id('asan-seccomp');
    const opts = { env, binary };
    const created = await createContainer(ws, bundle, id, [], opts);
    clean(created.stderr);
    expect(created.code).toBe(0);
    expect((await ws.rt(['start', id], opts)).code).toBe(0);
    const r = await ws.rt(['exec', id, '--', 'sh', '-c', 'grep Seccomp: /proc/self/status; mkdir /tmp/x'], opts);
    clean(r.stderr);
    expect(r.stdout).toBe('Seccomp:\t2\n');
    expect(r.stderr).toContain('Permission denied');
    expect((await ws.rt(['delete', '--force', id], opts)).code).toBe(0);
  });

  it('runs the shim to the end', async () => {
    const bundle = ws.bundle((c) => (c.process.args = ['sh', '-c', 'seq 1 2000; yes x | head -c 40000 >&2; exit 2']));
    const id = ws.id('asan-shim');
    const exitFile = path.join(ws.dir, 'asan.exit');
    const log = path.join(ws.dir, 'asan.log');
    const r = await ws.rt(['shim', '--bundle', bundle, '--log', log, '--exit-file', exitFile, '--rm', id], { env, binary });
    clean(r.stderr);
    expect(r.code).toBe(0);
    expect((await ws.rt(['start', id], { env, binary })).code).toBe(0);
    await until(() => fs.existsSync(exitFile) && !fs.existsSync(path.join(ws.root, id)));
    expect(JSON.parse(fs.readFileSync(exitFile, 'utf8')).exitCode).toBe(2);
    const lines = fs.readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { stream: string; log: string });
    expect(lines.filter((l) => l.stream === 'stdout').length).toBe(2000);
    expect(lines.filter((l) => l.stream === 'stderr').map((l) => l.log).join('').length).toBe(40000);
  });

  it('runs terminals: run in the foreground, the shim and its attach socket, an exec session', async () => {
    const tty = (c: OciConfig, args: string[]) => {
      c.process.args = args;
      c.process.terminal = true;
      c.process.consoleSize = { height: 7, width: 70 };
    };
    const fg = await runContainer(ws, ws.bundle((c) => tty(c, ['sh', '-c', 'tty; stty size'])), ws.id('asan-tty-run'), binary, env);
    clean(fg.stderr);
    expect(fg.stdout.replace(/\r/g, '')).toBe('/dev/pts/0\n7 70\n');

    // the shim and the session helper write to /dev/null: their reports go to files
    const report = path.join(ws.dir, 'asan-tty-report');
    const quiet = {
      binary,
      env: { ...env, ASAN_OPTIONS: `${env.ASAN_OPTIONS}:log_path=${report}`, UBSAN_OPTIONS: `${env.UBSAN_OPTIONS}:log_path=${report}` },
    };
    const id = ws.id('asan-tty-shim');
    const exitFile = path.join(ws.dir, 'asan-tty.exit');
    const log = path.join(ws.dir, 'asan-tty.log');
    const r = await ws.rt(['shim', '--bundle', ws.bundle((c) => tty(c, ['sh'])), '--log', log, '--exit-file', exitFile, id], quiet);
    clean(r.stderr);
    expect(r.code).toBe(0);
    const { attachSocket } = JSON.parse(r.stdout) as { attachSocket: string };
    const a = await AttachClient.connect(attachSocket);
    const broken = await AttachClient.connect(attachSocket);
    expect((await ws.rt(['start', id], { env, binary })).code).toBe(0);
    broken.raw(Buffer.from([0x52, 0, 0, 0, 1, 0])); // a resize of 1 byte
    a.resize(20, 30);
    a.send(`seq 1 ${20000}; stty size\n`); // more than the scrollback ring holds
    await a.waitFor(/\n20 30\n/);
    const late = await AttachClient.connect(attachSocket);
    await late.waitFor(/\n20 30\n/);

    const session = await ws.rt(['exec', '--tty', '--detach', id, '--', 'sh'], quiet);
    clean(session.stderr);
    const s = await AttachClient.connect((JSON.parse(session.stdout) as { attachSocket: string }).attachSocket);
    // Typed only at a prompt (busybox's ends with a cursor-position query, ESC[6n): a ^D that
    // comes while the terminal is still canonical is taken as an empty line, and lost.
    await s.waitFor(/# \S*$/);
    s.send('echo in-exec\n');
    await s.waitFor(/in-exec[\s\S]*# \S*$/);
    s.closeStdin();
    await until(() => s.exitCode !== undefined);
    expect(s.output).toContain('in-exec');

    await a.waitFor(/20 30\r?\n[\s\S]*# \S*$/);
    a.closeStdin();
    await until(() => a.exitCode !== undefined && fs.existsSync(exitFile));
    expect(a.exitCode).toBe(0);
    await Promise.all([broken, late].map((c) => c.close()));
    expect(fs.readdirSync(ws.dir).filter((f) => f.startsWith('asan-tty-report'))).toEqual([]);
    const del = await ws.rt(['delete', id], { env, binary });
    clean(del.stderr);
    expect(del.code).toBe(0);
  });

  const hostile: [string, string][] = [
    ['empty', ''],
    ['deep nesting', '['.repeat(10000)],
    ['truncated escape', '{"ociVersion":"1.0.\\u12'],
    ['lone surrogate', '{"ociVersion":"\\ud800"}'],
    ['control char', '{"ociVersion":"1.0\u0001"}'],
    ['NUL in string', '{"ociVersion":"1.0.2","process":{"args":["a\\u0000b"],"cwd":"/"}}'],
    ['huge number', '{"ociVersion":"1.0.2","process":{"args":["sh"],"cwd":"/","oomScoreAdj":1e400}}'],
    ['int overflow', '{"ociVersion":"1.0.2","process":{"args":["sh"],"cwd":"/","user":{"uid":99999999999999999999}}}'],
    ['negative', '{"ociVersion":"1.0.2","process":{"args":["sh"],"cwd":"/","rlimits":[{"type":"RLIMIT_NOFILE","soft":-1,"hard":1}]}}'],
    ['wrong types', '{"ociVersion":1,"process":[],"root":"x","linux":7}'],
    ['long path', `{"ociVersion":"1.0.2","process":{"args":["sh"],"cwd":"/${'a/'.repeat(3000)}"},"root":{"path":"rootfs"},"linux":{}}`],
    ['trailing garbage', '{"ociVersion":"1.0.2"} x'],
    ['long interface name', `{"ociVersion":"1.0.2","process":{"args":["sh"],"cwd":"/"},"root":{"path":"rootfs"},"linux":{"resources":{"network":{"priorities":[{"name":"${'x'.repeat(5000)}","priority":1}]}}}}`],
    ['long sysctl key', `{"ociVersion":"1.0.2","process":{"args":["sh"],"cwd":"/"},"root":{"path":"rootfs"},"linux":{"sysctl":{"net.${'a'.repeat(5000)}":"1"}}}`],
    ['seccomp of wrong types', '{"ociVersion":"1.0.2","process":{"args":["sh"],"cwd":"/"},"root":{"path":"rootfs"},"linux":{"seccomp":{"defaultAction":"SCMP_ACT_ALLOW","architectures":[1],"syscalls":[{"names":"x"}]}}}'],
    ['seccomp args of wrong types', '{"ociVersion":"1.0.2","process":{"args":["sh"],"cwd":"/"},"root":{"path":"rootfs"},"linux":{"seccomp":{"defaultAction":"SCMP_ACT_ERRNO","defaultErrnoRet":1e99,"syscalls":[{"names":["x"],"action":"SCMP_ACT_ALLOW","args":[{"index":"0","value":18446744073709551616,"op":7}]}]}}}'],
  ];
  for (const [name, text] of hostile) {
    it(`refuses hostile config.json: ${name}`, async () => {
      const bundle = ws.bundle();
      fs.writeFileSync(path.join(bundle, 'config.json'), text);
      const r = await createContainer(ws, bundle, ws.id('hostile'), [], { env, binary });
      clean(r.stderr);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^config/);
    });
  }

  it('writes v2 files on a fixture without errors', async () => {
    const root = fs.mkdtempSync(path.join(ws.dir, 'v2-'));
    const id = ws.id('asan-v2');
    for (const dir of [root, path.join(root, 'strata'), path.join(root, 'strata', id)]) {
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, 'cgroup.controllers'), 'cpu memory pids\n');
      for (const f of ['cgroup.subtree_control', 'cgroup.procs', 'memory.max', 'memory.swap.max', 'cpu.max', 'cpu.weight', 'pids.max']) {
        fs.writeFileSync(path.join(dir, f), '');
      }
    }
    const bundle = ws.bundle((c) => (c.linux.resources = { memory: { limit: 1 << 24, swap: 1 << 25 }, cpu: { shares: 262144, quota: 1000 }, pids: { limit: 1 } }));
    const r = await ws.rt(['cgroup-setup', '--bundle', bundle, '--pid', '1', id], {
      binary,
      env: { ...env, STRATA_CGROUP_ROOT: root, STRATA_CGROUP_DRIVER: 'v2' },
    });
    clean(r.stderr);
    expect(r.code).toBe(0);
    expect(fs.readFileSync(path.join(root, 'strata', id, 'cpu.weight'), 'utf8')).toBe('10000');
  });
});
