// A config.json from buildSpec, run for real by strata-runtime on a busybox rootfs: what
// the spec says is what the container sees from inside. Needs root (CI is root).
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ContainerOptions } from '../../../src-main/engine/containers/options';
import type { RunConfig } from '../../../src-main/engine/images/oci';
import { runRuntime, runtimeBinaryPath, runtimeStateIds } from '../../../src-main/engine/runtime';
import { buildSpec } from '../../../src-main/engine/runtime/spec-builder';
import { statusField } from '../../native/runtime/harness';
import { existingCgroupDirs } from '../../helpers/cgroups';
import { DOCKER_CAPABILITIES, capabilityNames } from '../../helpers/docker-defaults';

const isRoot = process.getuid?.() === 0;
if (!isRoot) console.log('spec-builder-run: skipped, running containers needs root');

const APPLETS = ['sh', 'echo', 'id', 'cat', 'pwd', 'mknod', 'grep'];
let dir = ''; // made in beforeAll, so a skipped run leaves nothing behind
const rootfs = () => path.join(dir, 'rootfs');
const stateDir = () => path.join(dir, 'state');
const roDir = () => path.join(dir, 'ro');
const rwDir = () => path.join(dir, 'rw');
const cgroupsPaths: string[] = [];

function makeRootfs(root: string): void {
  fs.mkdirSync(path.join(root, 'bin'), { recursive: true, mode: 0o755 });
  fs.chmodSync(root, 0o755); // it becomes / for a non-root user too
  fs.copyFileSync('/bin/busybox', path.join(root, 'bin/busybox'));
  fs.chmodSync(path.join(root, 'bin/busybox'), 0o755);
  for (const applet of APPLETS) fs.symlinkSync('busybox', path.join(root, 'bin', applet));
  fs.mkdirSync(path.join(root, 'etc'));
  fs.writeFileSync(path.join(root, 'etc/passwd'), '# users\nroot:x:0:0:root:/root:/bin/sh\nuser:x:1000:1000:user:/home/user:/bin/sh\n');
  fs.writeFileSync(path.join(root, 'etc/group'), 'root:x:0:\nuser:x:1000:\nstaff:x:50:user\nextra:x:2000:other,user\n');
  fs.mkdirSync(path.join(root, 'tmp'), { mode: 0o1777 });
  fs.chmodSync(path.join(root, 'tmp'), 0o1777);
}

/** Runs a container from buildSpec; returns its exit code and its output split by `--name--` markers. */
async function run(image: RunConfig, options: ContainerOptions) {
  const id = randomBytes(32).toString('hex');
  const cgroupsPath = `/strata/test-${randomBytes(6).toString('hex')}`;
  cgroupsPaths.push(cgroupsPath);
  const bundle = fs.mkdtempSync(path.join(dir, 'bundle-'));
  const spec = buildSpec({
    id,
    image,
    options,
    rootfs: rootfs(),
    cgroupsPath,
    readImageFile: (absPath) => {
      const file = path.join(rootfs(), absPath);
      return fs.existsSync(file) ? fs.readFileSync(file) : undefined;
    },
  });
  fs.writeFileSync(path.join(bundle, 'config.json'), JSON.stringify(spec, null, 2));
  const result = await runRuntime(['--root', stateDir(), 'run', '--bundle', bundle, id]);
  const sections: Record<string, string> = {};
  const parts = result.stdout.split(/^--(\w+)--\n/m); // [before, name, text, name, text, …]
  for (let i = 1; i < parts.length; i += 2) sections[parts[i]!] = parts[i + 1]!.replace(/\n$/, '');
  return { id, code: result.code, stderr: result.stderr, sections };
}

const section = (name: string, command: string) => `echo --${name}--; ${command}`;

describe.skipIf(!isRoot)('a buildSpec config run by strata-runtime', () => {
  beforeAll(() => {
    try {
      runtimeBinaryPath();
    } catch {
      execFileSync('npx', ['node-gyp', 'rebuild', '--directory', 'native'], { stdio: 'inherit' });
    }
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-spec-run-'));
    makeRootfs(rootfs());
    fs.mkdirSync(roDir());
    fs.mkdirSync(rwDir());
  });

  afterAll(() => {
    expect(fs.existsSync(stateDir()) ? runtimeStateIds(fs.readdirSync(stateDir())) : []).toEqual([]); // run deleted its container
    expect(fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((line) => line.includes(dir))).toEqual([]);
    const left = cgroupsPaths.flatMap((p) => existingCgroupDirs(p.replace(/^\/strata\//, '')));
    expect(left).toEqual([]);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('as root: id, cwd, env, hostname, no new privileges, default capabilities, ro and rw volumes', async () => {
    const script = [
      section('id', 'id'),
      section('pwd', 'pwd'),
      section('hostname', 'cat /proc/sys/kernel/hostname'),
      section('env', 'cat /proc/1/environ; echo'),
      section('status', 'cat /proc/self/status'),
      section('ro', 'if echo no > /mnt/ro/file; then echo written; else echo refused; fi'),
      section('rw', 'if echo yes > /mnt/rw/file; then echo written; else echo refused; fi'),
    ].join('; ');
    const { code, stderr, sections } = await run(
      { Entrypoint: ['sh', '-c'], Cmd: ['exit 3'], Env: ['GREETING=image', 'IMAGE_ONLY=1'], WorkingDir: '/work' },
      {
        command: [script],
        env: ['GREETING=hello world'],
        hostname: 'spec-test',
        volumes: [
          { source: roDir(), destination: '/mnt/ro', readonly: true },
          { source: rwDir(), destination: '/mnt/rw', readonly: false },
        ],
      },
    );
    expect(stderr).toMatch(/Read-only file system/);
    expect(code).toBe(0);
    expect(sections.id).toBe('uid=0(root) gid=0(root)'); // busybox lists getgroups(): empty, no host groups leak in
    expect(sections.pwd).toBe('/work');
    expect(sections.hostname).toBe('spec-test');
    expect(sections.env!.split('\0').filter(Boolean)).toEqual([
      'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      'HOSTNAME=spec-test',
      'GREETING=hello world',
      'IMAGE_ONLY=1',
      'HOME=/root',
    ]);
    const status = sections.status!;
    const docker = [...DOCKER_CAPABILITIES].sort(); // Docker's list written out, not the engine's constant
    expect(statusField(status, 'NoNewPrivs')).toBe('1');
    expect(capabilityNames(statusField(status, 'CapEff'))).toEqual(docker);
    expect(capabilityNames(statusField(status, 'CapPrm'))).toEqual(docker);
    expect(capabilityNames(statusField(status, 'CapBnd'))).toEqual(docker);
    expect(BigInt(`0x${statusField(status, 'CapInh')}`)).toBe(0n);
    expect(BigInt(`0x${statusField(status, 'CapAmb')}`)).toBe(0n);
    expect(sections.ro).toBe('refused');
    expect(sections.rw).toBe('written');
    expect(fs.readdirSync(roDir())).toEqual([]);
    expect(fs.readFileSync(path.join(rwDir(), 'file'), 'utf8')).toBe('yes\n');
  });

  it('as a named user: ids and supplementary groups from the image, its HOME, the default hostname', async () => {
    const script = [section('id', 'id'), section('pwd', 'pwd'), section('hostname', 'cat /proc/sys/kernel/hostname'), section('env', 'cat /proc/1/environ; echo'), section('status', 'cat /proc/self/status')].join('; ');
    const { id, code, stderr, sections } = await run({ Cmd: ['sh', '-c', script], User: 'root' }, { user: 'user', workdir: '/tmp' });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(sections.id).toBe('uid=1000(user) gid=1000(user) groups=50(staff),2000(extra)');
    expect(sections.pwd).toBe('/tmp');
    expect(sections.hostname).toBe(id.slice(0, 12));
    expect(sections.env!.split('\0')).toContain('HOME=/home/user');
    expect(statusField(sections.status!, 'NoNewPrivs')).toBe('1');
    expect(statusField(sections.status!, 'CapEff')).toBe('0000000000000000'); // execve as non-root clears them
  });

  it('holds devices to the default policy; --device adds one with its access; --privileged lifts it', async () => {
    // /dev/kmsg (c 1:11) opens on this host; write-only needs no syslog right, so only the policy can refuse it
    const opens = (name: string, file: string, redirect: string) =>
      section(name, `if (exec 3${redirect}${file}) 2>/dev/null; then echo opened; else echo refused; fi`);
    const probe = [section('mknod', 'mknod /dev/probe c 1 11 && echo made'), opens('null', '/dev/null', '<'), opens('write', '/dev/probe', '>'), opens('read', '/dev/probe', '<')];
    const plain = await run({ Cmd: ['sh', '-c', probe.join('; ')] }, {});
    expect(plain.stderr).toBe('');
    expect(plain.sections).toEqual({ mknod: 'made', null: 'opened', write: 'refused', read: 'refused' });

    const given = [opens('write', '/dev/kmsg', '>'), opens('read', '/dev/kmsg', '<')];
    const device = await run({ Cmd: ['sh', '-c', given.join('; ')] }, { devices: [{ hostPath: '/dev/kmsg', containerPath: '/dev/kmsg', permissions: 'w' }] });
    expect(device.stderr).toBe('');
    expect(device.sections).toEqual({ write: 'opened', read: 'refused' });

    const all = await run({ Cmd: ['sh', '-c', [...probe.slice(0, 3), section('status', 'cat /proc/self/status'), section('sys', 'grep " /sys " /proc/mounts')].join('; ')] }, { privileged: true });
    expect(all.stderr).toBe('');
    expect(all.sections).toMatchObject({ mknod: 'made', null: 'opened', write: 'opened' });
    // every capability this process holds (a host may run us with fewer than all)
    const held = statusField(fs.readFileSync('/proc/self/status', 'utf8'), 'CapEff');
    expect(statusField(all.sections.status!, 'CapEff')).toBe(held);
    expect(all.sections.sys).toMatch(/ sysfs rw,/);
  });
});
