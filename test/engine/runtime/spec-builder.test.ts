import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ContainerOptions } from '../../../src-main/engine/containers/options';
import type { RunConfig } from '../../../src-main/engine/images/oci';
import { DEFAULT_DEVICE_RULES } from '../../../src-main/engine/runtime/device-policy';
import { defaultMounts } from '../../../src-main/engine/runtime/oci-config';
import { DOCKER_CAPABILITIES, DOCKER_MASKED_PATHS, DOCKER_READONLY_PATHS } from '../../helpers/docker-defaults';
import { buildSpec, openFilesLimit, type SpecInput } from '../../../src-main/engine/runtime/spec-builder';
import { StrataError } from '@shared/errors';

const ID = 'ab12cd34ef56'.padEnd(64, '0');
const PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const MiB = 1024 * 1024;

const FILES: Record<string, string> = {
  '/etc/passwd': 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\n',
  '/etc/group': 'root:x:0:\napp:x:1000:\nstaff:x:50:app\naudio:x:29:other,app\n',
};

function spec(image: RunConfig, options: ContainerOptions = {}, extra: Partial<SpecInput> = {}) {
  return buildSpec({
    id: ID,
    image,
    options,
    rootfs: '/var/lib/strata/containers/x/rootfs',
    cgroupsPath: `/strata/${ID}`,
    readImageFile: (p) => (FILES[p] === undefined ? undefined : Buffer.from(FILES[p])),
    cgroupNamespace: false, // a v1 host's spec, wherever the tests run (the v2 one: below)
    ...extra,
  });
}

function invalid(fn: () => unknown): StrataError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(StrataError);
    expect((error as StrataError).code).toBe('INVALID_ARGUMENT');
    return error as StrataError;
  }
  throw new Error('expected INVALID_ARGUMENT');
}

describe('buildSpec: the command line', () => {
  it.each<[string, RunConfig, ContainerOptions, string[]]>([
    ['image Cmd only', { Cmd: ['sh', '-c', 'echo hi'] }, {}, ['sh', '-c', 'echo hi']],
    ['Entrypoint + Cmd', { Entrypoint: ['/tini', '--'], Cmd: ['server'] }, {}, ['/tini', '--', 'server']],
    ['Entrypoint only', { Entrypoint: ['/app'] }, {}, ['/app']],
    ['a command replaces Cmd', { Cmd: ['server'] }, { command: ['echo', 'x'] }, ['echo', 'x']],
    ['a command keeps the Entrypoint', { Entrypoint: ['/tini', '--'], Cmd: ['server'] }, { command: ['worker'] }, ['/tini', '--', 'worker']],
    ['--entrypoint drops the image Cmd', { Entrypoint: ['/tini'], Cmd: ['server'] }, { entrypoint: ['/bin/sh'] }, ['/bin/sh']],
    ['--entrypoint with a command', { Entrypoint: ['/tini'], Cmd: ['server'] }, { entrypoint: ['/bin/sh'], command: ['-c', 'id'] }, ['/bin/sh', '-c', 'id']],
    ['--entrypoint "" with a command', { Entrypoint: ['/tini'], Cmd: ['server'] }, { entrypoint: [], command: ['id'] }, ['id']],
    ['null Entrypoint from a Docker image', { Entrypoint: null, Cmd: ['true'] }, {}, ['true']],
  ])('%s', (_, image, options, args) => {
    expect(spec(image, options).process.args).toEqual(args);
  });

  it.each<[string, RunConfig, ContainerOptions, string]>([
    ['an empty image', {}, {}, 'no command: the image has no Cmd or Entrypoint; give one'],
    ['empty Cmd and Entrypoint', { Cmd: [], Entrypoint: [] }, {}, 'no command: the image has no Cmd or Entrypoint; give one'],
    ['--entrypoint "" without a command', { Cmd: ['server'] }, { entrypoint: [] }, 'no command: the image has no Cmd or Entrypoint; give one'],
    ['an empty program name', {}, { command: [''] }, 'the command is an empty string: give a program to run'],
  ])('refuses %s', (_, image, options, message) => {
    expect(invalid(() => spec(image, options)).message).toBe(message);
  });
});

describe('buildSpec: environment, user, working directory, hostname', () => {
  it('defaults PATH, sets HOSTNAME and HOME, lets the user override the image by key', () => {
    const s = spec({ Cmd: ['true'], Env: ['A=image', 'B=image', 'malformed', '=nokey'] }, { env: ['B=user', 'C=user=x'] });
    expect(s.process.env).toEqual([PATH, 'HOSTNAME=ab12cd34ef56', 'A=image', 'B=user', 'C=user=x', 'HOME=/root']);
    expect(s.hostname).toBe('ab12cd34ef56');
  });

  it('keeps the image PATH and the given HOME and HOSTNAME', () => {
    const s = spec({ Cmd: ['true'], Env: ['PATH=/opt/bin', 'HOME=/srv'] }, { env: ['HOSTNAME=custom'], hostname: 'web' });
    expect(s.process.env).toEqual(['PATH=/opt/bin', 'HOSTNAME=custom', 'HOME=/srv']);
    expect(s.hostname).toBe('web');
  });

  it('runs as root by default', () => {
    const s = spec({ Cmd: ['true'] });
    expect(s.process.user).toEqual({ uid: 0, gid: 0 });
    expect(s.process.cwd).toBe('/');
  });

  it('resolves a user by name with its supplementary groups and home', () => {
    const s = spec({ Cmd: ['true'], User: 'root' }, { user: 'app' });
    expect(s.process.user).toEqual({ uid: 1000, gid: 1000, additionalGids: [50, 29] });
    expect(s.process.env).toContain('HOME=/home/app');
  });

  it('takes the image User when none is given, and uid:gid as is', () => {
    expect(spec({ Cmd: ['true'], User: 'app:staff' }).process.user).toEqual({ uid: 1000, gid: 50 });
    expect(spec({ Cmd: ['true'] }, { user: '4242:4343' }).process.user).toEqual({ uid: 4242, gid: 4343 });
    expect(() => spec({ Cmd: ['true'] }, { user: 'ghost' })).toThrow(expect.objectContaining({ code: 'NOT_FOUND', message: expect.stringMatching(/unable to find user ghost/) }));
  });

  it.each<[RunConfig, ContainerOptions, string]>([
    [{ WorkingDir: '/srv' }, {}, '/srv'],
    [{ WorkingDir: '' }, {}, '/'],
    [{ WorkingDir: '/srv' }, { workdir: '/data' }, '/data'],
  ])('working directory: image %j, options %j → %s', (image, options, cwd) => {
    expect(spec({ Cmd: ['true'], ...image }, options).process.cwd).toBe(cwd);
  });

  it('refuses a relative working directory', () => {
    expect(invalid(() => spec({ Cmd: ['true'], WorkingDir: 'srv' })).message).toMatch(/working directory "srv": must be an absolute path/);
    invalid(() => spec({ Cmd: ['true'] }, { workdir: 'data' }));
  });
});

describe('buildSpec: a terminal', () => {
  it('none by default; -t asks the runtime for one, 24x80 until a client says otherwise', () => {
    expect(spec({ Cmd: ['sh'] }).process).toMatchObject({ terminal: false });
    expect(spec({ Cmd: ['sh'] }).process.consoleSize).toBeUndefined();
    expect(spec({ Cmd: ['sh'] }, { tty: true, interactive: true }).process).toMatchObject({ terminal: true, consoleSize: { height: 24, width: 80 } });
  });

  it('-i without -t: no terminal (the shim keeps a pipe to its stdin instead, start-container.ts)', () => {
    expect(spec({ Cmd: ['sh'] }, { interactive: true }).process).toMatchObject({ terminal: false });
  });
});

describe('buildSpec: isolation and security defaults', () => {
  const s = spec({ Cmd: ['true'], ExposedPorts: { '80/tcp': {} }, Volumes: { '/data': {} } });

  it('isolates pid, mount, uts, ipc and network; no user namespace', () => {
    expect(s.linux.namespaces?.map((n) => n.type).sort()).toEqual(['ipc', 'mount', 'network', 'pid', 'uts']);
  });

  it("gives Docker's capability set, nothing inheritable or ambient, and no new privileges", () => {
    const caps = s.process.capabilities!;
    // against Docker's list written out (test/helpers/docker-defaults.ts), not the engine's own constant
    for (const set of ['bounding', 'effective', 'permitted'] as const) expect([...caps[set]!].sort()).toEqual([...DOCKER_CAPABILITIES].sort());
    expect(caps.inheritable).toEqual([]);
    expect(caps.ambient).toEqual([]);
    expect(s.process.noNewPrivileges).toBe(true);
  });

  it('masks and write-protects the default paths, limits open files like Docker', () => {
    expect([...s.linux.maskedPaths!].sort()).toEqual([...DOCKER_MASKED_PATHS].sort());
    expect([...s.linux.readonlyPaths!].sort()).toEqual([...DOCKER_READONLY_PATHS].sort());
    expect(s.process.rlimits).toEqual([{ type: 'RLIMIT_NOFILE', soft: openFilesLimit(), hard: openFilesLimit() }]);
    expect(spec({ Cmd: ['true'] }, {}, { maxOpenFiles: 1048576 }).process.rlimits).toEqual([{ type: 'RLIMIT_NOFILE', soft: 1048576, hard: 1048576 }]);
    expect(s.process.oomScoreAdj).toBe(0);
    expect(s.linux.devices).toBeUndefined();
  });

  it('roots at the overlay, read-write, in the given cgroup, with the default mounts only', () => {
    expect(s.ociVersion).toMatch(/^1\./);
    expect(s.root).toEqual({ path: '/var/lib/strata/containers/x/rootfs', readonly: false });
    expect(s.linux.cgroupsPath).toBe(`/strata/${ID}`);
    expect(s.mounts).toEqual(defaultMounts()); // image Volumes are not mounted yet
    expect(s.linux.resources).toEqual({ devices: DEFAULT_DEVICE_RULES }); // spec-builder-devices.test.ts checks the table
  });

  it('on a cgroup v2 host: a cgroup namespace and its cgroup at /sys/fs/cgroup, read-only unless --privileged', () => {
    const v2 = spec({ Cmd: ['true'] }, {}, { cgroupNamespace: true });
    expect(v2.linux.namespaces?.map((n) => n.type).sort()).toEqual(['cgroup', 'ipc', 'mount', 'network', 'pid', 'uts']);
    const cgroupMount = { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'relatime', 'ro'] };
    expect(v2.mounts).toEqual([...defaultMounts(), cgroupMount]); // after /sys, which it is below
    const privileged = spec({ Cmd: ['true'] }, { privileged: true }, { cgroupNamespace: true });
    expect(privileged.mounts?.find((m) => m.destination === '/sys/fs/cgroup')?.options).toEqual(['nosuid', 'noexec', 'nodev', 'relatime']);
    // a volume at the same place replaces it, as it replaces any default mount
    const volume = spec({ Cmd: ['true'] }, { volumes: [{ source: '/srv/cg', destination: '/sys/fs/cgroup', readonly: true }] }, { cgroupNamespace: true });
    expect(volume.mounts?.filter((m) => m.destination === '/sys/fs/cgroup').map((m) => m.type)).toEqual(['bind']);
  });

  it('annotates the id and the labels, the image labels first', () => {
    const labelled = spec({ Cmd: ['true'], Labels: { a: 'image', b: 'image' } }, { labels: { b: 'user', c: '' } });
    expect(labelled.annotations).toEqual({ 'io.strata.container.id': ID, 'io.strata.label.a': 'image', 'io.strata.label.b': 'user', 'io.strata.label.c': '' });
  });

  it('refuses an id that is not 64 hex digits and a relative rootfs', () => {
    invalid(() => spec({ Cmd: ['true'] }, {}, { id: 'short' }));
    invalid(() => spec({ Cmd: ['true'] }, {}, { rootfs: 'rootfs' }));
  });

  it("filters syscalls with the default profile, resolved for the container's capabilities (seccomp-profile.test.ts checks it)", () => {
    expect(s.linux.seccomp).toMatchObject({ defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: 1 });
    const names = (config: typeof s) => config.linux.seccomp?.syscalls?.filter((rule) => rule.action === 'SCMP_ACT_ALLOW' && !rule.args).flatMap((rule) => rule.names) ?? [];
    expect(names(s)).not.toContain('mount');
    // --privileged: no filter at all, as Docker; unconfined: none either; a profile of the user's: that one
    expect(spec({ Cmd: ['true'] }, { privileged: true }).linux.seccomp).toBeUndefined();
    expect(spec({ Cmd: ['true'] }, { seccompProfile: 'unconfined' }).linux.seccomp).toBeUndefined();
    const custom = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO' }] };
    expect(spec({ Cmd: ['true'] }, { seccompProfile: JSON.stringify(custom) }).linux.seccomp).toEqual(custom);
    expect(invalid(() => spec({ Cmd: ['true'] }, { seccompProfile: 'nope' })).message).toMatch(/^seccomp profile: not JSON/);
  });
});

describe('buildSpec: volumes', () => {
  it('binds each volume recursively and privately, ro or rw, parents first, after the defaults', () => {
    const s = spec({ Cmd: ['true'] }, {
      volumes: [
        { source: '/srv/cache', destination: '/data/cache/', readonly: false },
        { source: '/srv/data', destination: '/data', readonly: true },
        { source: '/etc/hosts', destination: '/etc/hosts', readonly: true },
      ],
    });
    expect(s.mounts!.slice(0, defaultMounts().length)).toEqual(defaultMounts());
    expect(s.mounts!.slice(defaultMounts().length)).toEqual([
      { destination: '/data', type: 'bind', source: '/srv/data', options: ['rbind', 'rprivate', 'ro'] },
      { destination: '/data/cache', type: 'bind', source: '/srv/cache', options: ['rbind', 'rprivate', 'rw'] },
      { destination: '/etc/hosts', type: 'bind', source: '/etc/hosts', options: ['rbind', 'rprivate', 'ro'] },
    ]);
  });

  it('lets a volume replace a default mount at the same place', () => {
    const s = spec({ Cmd: ['true'] }, { volumes: [{ source: '/dev/shm', destination: '/dev/shm', readonly: false }] });
    expect(s.mounts!.filter((m) => m.destination === '/dev/shm')).toEqual([
      { destination: '/dev/shm', type: 'bind', source: '/dev/shm', options: ['rbind', 'rprivate', 'rw'] },
    ]);
  });

  it.each([
    [[{ source: '/a', destination: '/d', readonly: false }, { source: '/b', destination: '/d/', readonly: true }], /duplicate mount point: \/d/],
    [[{ source: 'a', destination: '/d', readonly: false }], /source "a" must be an absolute host path/],
    [[{ source: '/a', destination: 'd', readonly: false }], /destination "d" must be an absolute path/],
    [[{ source: '/a', destination: '/', readonly: false }], /destination cannot be \/$/],
    [[{ source: '/a', destination: '/dev/', readonly: false }], /destination cannot be \/dev$/],
    [[{ source: '/a', destination: '/proc/sys/kernel', readonly: false }], /destination cannot be \/proc\/sys\/kernel$/],
  ])('refuses %j', (volumes, pattern) => {
    expect(invalid(() => spec({ Cmd: ['true'] }, { volumes })).message).toMatch(pattern);
  });
});

describe('buildSpec: resource limits', () => {
  it.each<[ContainerOptions, unknown]>([
    [{ memory: 512 * MiB }, { memory: { limit: 512 * MiB } }],
    [{ memory: 512 * MiB, memorySwap: 1024 * MiB }, { memory: { limit: 512 * MiB, swap: 1024 * MiB } }],
    [{ memory: 512 * MiB, memorySwap: -1 }, { memory: { limit: 512 * MiB, swap: -1 } }],
    [{ memory: 512 * MiB, memoryReservation: 256 * MiB }, { memory: { limit: 512 * MiB, reservation: 256 * MiB } }],
    [{ memoryReservation: 64 * MiB }, { memory: { reservation: 64 * MiB } }],
    [{ cpus: 0.5 }, { cpu: { period: 100000, quota: 50000 } }],
    [{ cpus: 1.5, cpuShares: 512 }, { cpu: { period: 100000, quota: 150000, shares: 512 } }],
    [{ cpus: 0.01 }, { cpu: { period: 100000, quota: 1000 } }],
    [{ cpuShares: 2048 }, { cpu: { shares: 2048 } }],
    [{ pidsLimit: 100 }, { pids: { limit: 100 } }],
    [{ pidsLimit: 0 }, {}],
    [{ pidsLimit: -1 }, {}],
  ])('%j → %j', (options, resources) => {
    expect(spec({ Cmd: ['true'] }, options).linux.resources).toEqual({ ...(resources as object), devices: DEFAULT_DEVICE_RULES });
  });

  it("doubles memory as memory+swap when the host can limit swap (Docker's default)", () => {
    expect(spec({ Cmd: ['true'] }, { memory: 64 * MiB }, { swapLimit: true }).linux.resources?.memory).toEqual({ limit: 64 * MiB, swap: 128 * MiB });
    expect(spec({ Cmd: ['true'] }, { memory: 64 * MiB, memorySwap: 64 * MiB }, { swapLimit: true }).linux.resources?.memory).toEqual({ limit: 64 * MiB, swap: 64 * MiB });
  });

  it.each<[ContainerOptions, RegExp]>([
    [{ memorySwap: 64 * MiB }, /--memory-swap needs --memory/],
    [{ memory: 64 * MiB, memorySwap: 32 * MiB }, /below --memory/],
    [{ memory: 64 * MiB, memoryReservation: 128 * MiB }, /above --memory/],
  ])('refuses %j', (options, pattern) => {
    expect(invalid(() => spec({ Cmd: ['true'] }, options)).message).toMatch(pattern);
  });
});

describe('openFilesLimit', () => {
  function proc(capEff: string | undefined, hard: string | undefined, nrOpen: string | undefined): string {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-proc-'));
    fs.mkdirSync(path.join(root, 'self'));
    fs.mkdirSync(path.join(root, 'sys/fs'), { recursive: true });
    if (capEff !== undefined) fs.writeFileSync(path.join(root, 'self/status'), `Name:\tnode\nCapInh:\t0000000000000000\nCapEff:\t${capEff}\n`);
    if (hard !== undefined) {
      fs.writeFileSync(path.join(root, 'self/limits'), `Limit                     Soft Limit           Hard Limit           Units\nMax open files            1024                 ${hard}                files\n`);
    }
    if (nrOpen !== undefined) fs.writeFileSync(path.join(root, 'sys/fs/nr_open'), `${nrOpen}\n`);
    return root;
  }

  it.each<[string, string | undefined, string | undefined, string | undefined, number]>([
    ["Docker's limit with CAP_SYS_RESOURCE", '000001ffffffffff', '20000', '1048576', 1048576],
    ['nr_open when it is lower', '000001ffffffffff', '20000', '65536', 65536],
    ['the inherited hard limit without CAP_SYS_RESOURCE', '000001fffeffffff', '20000', '1048576', 20000],
    ['the inherited hard limit when it is already higher than needed', '000001fffeffffff', '4194304', '4194304', 1048576],
    ["Docker's limit when nothing can be read", undefined, undefined, undefined, 1048576],
    ['the hard limit when the capabilities cannot be read', undefined, '4096', '1048576', 4096],
  ])('%s', (_, capEff, hard, nrOpen, limit) => {
    const root = proc(capEff, hard, nrOpen);
    try {
      expect(openFilesLimit(root)).toBe(limit);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
