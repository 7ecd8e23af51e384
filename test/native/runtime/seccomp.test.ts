// linux.seccomp in strata-runtime on the real kernel: the filter libseccomp compiles is
// in force in the container's process and in every exec'd one, each action does what
// the kernel does for it, argument comparisons match as the spec says, and a profile
// the runtime cannot honour is refused with its class before anything is made.
import fs from 'node:fs';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import type { OciConfig, OciSeccomp, OciSeccompArg, OciSeccompRule } from '../../../src-main/engine/runtime';
import { DEFAULT_CAPABILITIES, RUNTIME_SECCOMP_CACHE, runRuntime } from '../../../src-main/engine/runtime';
import { seccompFor } from '../../../src-main/engine/runtime/seccomp-profile';
import { createContainer, inContainer, statusField, useWorkspace } from './harness';

const ws = useWorkspace();

/** Everything allowed but the rules given: the shell runs whatever the test needs. */
function allowBut(...syscalls: OciSeccompRule[]): OciSeccomp {
  return { defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'], syscalls };
}

/** busybox's mkdir may call either, depending on the libc it was built with. */
const MKDIR = ['mkdir', 'mkdirat'];

function withSeccomp(seccomp: unknown) {
  return (c: OciConfig) => {
    (c.linux as Record<string, unknown>).seccomp = seccomp;
  };
}

describe('a container under a seccomp profile', () => {
  it('runs in filter mode (Seccomp: 2)', async () => {
    const r = await inContainer(ws, 'cat /proc/self/status', withSeccomp(allowBut({ names: MKDIR, action: 'SCMP_ACT_ERRNO' })));
    expect(r.code).toBe(0);
    expect(statusField(r.stdout, 'Seccomp')).toBe('2');
    expect(statusField(r.stdout, 'Seccomp_filters')).toBe('1');
  });

  it('returns errnoRet for SCMP_ACT_ERRNO, EPERM when it is absent', async () => {
    const profile = allowBut({ names: MKDIR, action: 'SCMP_ACT_ERRNO', errnoRet: 13 }, { names: ['rmdir'], action: 'SCMP_ACT_ERRNO' });
    const r = await inContainer(ws, 'mkdir /tmp/d; rmdir /tmp; echo done', withSeccomp(profile));
    expect(r.stderr).toContain("can't create directory '/tmp/d': Permission denied");
    expect(r.stderr).toMatch(/rmdir: '\/tmp': Operation not permitted/);
    expect(r.stdout).toBe('done\n');
  });

  it('kills the caller with SIGSYS for KILL, KILL_THREAD, KILL_PROCESS and TRAP', async () => {
    for (const action of ['SCMP_ACT_KILL', 'SCMP_ACT_KILL_THREAD', 'SCMP_ACT_KILL_PROCESS', 'SCMP_ACT_TRAP'] as const) {
      // the inner shell makes the syscall and dies; the outer one reports how
      const r = await inContainer(ws, "sh -c 'mkdir /tmp/k'; echo status=$?", (c) => {
        withSeccomp(allowBut({ names: MKDIR, action }))(c);
        c.process.rlimits = [{ type: 'RLIMIT_CORE', soft: 0, hard: 0 }]; // SIGSYS dumps core: not here
      }, 'kill');
      expect(r.stdout, action).toBe('status=159\n'); // 128 + SIGSYS (31)
    }
  });

  it('lets SCMP_ACT_LOG and SCMP_ACT_ALLOW through; TRACE without a tracer is ENOSYS', async () => {
    const logged = await inContainer(ws, 'mkdir /tmp/l && echo made', withSeccomp(allowBut({ names: MKDIR, action: 'SCMP_ACT_LOG' })));
    expect(logged).toMatchObject({ code: 0, stdout: 'made\n' });
    // a rule that repeats the default action is redundant (libseccomp refuses it): skipped
    const redundant = await inContainer(ws, 'mkdir /tmp/a && echo made', withSeccomp(allowBut({ names: MKDIR, action: 'SCMP_ACT_ALLOW' })));
    expect(redundant).toMatchObject({ code: 0, stdout: 'made\n' });
    const traced = await inContainer(ws, 'mkdir /tmp/t', withSeccomp(allowBut({ names: MKDIR, action: 'SCMP_ACT_TRACE', errnoRet: 1 })));
    expect(traced.stderr).toContain('Function not implemented');
  });

  it("answers what no rule names with defaultAction and defaultErrnoRet (the engine's default profile)", async () => {
    const profile = seccompFor({}, DEFAULT_CAPABILITIES)!;
    const r = await inContainer(ws, 'busybox unshare -m true; echo $?', withSeccomp({ ...profile, defaultErrnoRet: 38 }));
    expect(r).toMatchObject({ code: 0, stdout: '1\n' });
    expect(r.stderr).toContain('Function not implemented');
  });

  it('skips syscall names it does not know, as runc does', async () => {
    const profile = allowBut({ names: ['strata_no_such_syscall', ...MKDIR], action: 'SCMP_ACT_ERRNO' });
    const r = await inContainer(ws, 'mkdir /tmp/u', withSeccomp(profile));
    expect(r.stderr).toContain('Operation not permitted');
  });

});

describe('argument comparisons', () => {
  // kill(pid, 0) with pids no process has: ESRCH normally, EACCES (errnoRet 13) where the
  // rule matches. The pids are far above what the container's few processes get.
  async function blocked(args: OciSeccompArg[], pids: number[], signal = 0): Promise<number[]> {
    const profile = allowBut({ names: ['kill'], action: 'SCMP_ACT_ERRNO', errnoRet: 13, args });
    const script = pids.map((pid) => `kill -${signal} ${pid} 2>&1 | grep -q 'denied' && echo ${pid}`).join('; ');
    const r = await inContainer(ws, `${script}; true`, withSeccomp(profile), 'args');
    expect(r.code).toBe(0);
    return r.stdout.split('\n').filter(Boolean).map(Number);
  }

  const ops: [OciSeccompArg['op'], number[]][] = [
    ['SCMP_CMP_EQ', [1000]],
    ['SCMP_CMP_NE', [999, 1001]],
    ['SCMP_CMP_LT', [999]],
    ['SCMP_CMP_LE', [999, 1000]],
    ['SCMP_CMP_GE', [1000, 1001]],
    ['SCMP_CMP_GT', [1001]],
  ];
  for (const [op, matching] of ops) {
    it(`${op} 1000`, async () => {
      expect(await blocked([{ index: 0, value: 1000, op }], [999, 1000, 1001])).toEqual(matching);
    });
  }

  it('SCMP_CMP_MASKED_EQ: value is the mask, valueTwo the result', async () => {
    expect(await blocked([{ index: 0, value: 0xff00, valueTwo: 0x1200, op: 'SCMP_CMP_MASKED_EQ' }], [0x1234, 0x12ff, 0x1334, 0x2234])).toEqual([0x1234, 0x12ff]);
  });

  it('ANDs conditions on different arguments, ORs conditions on the same one', async () => {
    const both: OciSeccompArg[] = [{ index: 0, value: 1000, op: 'SCMP_CMP_EQ' }, { index: 1, value: 0, op: 'SCMP_CMP_EQ' }];
    expect(await blocked(both, [1000, 1001])).toEqual([1000]);
    expect(await blocked(both, [1000], 1)).toEqual([]); // SIGHUP: the second condition fails
    const either: OciSeccompArg[] = [{ index: 0, value: 1000, op: 'SCMP_CMP_EQ' }, { index: 0, value: 1002, op: 'SCMP_CMP_EQ' }];
    expect(await blocked(either, [1000, 1001, 1002])).toEqual([1000, 1002]);
  });
});

describe('where the filter is loaded', () => {
  const profile = allowBut({ names: MKDIR, action: 'SCMP_ACT_ERRNO', errnoRet: 13 });

  // Without no_new_privs, loading a filter takes CAP_SYS_ADMIN, which these processes
  // never have: they run only if it is loaded before their capabilities are set.
  it('without noNewPrivileges: before the capabilities go', async () => {
    const r = await inContainer(ws, 'cat /proc/self/status; mkdir /tmp/n', (c) => {
      withSeccomp(profile)(c);
      c.process.noNewPrivileges = false;
      c.process.user = { uid: 1000, gid: 1000 };
    });
    expect(statusField(r.stdout, 'Seccomp')).toBe('2');
    expect(statusField(r.stdout, 'NoNewPrivs')).toBe('0');
    expect(r.stderr).toContain('Permission denied');
  });

  it("gives every exec'd process the container's filter, with ARGS or a process file", async () => {
    const bundle = ws.bundle((c) => {
      c.process.args = ['sleep', '600'];
      withSeccomp(profile)(c);
    });
    const id = ws.id('exec');
    expect((await createContainer(ws, bundle, id)).code).toBe(0);
    expect((await ws.rt(['start', id])).code).toBe(0);
    const attached = await ws.rt(['exec', id, '--', 'sh', '-c', 'grep Seccomp: /proc/self/status; mkdir /tmp/e']);
    expect(attached.stdout).toBe('Seccomp:\t2\n');
    expect(attached.stderr).toContain("can't create directory '/tmp/e': Permission denied");
    // a process file: no noNewPrivileges, so the filter goes in before its capabilities go
    const file = path.join(ws.dir, 'seccomp-process.json');
    fs.writeFileSync(file, JSON.stringify({ args: ['sh', '-c', 'grep -E "Seccomp:|NoNewPrivs" /proc/self/status; mkdir /tmp/f'], cwd: '/', env: ['PATH=/bin'], user: { uid: 1000, gid: 1000 } }));
    const fromFile = await ws.rt(['exec', '--process', file, id]);
    expect(fromFile.stdout).toBe('NoNewPrivs:\t0\nSeccomp:\t2\n');
    expect(fromFile.stderr).toContain('Permission denied');
    expect((await ws.rt(['delete', '--force', id])).code).toBe(0);
  });

  it('takes the architectures and filter flags it is given', async () => {
    const r = await inContainer(ws, 'grep Seccomp: /proc/self/status', withSeccomp({
      ...profile,
      architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32', 'SCMP_ARCH_AARCH64'],
      flags: ['SECCOMP_FILTER_FLAG_TSYNC', 'SECCOMP_FILTER_FLAG_LOG', 'SECCOMP_FILTER_FLAG_SPEC_ALLOW'],
    }));
    expect(r).toEqual({ code: 0, stdout: 'Seccomp:\t2\n', stderr: '' });
  });
});

describe('profiles it refuses', () => {
  const rule = (extra: Record<string, unknown>) => ({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO', ...extra }] });
  const cases: [string, unknown, string, RegExp][] = [
    ['not an object', 'strict', 'INVALID_ARGUMENT', /linux\.seccomp: must be an object/],
    ['no default action', { syscalls: [] }, 'INVALID_ARGUMENT', /linux\.seccomp\.defaultAction: required/],
    ['an unknown default action', { defaultAction: 'SCMP_ACT_MAYBE' }, 'INVALID_ARGUMENT', /defaultAction: unknown action SCMP_ACT_MAYBE/],
    ['errnoRet on an action without one', { defaultAction: 'SCMP_ACT_ALLOW', defaultErrnoRet: 1 }, 'INVALID_ARGUMENT', /defaultErrnoRet: only SCMP_ACT_ERRNO and SCMP_ACT_TRACE take one, not SCMP_ACT_ALLOW/],
    ['errnoRet out of range', rule({ errnoRet: 70000 }), 'INVALID_ARGUMENT', /syscalls\[0\]\.errnoRet: must be an integer from 0 to 65535/],
    ['an unknown architecture', { defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_Z80'] }, 'INVALID_ARGUMENT', /architectures\[0\]: unknown architecture SCMP_ARCH_Z80/],
    ['an unknown flag', { defaultAction: 'SCMP_ACT_ALLOW', flags: ['SECCOMP_FILTER_FLAG_FAST'] }, 'INVALID_ARGUMENT', /flags\[0\]: unknown flag SECCOMP_FILTER_FLAG_FAST/],
    ['an unknown rule action', { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_NOPE' }] }, 'INVALID_ARGUMENT', /syscalls\[0\]\.action: unknown action SCMP_ACT_NOPE/],
    ['a rule without names', { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: [], action: 'SCMP_ACT_ERRNO' }] }, 'INVALID_ARGUMENT', /syscalls\[0\]\.names: required, at least one name/],
    ['an empty name', rule({ names: ['mkdir', ''] }), 'INVALID_ARGUMENT', /syscalls\[0\]\.names\[1\]: must not be empty/],
    ['an unknown operator', rule({ args: [{ index: 0, value: 1, op: 'SCMP_CMP_LIKE' }] }), 'INVALID_ARGUMENT', /args\[0\]\.op: unknown operator SCMP_CMP_LIKE/],
    ['an argument index past 5', rule({ args: [{ index: 6, value: 1, op: 'SCMP_CMP_EQ' }] }), 'INVALID_ARGUMENT', /args\[0\]\.index: required, 0 to 5/],
    ['a negative value', rule({ args: [{ index: 0, value: -1, op: 'SCMP_CMP_EQ' }] }), 'INVALID_ARGUMENT', /args\[0\]\.value: required, an unsigned 64-bit integer/],
    ['SCMP_ACT_NOTIFY', rule({ action: 'SCMP_ACT_NOTIFY' }), 'UNSUPPORTED', /syscalls\[0\]\.action: SCMP_ACT_NOTIFY \(a listener\) is not supported/],
    ['a listener', { defaultAction: 'SCMP_ACT_ALLOW', listenerPath: '/run/listener.sock' }, 'UNSUPPORTED', /listenerPath: a notify listener is not supported/],
    ['one condition with two actions', { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [
      { names: ['mkdir'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: 1, op: 'SCMP_CMP_EQ' }] },
      { names: ['mkdir'], action: 'SCMP_ACT_KILL', args: [{ index: 0, value: 1, op: 'SCMP_CMP_EQ' }] },
    ] }, 'INVALID_ARGUMENT', /syscalls\[1\]: mkdir: libseccomp refused the rule: File exists/],
  ];
  for (const [name, seccomp, code, message] of cases) {
    it(`${name}: ${code}, nothing made`, async () => {
      const bundle = ws.bundle(withSeccomp(seccomp));
      const id = ws.id('bad');
      const r = await runRuntime(['create', '--bundle', bundle, id], { root: ws.root });
      expect(r.code).toBe(1);
      const error = JSON.parse(r.stderr.trim()) as { code: string; msg: string };
      expect(error.code).toBe(code);
      expect(error.msg).toMatch(/^config\.json: linux\.seccomp/);
      expect(error.msg).toMatch(message);
      expect(fs.existsSync(path.join(ws.root, id))).toBe(false);
    });
  }
});

describe('the compiled-program cache (<root>/+seccomp)', () => {
  // a workspace of its own, so its root's cache holds only what these tests put there
  const cws = useWorkspace();
  const profile = allowBut({ names: MKDIR, action: 'SCMP_ACT_ERRNO', errnoRet: 13 });
  const cacheDir = () => path.join(cws.root, RUNTIME_SECCOMP_CACHE);
  const files = () => fs.readdirSync(cacheDir()).sort();
  const mkdirRefused = async () => {
    const r = await inContainer(cws, 'mkdir /tmp/c', withSeccomp(profile), 'cache');
    expect(r.stderr).toContain('Permission denied');
  };

  it('keeps a compiled profile in a directory only its owner may use, and uses it again', async () => {
    await mkdirRefused();
    expect(files()).toHaveLength(1);
    expect(fs.statSync(cacheDir()).mode & 0o777).toBe(0o700);
    const file = path.join(cacheDir(), files()[0]!);
    const compiled = fs.readFileSync(file);
    expect(compiled.subarray(0, 17).toString()).toBe('strata-seccomp 1\n');
    expect(compiled.toString('latin1')).toContain('"SCMP_ACT_ERRNO"'); // the key: the profile itself
    await mkdirRefused();
    expect(files()).toEqual([path.basename(file)]);
    expect(fs.readFileSync(file).equals(compiled)).toBe(true);
  });

  it('compiles again over a damaged file or one of another key', async () => {
    const file = path.join(cacheDir(), files()[0]!);
    const good = fs.readFileSync(file);
    for (const damaged of [Buffer.from('garbage'), good.subarray(0, good.length - 3), Buffer.concat([good, Buffer.from('x')]), Buffer.from(good.toString('latin1').replace('SCMP_ACT_ERRNO', 'SCMP_ACT_ALLOX'), 'latin1')]) {
      fs.writeFileSync(file, damaged);
      await mkdirRefused();
      expect(fs.readFileSync(file).equals(good)).toBe(true);
    }
  });

  it('leaves a directory others may write alone, and empties a full one before adding', async () => {
    fs.chmodSync(cacheDir(), 0o777);
    fs.rmSync(path.join(cacheDir(), files()[0]!));
    await mkdirRefused();
    expect(files()).toEqual([]); // not trusted: not read, not written
    fs.chmodSync(cacheDir(), 0o700);
    for (let i = 0; i < 64; i++) fs.writeFileSync(path.join(cacheDir(), `${String(i).padStart(16, '0')}.bpf`), 'old');
    await mkdirRefused();
    expect(files()).toHaveLength(1);
    expect(fs.readFileSync(path.join(cacheDir(), files()[0]!)).subarray(0, 17).toString()).toBe('strata-seccomp 1\n');
  });
});
