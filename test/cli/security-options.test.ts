// `strata run --cap-add/--cap-drop/--read-only/--security-opt` as a user types them (the
// built CLI, real containers): what the container holds and may do, what inspect shows,
// and each bad value refused with its code and exit status 1 before anything is made.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, testImages, writeDockerArchive } from '../helpers/test-images';

let work: string;
let root: string;
const bin = path.resolve('bin/strata.js');

function strata(args: string[], cwd?: string): { code: number; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [bin, '--root', root, ...args], { encoding: 'utf8', cwd });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** `strata run --rm --network none FLAGS test/a:1 sh -c SCRIPT`. */
const run = (flags: string[], script: string) => strata(['run', '--rm', '--network', 'none', ...flags, 'test/a:1', 'sh', '-c', script]);
const status = (key: string) => `busybox grep '^${key}:' /proc/self/status`;
const containerCount = () => (JSON.parse(strata(['ps', '-a', '--json']).stdout) as unknown[]).length;

beforeAll(() => {
  work = makeTempDir('cli-security');
  root = path.join(work, 'store');
  const { a } = testImages(work);
  expect(strata(['import', writeDockerArchive(work, [a])]).code).toBe(0);
});

afterAll(() => {
  const ids = (JSON.parse(strata(['ps', '-a', '--json']).stdout) as { id: string }[]).map((c) => c.id);
  if (ids.length) strata(['rm', '-f', ...ids]);
  const mounts = fs.readFileSync('/proc/self/mountinfo', 'utf8');
  fs.rmSync(work, { recursive: true, force: true });
  expect(mounts).not.toContain(root);
});

describe('strata run: capabilities', () => {
  it('--cap-drop ALL: CapEff 0; --cap-add SYS_ADMIN (any spelling): its bit', () => {
    expect(run(['--cap-drop', 'ALL'], status('CapEff'))).toEqual({ code: 0, stdout: 'CapEff:\t0000000000000000\n', stderr: '' });
    for (const name of ['SYS_ADMIN', 'cap_sys_admin']) {
      const added = run(['--cap-add', name], status('CapEff'));
      expect(added.code, name).toBe(0);
      expect((BigInt(`0x${added.stdout.split('\t')[1]!.trim()}`) >> 21n) & 1n, name).toBe(1n);
    }
    // Podman's comma list, and Docker's one a flag
    expect(run(['--cap-drop', 'all', '--cap-add', 'chown,kill', '--cap-add', 'SETUID'], status('CapEff')).stdout).toBe('CapEff:\t00000000000000a1\n');
  });

  it('--cap-drop chown: root’s chown fails with EPERM', () => {
    const result = run(['--cap-drop', 'chown'], 'busybox touch /tmp/f && busybox chown 1 /tmp/f');
    expect(result).toEqual({ code: 1, stdout: '', stderr: 'chown: /tmp/f: Operation not permitted\n' });
  });

  it('an unknown name: exit 1, INVALID_ARGUMENT naming it, nothing created', () => {
    const before = containerCount();
    expect(run(['--cap-add', 'SYS_WIZARD'], 'true')).toEqual({
      code: 1,
      stdout: '',
      stderr: 'strata run: --cap-add: unknown capability "SYS_WIZARD": expected a name such as NET_ADMIN or CAP_NET_ADMIN (any case; see capabilities(7)), or ALL [INVALID_ARGUMENT]\n',
    });
    expect(run(['--cap-drop', 'chown,nope'], 'true')).toMatchObject({ code: 1, stderr: expect.stringContaining('--cap-drop: unknown capability "nope"') });
    expect(containerCount()).toBe(before);
  });
});

describe('strata run: --read-only', () => {
  it('the root refuses writes (EROFS); /tmp and a volume take them', () => {
    const volume = path.join(work, 'data');
    fs.mkdirSync(volume);
    const result = run(['--read-only', '-v', `${volume}:/data`], 'busybox touch /x; echo "root $?"; echo a > /tmp/a && echo "tmp ok"; echo kept > /data/out && echo "data ok"');
    expect(result).toEqual({ code: 0, stdout: 'root 1\ntmp ok\ndata ok\n', stderr: 'touch: /x: Read-only file system\n' });
    expect(fs.readFileSync(path.join(volume, 'out'), 'utf8')).toBe('kept\n');
  });
});

describe('strata run: --security-opt', () => {
  it('no-new-privileges: on by default and with the bare option; =false turns it off', () => {
    expect(run([], status('NoNewPrivs')).stdout).toBe('NoNewPrivs:\t1\n');
    expect(run(['--security-opt', 'no-new-privileges'], status('NoNewPrivs')).stdout).toBe('NoNewPrivs:\t1\n');
    expect(run(['--security-opt', 'no-new-privileges=true'], status('NoNewPrivs')).stdout).toBe('NoNewPrivs:\t1\n');
    expect(run(['--security-opt', 'no-new-privileges=false'], status('NoNewPrivs')).stdout).toBe('NoNewPrivs:\t0\n');
  });

  it('label=disable and apparmor=unconfined run, with a warning that they change nothing', () => {
    const result = run(['--security-opt', 'label=disable', '--security-opt', 'apparmor=unconfined'], 'echo ran');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('ran\n');
    expect(result.stderr).toMatch(/^strata run: warning: --security-opt "label=disable": Strata applies no SELinux labels.*\nstrata run: warning: --security-opt "apparmor=unconfined": Strata applies no AppArmor profile.*\n$/);
  });

  it('refuses what it cannot apply (UNSUPPORTED) and what it does not know (INVALID_ARGUMENT), exit 1, nothing created', () => {
    const before = containerCount();
    for (const [option, code] of [
      ['apparmor=docker-default', 'UNSUPPORTED'],
      ['label=type:container_t', 'UNSUPPORTED'],
      ['systempaths=unconfined', 'UNSUPPORTED'],
      ['bogus=1', 'INVALID_ARGUMENT'],
      ['no-new-privileges=maybe', 'INVALID_ARGUMENT'],
      ['seccomp=', 'INVALID_ARGUMENT'],
    ]) {
      const result = run(['--security-opt', option!], 'true');
      expect(result.code, option).toBe(1);
      expect(result.stderr, option).toMatch(new RegExp(`^strata run: --security-opt "${option!.replace(/[=:]/g, '[=:]')}": .* \\[${code}\\]\\n$`));
    }
    expect(containerCount()).toBe(before);
  });

  it('seccomp=PATH sends the file’s text (a path relative to where the CLI runs); a missing or non-JSON file is refused', () => {
    const profile = JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [] });
    fs.writeFileSync(path.join(work, 'profile.json'), profile);
    fs.writeFileSync(path.join(work, 'profile.yaml'), 'defaultAction: SCMP_ACT_ALLOW\n');
    const created = strata(['run', '-d', '--network', 'none', '--name', 'profiled', '--security-opt', 'seccomp=profile.json', 'test/a:1', 'true'], work);
    expect(created.code, created.stderr).toBe(0);
    const [record] = JSON.parse(strata(['inspect', 'profiled']).stdout) as { options: Record<string, unknown> }[];
    expect(record!.options.seccompProfile).toBe(profile);
    expect(strata(['rm', '-f', 'profiled']).code).toBe(0);

    const missing = strata(['run', '--rm', '--security-opt', 'seccomp=nope.json', 'test/a:1', 'true'], work);
    expect(missing).toMatchObject({ code: 1, stderr: `strata run: --security-opt seccomp=nope.json: cannot read ${path.join(work, 'nope.json')}: ENOENT [INVALID_ARGUMENT]\n` });
    const yaml = strata(['run', '--rm', '--security-opt', `seccomp=${path.join(work, 'profile.yaml')}`, 'test/a:1', 'true']);
    expect(yaml).toMatchObject({ code: 1, stderr: expect.stringMatching(/profile\.yaml is not a JSON seccomp profile: .* \[INVALID_ARGUMENT\]\n$/) });
    expect(strata(['run', '--rm', '--security-opt', `seccomp=${work}`, 'test/a:1', 'true'])).toMatchObject({ code: 1, stderr: expect.stringContaining('is not a file [INVALID_ARGUMENT]') });
  });
});

describe('strata create', () => {
  it('makes the container run would start, with the same flags, without starting it; start runs it; inspect says how it is confined', () => {
    const created = strata(['create', '--network', 'none', '--name', 'made', '--cap-drop', 'ALL', '--security-opt', 'seccomp=unconfined', 'test/a:1', 'sh', '-c', status('CapEff') + '; ' + status('Seccomp')]);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toMatch(/^[0-9a-f]{64}\n$/);
    const [record] = JSON.parse(strata(['inspect', 'made']).stdout) as { state: { status: string }; options: Record<string, unknown>; security: unknown }[];
    expect(record!.state.status).toBe('created');
    expect(record!.options).toMatchObject({ capDrop: ['ALL'], seccompProfile: 'unconfined' });
    expect(record!.security).toEqual({ seccomp: { mode: 'unconfined' } });
    expect(strata(['start', 'made']).code).toBe(0);
    expect(strata(['wait', 'made']).stdout).toBe('0\n');
    expect(strata(['logs', 'made']).stdout).toBe('CapEff:\t0000000000000000\nSeccomp:\t0\n');
    expect(strata(['create', '--cap-add', 'NOT_A_CAP', 'test/a:1', 'true'])).toMatchObject({ code: 1, stderr: expect.stringContaining('[INVALID_ARGUMENT]') });
    expect(strata(['rm', 'made']).code).toBe(0);
  });
});

describe('strata inspect and --help', () => {
  it('inspect shows the capabilities, the read-only root and the security options as the engine keeps them', () => {
    const created = strata(['run', '-d', '--network', 'none', '--name', 'locked', '--cap-add', 'net_admin', '--cap-drop', 'CAP_MKNOD', '--cap-drop', 'net_raw', '--read-only', '--security-opt', 'no-new-privileges=false', '--security-opt', 'seccomp=unconfined', 'test/a:1', 'true']);
    expect(created.code, created.stderr).toBe(0);
    const [record] = JSON.parse(strata(['inspect', 'locked']).stdout) as { options: Record<string, unknown> }[];
    expect(record!.options).toMatchObject({ capAdd: ['CAP_NET_ADMIN'], capDrop: ['CAP_MKNOD', 'CAP_NET_RAW'], readonlyRootfs: true, noNewPrivileges: false, seccompProfile: 'unconfined' });
    // without the flags, none of the fields: the defaults apply
    expect(strata(['run', '-d', '--network', 'none', '--name', 'plain', 'test/a:1', 'true']).code).toBe(0);
    const [plain] = JSON.parse(strata(['inspect', 'plain']).stdout) as { options: Record<string, unknown> }[];
    for (const key of ['capAdd', 'capDrop', 'readonlyRootfs', 'noNewPrivileges', 'seccompProfile']) expect(plain!.options, key).not.toHaveProperty(key);
    expect(strata(['rm', '-f', 'locked', 'plain']).code).toBe(0);
  });

  it('run --help names the flags', () => {
    const help = strata(['run', '--help']);
    expect(help.code).toBe(0);
    for (const flag of ['--cap-add CAP', '--cap-drop CAP', '--read-only', '--security-opt seccomp=unconfined|PATH', '--security-opt no-new-privileges[=true|false]']) expect(help.stdout).toContain(flag);
  });
});
