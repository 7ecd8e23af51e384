// Namespaces a config leaves out are the runtime's (the OCI spec: inherited), checked from
// inside the container against this test's own /proc/self/ns; without a mount namespace
// the container is a chroot and nothing is mounted on the host; what would change the
// host through an inherited namespace is refused as INVALID_ARGUMENT, naming the field;
// and a hostname is set in a uts namespace joined by path.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { type OciConfig, type RuntimeState, runRuntime } from '../../../src-main/engine/runtime';
import { createContainer, inContainer, runContainer, until, useWorkspace } from './harness';

const ws = useWorkspace();
const ownNs = (type: string): string => fs.readlinkSync(`/proc/self/ns/${type}`);

/** No mounts, no masked or read-only paths, no hostname: what a config without a mount
 * (and uts) namespace may hold. */
function bare(c: OciConfig, namespaces: NonNullable<OciConfig['linux']['namespaces']>): void {
  c.linux.namespaces = namespaces;
  c.mounts = [];
  c.linux.maskedPaths = [];
  c.linux.readonlyPaths = [];
  delete c.hostname;
}

/** `create` with JSON errors: the exit status and the one error line, parsed. */
async function createJson(edit: (c: OciConfig) => void): Promise<{ code: number; error?: { code: string; msg: string } }> {
  const bundle = ws.bundle(edit);
  const id = ws.id('refused');
  const r = await runRuntime(['create', '--bundle', bundle, id], { root: ws.root });
  expect(fs.existsSync(path.join(ws.root, id))).toBe(false);
  return { code: r.code, ...(r.stderr ? { error: JSON.parse(r.stderr) as { code: string; msg: string } } : {}) };
}

describe('a namespace type left out is the runtime’s', () => {
  it('without uts, ipc, network, pid and cgroup entries the container is in the test’s own', async () => {
    const r = await inContainer(ws, 'hostname; for n in uts ipc net pid cgroup; do readlink /proc/self/ns/$n; done; echo "pid=$$"', (c) => {
      c.linux.namespaces = [{ type: 'mount' }];
      delete c.hostname;
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe(os.hostname());
    expect(lines.slice(1, 6)).toEqual(['uts', 'ipc', 'net', 'pid', 'cgroup'].map(ownNs));
    expect(lines[6]).not.toBe('pid=1'); // no pid namespace: not its init
  });

  it('without a mount namespace it is a chroot into root.path: nothing is mounted on the host, exec lands there too', async () => {
    const bundle = ws.bundle((c) => {
      bare(c, []); // every namespace the runtime's
      c.process.args = ['sleep', '600'];
    });
    const id = ws.id('chroot');
    const created = await createContainer(ws, bundle, id);
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    expect((await ws.rt(['start', id])).code).toBe(0);
    const { pid } = JSON.parse((await ws.rt(['state', id])).stdout) as RuntimeState;
    for (const n of ['mnt', 'uts', 'ipc', 'net', 'pid']) expect(fs.readlinkSync(`/proc/${pid}/ns/${n}`)).toBe(ownNs(n));
    expect(fs.readlinkSync(`/proc/${pid}/root`)).toBe(fs.realpathSync(path.join(bundle, 'rootfs')));
    expect(fs.readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(bundle);
    const ls = await ws.rt(['exec', id, '--', 'ls', '/']);
    expect(ls).toEqual({ code: 0, stdout: 'bin\ndev\netc\nproc\nsys\ntmp\n', stderr: '' });
    const passwd = await ws.rt(['exec', id, '--', 'head', '-n', '1', '/etc/passwd']);
    expect(passwd.stdout).toBe('root:x:0:0:root:/root:/bin/sh\n'); // the rootfs's, not the host's
    expect((await ws.rt(['delete', '--force', id])).code).toBe(0);
  });

  it('runs to its exit without a mount namespace, with nothing left in the rootfs', async () => {
    const bundle = ws.bundle((c) => {
      bare(c, [{ type: 'pid' }, { type: 'ipc' }]);
      c.process.args = ['sh', '-c', 'echo "pid=$$"; ls /dev | wc -l'];
    });
    const r = await runContainer(ws, bundle, ws.id('chroot-run'));
    expect(r).toEqual({ code: 0, stdout: 'pid=1\n0\n', stderr: '' }); // its own pid namespace; /dev as the rootfs has it (empty)
    expect(fs.readdirSync(path.join(bundle, 'rootfs/dev'))).toEqual([]);
  });

  it('takes a mount namespace joined by a path that is the runtime’s own as left out: a chroot', async () => {
    const r = await inContainer(ws, 'ls /etc', (c) => bare(c, [{ type: 'mount', path: '/proc/self/ns/mnt' }]));
    expect(r).toEqual({ code: 0, stdout: 'group\npasswd\n', stderr: '' });
  });
});

describe('what an inherited namespace rules out (INVALID_ARGUMENT, naming the field)', () => {
  const cases: [string, (c: OciConfig) => void, RegExp][] = [
    ['mounts without a mount namespace', (c) => (c.linux.namespaces = [{ type: 'pid' }, { type: 'uts' }]),
      /^config\.json: mounts: the container has no mount namespace of its own .*outlive the container$/],
    ['maskedPaths without a mount namespace', (c) => {
      bare(c, []);
      c.linux.maskedPaths = ['/proc/kcore'];
    }, /^config\.json: linux\.maskedPaths: the container has no mount namespace/],
    ['a read-only root without a mount namespace', (c) => {
      bare(c, []);
      c.root.readonly = true;
    }, /^config\.json: root\.readonly: the container has no mount namespace/],
    ['devices without a mount namespace', (c) => {
      bare(c, []);
      c.linux.devices = [{ path: '/dev/fuse', type: 'c', major: 10, minor: 229 }];
    }, /^config\.json: linux\.devices: the container has no mount namespace .*on the host's disk$/],
    ['the runtime’s own mount namespace joined by path', (c) => {
      c.linux.namespaces = [{ type: 'mount', path: '/proc/self/ns/mnt' }];
      delete c.hostname;
    }, /^config\.json: mounts: the container has no mount namespace/],
    ['a hostname without a uts namespace', (c) => (c.linux.namespaces = [{ type: 'mount' }]),
      /^config\.json: hostname: the container has no uts namespace of its own .*rename the host$/],
    ['a domainname without a uts namespace', (c) => {
      c.linux.namespaces = [{ type: 'mount' }];
      delete c.hostname;
      c.domainname = 'example.org';
    }, /^config\.json: domainname: the container has no uts namespace/],
    ['a hostname in the runtime’s own uts namespace joined by path', (c) => (c.linux.namespaces = [{ type: 'mount' }, { type: 'uts', path: '/proc/self/ns/uts' }]),
      /^config\.json: hostname: the container has no uts namespace/],
    ['a net.* sysctl without a network namespace', (c) => {
      c.linux.namespaces = c.linux.namespaces!.filter((n) => n.type !== 'network');
      c.linux.sysctl = { 'net.ipv4.ip_forward': '1' };
    }, /^config\.json: linux\.sysctl\.net\.ipv4\.ip_forward: the container has no network namespace .*host's value$/],
    ['an IPC sysctl without an ipc namespace', (c) => {
      c.linux.namespaces = c.linux.namespaces!.filter((n) => n.type !== 'ipc');
      c.linux.sysctl = { 'kernel/shmmax': '4096' };
    }, /^config\.json: linux\.sysctl\.kernel\/shmmax: the container has no ipc namespace/],
    ['a sysctl of no namespace', (c) => (c.linux.sysctl = { 'vm.swappiness': '10' }),
      /^config\.json: linux\.sysctl\.vm\.swappiness: this key is in no namespace: writing it would change the host's value$/],
  ];
  for (const [name, edit, message] of cases) {
    it(`refuses ${name}`, async () => {
      const r = await createJson(edit);
      expect(r.code).toBe(1);
      expect(r.error?.code).toBe('INVALID_ARGUMENT');
      expect(r.error?.msg).toMatch(message);
    });
  }
});

describe('a uts namespace joined by path', () => {
  let holder: ChildProcess | undefined;
  afterAll(() => {
    holder?.kill('SIGKILL');
  });

  it('gets the hostname and domainname of config.json; the host keeps its own', async () => {
    // a uts namespace of its own, held by a sleeping process outside any container
    holder = spawn('unshare', ['--uts', 'sleep', '600'], { stdio: 'ignore' });
    const pid = holder.pid!;
    await until(() => fs.existsSync(`/proc/${pid}/ns/uts`) && fs.readlinkSync(`/proc/${pid}/ns/uts`) !== ownNs('uts'));
    const r = await inContainer(ws, 'hostname; cat /proc/sys/kernel/domainname; readlink /proc/self/ns/uts', (c) => {
      c.linux.namespaces = [{ type: 'mount' }, { type: 'pid' }, { type: 'uts', path: `/proc/${pid}/ns/uts` }];
      c.hostname = 'joined-name';
      c.domainname = 'joined.example';
    });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`joined-name\njoined.example\n${fs.readlinkSync(`/proc/${pid}/ns/uts`)}\n`);
    // set in that namespace, and it stays there after the container
    expect(execFileSync('nsenter', ['-u', '-t', String(pid), 'hostname'], { encoding: 'utf8' })).toBe('joined-name\n');
    expect(os.hostname()).not.toBe('joined-name');
  });
});
