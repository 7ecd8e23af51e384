// What the container sees, checked from inside it: namespaces, rootfs and mounts, /dev,
// identity, capabilities, rlimits, masked and read-only paths, fds.
import fs from 'node:fs';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import type { OciCapability, RuntimeState } from '../../../src-main/engine/runtime';
import { capMask, createContainer, inContainer, runContainer, statusField, until, useWorkspace } from './harness';

const ws = useWorkspace();

describe('namespaces', () => {
  it('runs as PID 1 with its own hostname, network, ipc and mounts', async () => {
    const r = await inContainer(
      ws,
      'read -r stat < /proc/self/stat; echo "pid=$$ ${stat%% *}"; hostname; cat /proc/net/dev | tail -n +3 | cut -d: -f1 | tr -d " "; ' +
        'ls /proc | grep -c "^[0-9]"; readlink /proc/self/ns/ipc',
      (c) => (c.hostname = 'box-one'),
    );
    expect(r.stderr).toBe('');
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe('pid=1 1');
    expect(lines[1]).toBe('box-one');
    expect(lines[2]).toBe('lo'); // a new network namespace has only loopback
    expect(Number(lines[3])).toBeLessThanOrEqual(3); // sh and the pipeline's children only
    expect(lines[4]).not.toBe(fs.readlinkSync('/proc/self/ns/ipc'));
  });

  it('joins the namespaces of a running container by path', async () => {
    const a = ws.bundle((c) => {
      c.hostname = 'first';
      c.process.args = ['sleep', '600'];
    });
    const idA = ws.id('ns-a');
    expect((await createContainer(ws, a, idA)).code).toBe(0);
    expect((await ws.rt(['start', idA])).code).toBe(0);
    const { pid } = JSON.parse((await ws.rt(['state', idA])).stdout) as RuntimeState;
    const r = await inContainer(ws, 'hostname; readlink /proc/self/ns/net; readlink /proc/self/ns/uts; ps -o pid,comm | grep -c sleep', (c) => {
      delete c.hostname;
      c.linux.namespaces = [
        { type: 'mount' },
        { type: 'pid', path: `/proc/${pid}/ns/pid` },
        { type: 'uts', path: `/proc/${pid}/ns/uts` },
        { type: 'network', path: `/proc/${pid}/ns/net` },
      ];
    });
    expect(r.stderr).toBe('');
    expect(r.stdout.split('\n').slice(0, 4)).toEqual([
      'first',
      fs.readlinkSync(`/proc/${pid}/ns/net`),
      fs.readlinkSync(`/proc/${pid}/ns/uts`),
      '1', // sees the first container's sleep: same pid namespace
    ]);
    expect((await ws.rt(['delete', '--force', idA])).code).toBe(0);
  });

  it('reports a namespace path that does not exist', async () => {
    const bundle = ws.bundle((c) => c.linux.namespaces?.push({ type: 'cgroup', path: '/proc/999999999/ns/cgroup' }));
    const r = await createContainer(ws, bundle, ws.id('ns-bad'));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toBe('open cgroup namespace /proc/999999999/ns/cgroup: No such file or directory\n');
  });
});

describe('filesystem', () => {
  it('pivots into the rootfs: the host is not visible, and the old root is detached', async () => {
    const r = await inContainer(ws, 'ls /; cat /proc/self/mountinfo | grep -c " / / "; test -e /work && echo host-visible; true');
    expect(r.stderr).toBe('');
    expect(r.stdout).not.toContain('host-visible');
    expect(r.stdout.split('\n')).toEqual(expect.arrayContaining(['bin', 'etc', 'proc', 'sys', 'dev', 'tmp']));
  });

  it('mounts /proc, /dev with the default nodes, devpts with ptmx, mqueue and read-only sysfs', async () => {
    const r = await inContainer(
      ws,
      'for d in null zero full random urandom tty; do stat -c "%n %t:%T %a %F" /dev/$d; done; readlink /dev/ptmx; readlink /dev/fd; ' +
        'grep -E " /(dev/pts|dev/mqueue|sys|proc|dev/shm) " /proc/mounts | cut -d" " -f2,3,4 | cut -d, -f1; ' +
        'echo x > /sys/kernel/x 2>&1 || echo sys-ro; head -c 4 /dev/zero | wc -c; echo data > /dev/null && echo null-ok',
    );
    expect(r.stderr).toMatch(/Read-only file system/);
    const lines = r.stdout.trim().split('\n');
    expect(lines.slice(0, 6)).toEqual([
      '/dev/null 1:3 666 character special file',
      '/dev/zero 1:5 666 character special file',
      '/dev/full 1:7 666 character special file',
      '/dev/random 1:8 666 character special file',
      '/dev/urandom 1:9 666 character special file',
      '/dev/tty 5:0 666 character special file',
    ]);
    expect(lines[6]).toBe('pts/ptmx');
    expect(lines[7]).toBe('/proc/self/fd');
    expect(lines).toEqual(
      expect.arrayContaining(['/proc proc rw', '/dev/pts devpts rw', '/dev/shm tmpfs rw', '/dev/mqueue mqueue rw', '/sys sysfs ro', 'sys-ro', '4', 'null-ok']),
    );
  });

  it('creates the devices of config.json', async () => {
    const r = await inContainer(ws, 'stat -c "%n %t:%T %a %u:%g %F" /dev/extra/loop-x /dev/myfifo', (c) => {
      c.linux.devices = [
        { path: '/dev/extra/loop-x', type: 'b', major: 7, minor: 200, fileMode: 0o640, uid: 5, gid: 6 },
        { path: '/dev/myfifo', type: 'p', fileMode: 0o600 },
      ];
    });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('/dev/extra/loop-x 7:c8 640 5:6 block special file\n/dev/myfifo 0:0 600 0:0 fifo\n');
  });

  it('applies bind, rbind, ro and tmpfs mounts from config.json', async () => {
    const shared = fs.mkdtempSync(path.join(ws.dir, 'shared-'));
    fs.writeFileSync(path.join(shared, 'hello.txt'), 'from the host\n');
    const single = path.join(ws.dir, 'single.txt');
    fs.writeFileSync(single, 'one file\n');
    const r = await inContainer(
      ws,
      'cat /data/hello.txt /mnt/file.txt; echo new > /data/new.txt; (echo no > /ro/x) 2>/dev/null || echo ro-refused; ' +
        'grep " /scratch " /proc/mounts | cut -d" " -f3,4',
      (c) => {
        c.mounts?.push(
          { destination: '/data', type: 'bind', source: shared, options: ['rbind', 'rw'] },
          { destination: '/ro', type: 'bind', source: shared, options: ['bind', 'ro', 'nosuid'] },
          { destination: '/mnt/file.txt', type: 'bind', source: single, options: ['bind', 'ro'] },
          { destination: '/scratch', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'size=1m', 'mode=700'] },
        );
      },
    );
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('from the host\none file\nro-refused\ntmpfs rw,nosuid,nodev,relatime,size=1024k,mode=700\n');
    expect(fs.readFileSync(path.join(shared, 'new.txt'), 'utf8')).toBe('new\n');
  });

  it('keeps a mount destination that is a symlink inside the rootfs', async () => {
    const shared = fs.mkdtempSync(path.join(ws.dir, 'sym-'));
    fs.writeFileSync(path.join(shared, 'f'), 'inside\n');
    const bundle = ws.bundle((c) => {
      c.process.args = ['sh', '-c', 'cat /target/f'];
      c.mounts?.push({ destination: '/escape', type: 'bind', source: shared, options: ['bind'] });
    });
    fs.mkdirSync(path.join(bundle, 'rootfs/target'));
    fs.symlinkSync('/../../../../target', path.join(bundle, 'rootfs/escape')); // absolute, climbing: stays in rootfs
    const r = await runContainer(ws, bundle, ws.id('symlink'));
    expect(r).toEqual({ code: 0, stdout: 'inside\n', stderr: '' });
  });

  it('masks paths (files and directories) and makes others read-only', async () => {
    const bundle = ws.bundle((c) => {
      c.process.args = [
        'sh',
        '-c',
        'cat /etc/secret; ls /secretdir | wc -l; (echo 1 > /proc/sys/kernel/domainname) 2>/dev/null || echo sys-ro; ' +
          '(echo x > /etc/locked/f) 2>/dev/null || echo locked-ro; echo ok > /tmp/rw && cat /tmp/rw',
      ];
      c.linux.maskedPaths = ['/etc/secret', '/secretdir', '/does/not/exist'];
      c.linux.readonlyPaths = ['/proc/sys', '/etc/locked', '/not/here'];
    });
    fs.writeFileSync(path.join(bundle, 'rootfs/etc/secret'), 'TOP SECRET\n');
    fs.mkdirSync(path.join(bundle, 'rootfs/secretdir'));
    fs.writeFileSync(path.join(bundle, 'rootfs/secretdir/a'), 'a');
    fs.mkdirSync(path.join(bundle, 'rootfs/etc/locked'));
    const r = await runContainer(ws, bundle, ws.id('mask'));
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('0\nsys-ro\nlocked-ro\nok\n');
  });

  it('makes the root read-only when root.readonly is set', async () => {
    const r = await inContainer(ws, 'touch /etc/x 2>&1; touch /tmp/y 2>&1; grep " / " /proc/mounts | cut -d" " -f4 | cut -d, -f1', (c) => {
      c.root.readonly = true;
    });
    expect(r.stdout).toMatch(/Read-only file system[\s\S]*Read-only file system\nro\n$/);
  });
});

describe('process', () => {
  it('sets env, cwd (created when missing) and args', async () => {
    const r = await inContainer(ws, 'pwd; echo "$GREETING"; env | grep -c .', (c) => {
      c.process.env = ['PATH=/bin', 'GREETING=hello world'];
      c.process.cwd = '/work/dir';
    });
    expect(r).toEqual({ code: 0, stdout: '/work/dir\nhello world\n4\n', stderr: '' }); // PATH GREETING PWD SHLVL
  });

  it('runs as uid/gid with additional groups', async () => {
    const r = await inContainer(ws, 'id -u; id -g; id -G', (c) => {
      c.process.user = { uid: 1000, gid: 1000, additionalGids: [2000, 3000] };
    });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('1000\n1000\n1000 2000 3000\n');
  });

  it('sets all five capability sets and no_new_privs', async () => {
    const caps: OciCapability[] = ['CAP_CHOWN', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'];
    const r = await inContainer(ws, 'cat /proc/self/status', (c) => {
      c.process.capabilities = { bounding: caps, effective: caps, permitted: caps, inheritable: caps, ambient: [] };
      c.process.noNewPrivileges = true;
    });
    const hex = capMask(caps).toString(16).padStart(16, '0');
    expect(statusField(r.stdout, 'CapBnd')).toBe(hex);
    expect(statusField(r.stdout, 'CapEff')).toBe(hex);
    expect(statusField(r.stdout, 'CapPrm')).toBe(hex);
    expect(statusField(r.stdout, 'CapInh')).toBe(hex);
    expect(statusField(r.stdout, 'CapAmb')).toBe('0000000000000000');
    expect(statusField(r.stdout, 'NoNewPrivs')).toBe('1');
  });

  it('gives a non-root user its ambient capabilities across exec', async () => {
    const caps: OciCapability[] = ['CAP_NET_BIND_SERVICE'];
    const r = await inContainer(ws, 'cat /proc/self/status', (c) => {
      c.process.user = { uid: 1000, gid: 1000 };
      c.process.capabilities = { bounding: caps, effective: caps, permitted: caps, inheritable: caps, ambient: caps };
      c.process.noNewPrivileges = false;
    });
    const hex = capMask(caps).toString(16).padStart(16, '0');
    expect(statusField(r.stdout, 'CapAmb')).toBe(hex);
    expect(statusField(r.stdout, 'CapEff')).toBe(hex);
    expect(statusField(r.stdout, 'NoNewPrivs')).toBe('0');
  });

  it('sets rlimits', async () => {
    const r = await inContainer(ws, 'ulimit -n; ulimit -Hn; ulimit -s', (c) => {
      c.process.rlimits = [
        { type: 'RLIMIT_NOFILE', soft: 321, hard: 654 },
        { type: 'RLIMIT_STACK', soft: 4096 * 1024, hard: 8192 * 1024 },
      ];
    });
    expect(r).toEqual({ code: 0, stdout: '321\n654\n4096\n', stderr: '' });
  });

  it('sets oomScoreAdj and sysctl', async () => {
    const r = await inContainer(ws, 'cat /proc/self/oom_score_adj; cat /proc/sys/kernel/msgmax', (c) => {
      c.process.oomScoreAdj = 345;
      c.linux.sysctl = { 'kernel.msgmax': '12345' };
    });
    expect(r).toEqual({ code: 0, stdout: '345\n12345\n', stderr: '' });
  });

  it('closes every fd above 2 before exec', async () => {
    const r = await inContainer(ws, 'ls /proc/self/fd');
    // 0 1 2, plus the fd ls has open on the directory it lists
    expect(r.stdout.trim().split('\n').map(Number).filter((n) => n > 3)).toEqual([]);
  });

  it('the init waits in created state without running the program', async () => {
    const bundle = ws.bundle((c) => (c.process.args = ['sh', '-c', 'echo ran > /tmp/ran']));
    const id = ws.id('waits');
    expect((await createContainer(ws, bundle, id)).code).toBe(0);
    expect(fs.existsSync(path.join(bundle, 'rootfs/tmp/ran'))).toBe(false);
    expect((await ws.rt(['start', id])).code).toBe(0);
    await until(() => fs.existsSync(path.join(bundle, 'rootfs/tmp/ran')));
    await until(async () => (JSON.parse((await ws.rt(['state', id])).stdout) as RuntimeState).status === 'stopped');
    expect((await ws.rt(['delete', id])).code).toBe(0);
  });
});
