// seccomp as a user meets it (the built CLI, real containers, the real kernel): a default
// container is refused what Docker's default profile refuses, --security-opt
// seccomp=unconfined and --privileged lift the filter, a profile file of the user's is
// applied, exec'd processes are filtered too, and inspect says which filter a container has.
// The syscalls are made by a small static C program (test/fixtures/seccomp/probe.c),
// compiled here and put into a test image beside busybox.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestImage, buildLayers, makeLayer, makeTempDir, write, writeDockerArchive } from '../helpers/test-images';

let work: string;
let root: string;
const bin = path.resolve('bin/strata.js');
const PROBE_SOURCE = path.resolve('test/fixtures/seccomp/probe.c');
const IMAGE = 'test/seccomp:1';

function strata(...args: string[]): { code: number; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [bin, '--root', root, ...args], { encoding: 'utf8' });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** `name=result` lines of the probe as a map. */
function results(stdout: string): Record<string, string> {
  return Object.fromEntries(stdout.split('\n').filter((line) => line.includes('=')).map((line) => line.split('=') as [string, string]));
}

/** Runs the probes in a new container with the given flags. */
function probe(flags: string[], probes: string[]): Record<string, string> {
  const r = strata('run', '--rm', ...flags, IMAGE, '/bin/probe', ...probes);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return results(r.stdout);
}

function seccompLine(flags: string[]): string {
  const r = strata('run', '--rm', ...flags, IMAGE, 'sh', '-c', 'grep Seccomp: /proc/self/status');
  expect(r.stderr).toBe('');
  return r.stdout;
}

beforeAll(() => {
  work = makeTempDir('cli-seccomp');
  root = path.join(work, 'store');
  const probeBinary = path.join(work, 'probe');
  execFileSync('gcc', ['-static', '-O2', '-Wall', '-Wextra', '-Werror', '-o', probeBinary, PROBE_SOURCE]);
  const probeLayer = makeLayer(work, 'probe', (dir) => {
    write(dir, 'bin/probe', fs.readFileSync(probeBinary), 0o755);
    fs.mkdirSync(path.join(dir, 'mnt'));
  });
  const image: TestImage = { tag: IMAGE, layers: [buildLayers(work).base, probeLayer], cmd: ['/bin/sh'] };
  expect(strata('import', writeDockerArchive(work, [image])).code).toBe(0);
}, 120_000);

afterAll(() => {
  strata('rm', '-f', ...JSON.parse(strata('ps', '-a', '--json').stdout).map((c: { id: string }) => c.id));
  const mounts = fs.readFileSync('/proc/self/mountinfo', 'utf8');
  fs.rmSync(work, { recursive: true, force: true });
  expect(mounts).not.toContain(root);
});

describe('a container with the default profile', () => {
  it('runs in seccomp filter mode', () => {
    expect(seccompLine([])).toBe('Seccomp:\t2\n');
  });

  it("is refused what Docker's default profile refuses, with EPERM", () => {
    expect(probe([], [
      'unshare-user', 'unshare-mount', 'clone-newuser', 'clone-newns', 'setns', 'mount', 'keyctl', 'add_key', 'request_key',
      'kexec_load', 'bpf', 'kcmp', 'pidfd_getfd', 'personality-norandom', 'userfaultfd', 'io_uring_setup', 'sethostname',
    ])).toEqual({
      'unshare-user': 'EPERM', 'unshare-mount': 'EPERM', 'clone-newuser': 'EPERM', 'clone-newns': 'EPERM', setns: 'EPERM',
      mount: 'EPERM', keyctl: 'EPERM', add_key: 'EPERM', request_key: 'EPERM', kexec_load: 'EPERM', bpf: 'EPERM',
      kcmp: 'EPERM', pidfd_getfd: 'EPERM', 'personality-norandom': 'EPERM', userfaultfd: 'EPERM', io_uring_setup: 'EPERM',
      sethostname: 'EPERM',
    });
  });

  it('does what an ordinary program needs: fork, clone3 falling back (ENOSYS), chroot with CAP_SYS_CHROOT, ptrace of its own child (as Docker on kernels ≥ 4.8)', () => {
    expect(probe([], ['fork', 'clone3', 'personality-linux', 'chroot', 'mkdir', 'ptrace-attach'])).toEqual({
      fork: 'ok', clone3: 'ENOSYS', 'personality-linux': 'ok', chroot: 'ok', mkdir: 'ok', 'ptrace-attach': 'ok',
    });
  });

  it("refuses busybox's unshare -U and -m", () => {
    const r = strata('run', '--rm', IMAGE, 'sh', '-c', 'busybox unshare -U true; echo "-U $?"; busybox unshare -m true; echo "-m $?"');
    expect(r.stdout).toBe('-U 1\n-m 1\n');
    expect(r.stderr).toMatch(/unshare\(0x10000000\): Operation not permitted\n.*unshare\(0x20000\): Operation not permitted/s);
  });

  it("filters an exec'd process with the container's profile", () => {
    const id = strata('run', '-d', IMAGE, 'sleep', '600').stdout.trim();
    const exec = strata('exec', id, 'sh', '-c', 'grep Seccomp: /proc/self/status; /bin/probe keyctl mkdir');
    expect(exec).toEqual({ code: 0, stdout: 'Seccomp:\t2\nkeyctl=EPERM\nmkdir=ok\n', stderr: '' });
    expect(JSON.parse(strata('inspect', id).stdout)[0].security).toEqual({ seccomp: { mode: 'default' } });
    expect(strata('rm', '-f', id).code).toBe(0);
  });
});

describe('--security-opt seccomp=unconfined and --privileged', () => {
  it('unconfined: no filter; what only the filter refused now works (the container still lacks CAP_SYS_ADMIN)', () => {
    expect(seccompLine(['--security-opt', 'seccomp=unconfined'])).toBe('Seccomp:\t0\n');
    expect(probe(['--security-opt', 'seccomp=unconfined'], [
      'keyctl', 'add_key', 'kcmp', 'pidfd_getfd', 'personality-norandom', 'clone3', 'unshare-user', 'setns', 'mount',
    ])).toEqual({
      keyctl: 'ok', add_key: 'ok', kcmp: 'ok', pidfd_getfd: 'ok', 'personality-norandom': 'ok', clone3: 'ok', 'unshare-user': 'ok',
      setns: 'EBADF', // past the filter, to the kernel's own argument check
      mount: 'EPERM', // the kernel's: no CAP_SYS_ADMIN
    });
  });

  it('--privileged implies unconfined, as with Docker', () => {
    expect(seccompLine(['--privileged'])).toBe('Seccomp:\t0\n');
    const id = strata('run', '-d', '--privileged', IMAGE, 'true').stdout.trim();
    expect(JSON.parse(strata('inspect', id).stdout)[0].security).toEqual({ seccomp: { mode: 'unconfined' } });
    expect(strata('rm', '-f', id).code).toBe(0);
  });
});

describe('--security-opt seccomp=PROFILE.json', () => {
  it("applies a profile of the user's (Docker's format) and inspect shows its sha256", () => {
    const file = path.join(work, 'no-mkdir.json');
    const text = JSON.stringify({
      defaultAction: 'SCMP_ACT_ALLOW',
      archMap: [{ architecture: 'SCMP_ARCH_X86_64', subArchitectures: ['SCMP_ARCH_X86', 'SCMP_ARCH_X32'] }],
      syscalls: [
        { names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO' },
        { names: ['keyctl'], action: 'SCMP_ACT_ERRNO', includes: { caps: ['CAP_SYS_ADMIN'] } }, // not for this container
      ],
    });
    fs.writeFileSync(file, text);
    expect(probe(['--security-opt', `seccomp=${file}`], ['mkdir', 'keyctl', 'unshare-user'])).toEqual({ mkdir: 'EPERM', keyctl: 'ok', 'unshare-user': 'ok' });
    const id = strata('run', '-d', '--security-opt', `seccomp=${file}`, IMAGE, 'true').stdout.trim();
    expect(JSON.parse(strata('inspect', id).stdout)[0].security).toEqual({
      seccomp: { mode: 'custom', sha256: createHash('sha256').update(text).digest('hex') },
    });
    expect(strata('rm', '-f', id).code).toBe(0);
  });

  it('refuses a profile that cannot be read or is not one, before anything is made', () => {
    const bad = path.join(work, 'bad.json');
    fs.writeFileSync(bad, '{"defaultAction": "SCMP_ACT_MAYBE"}');
    const cases: [string[], RegExp][] = [
      [['--security-opt', `seccomp=${path.join(work, 'missing.json')}`], /--security-opt seccomp=.*missing\.json: cannot read .*missing\.json: ENOENT.*\[INVALID_ARGUMENT\]/],
      [['--security-opt', `seccomp=${bad}`], /seccomp profile: defaultAction: unknown action "SCMP_ACT_MAYBE".*\[INVALID_ARGUMENT\]/],
      [['--security-opt', 'seccomp'], /--security-opt "seccomp".*\[INVALID_ARGUMENT\]/],
    ];
    for (const [flags, message] of cases) {
      const r = strata('run', '--rm', ...flags, IMAGE, 'true');
      expect(r.code, flags.join(' ')).toBe(1);
      expect(r.stderr).toMatch(message);
    }
    expect(JSON.parse(strata('ps', '-a', '--json').stdout)).toEqual([]);
  });
});
