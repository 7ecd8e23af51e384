// Detecting cgroup v1 / v2 from /proc/self/mountinfo in the formats real hosts produce.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectCgroupLayout, layoutFromMountinfo, parseMountinfo } from '../../../src-main/engine/cgroups/detect';
import { isStrataError } from '@shared/errors';

const MOUNTINFO = path.join(import.meta.dirname, '../../fixtures/cgroupfs/mountinfo');
const fixture = (name: string): string => fs.readFileSync(path.join(MOUNTINFO, name), 'utf8');

describe('parseMountinfo', () => {
  it('reads the fields around the optional ones and the separator', () => {
    const [entry] = parseMountinfo('35 24 0:30 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 master:2 - cgroup2 cgroup2 rw,nsdelegate\n');
    expect(entry).toEqual({
      mountId: 35,
      parentId: 24,
      root: '/',
      mountPoint: '/sys/fs/cgroup',
      fsType: 'cgroup2',
      source: 'cgroup2',
      superOptions: ['rw', 'nsdelegate'],
    });
  });

  it('decodes octal escapes in paths and skips lines that are not mountinfo', () => {
    const entries = parseMountinfo('garbage\n\n40 30 0:37 /a\\040b /mnt/my\\040cgroups\\134x rw - cgroup cgroup rw,pids\n');
    expect(entries).toHaveLength(1);
    expect(entries[0]?.root).toBe('/a b');
    expect(entries[0]?.mountPoint).toBe('/mnt/my cgroups\\x');
  });
});

describe('layoutFromMountinfo', () => {
  it('stock v2 distribution (Fedora 40): v2 at /sys/fs/cgroup', () => {
    expect(layoutFromMountinfo(fixture('fedora40-v2.txt'))).toEqual({ version: 'v2', mountPoint: '/sys/fs/cgroup' });
  });

  it('v1 systemd host (Ubuntu 20.04): v1 with joined cpu,cpuacct; the empty unified mount does not count', () => {
    const layout = layoutFromMountinfo(fixture('ubuntu2004-v1-systemd.txt'));
    expect(layout.version).toBe('v1');
    if (layout.version !== 'v1') return;
    expect(layout.controllers).toMatchObject({
      cpu: '/sys/fs/cgroup/cpu,cpuacct',
      cpuacct: '/sys/fs/cgroup/cpu,cpuacct',
      cpuset: '/sys/fs/cgroup/cpuset',
      memory: '/sys/fs/cgroup/memory',
      pids: '/sys/fs/cgroup/pids',
      freezer: '/sys/fs/cgroup/freezer',
      blkio: '/sys/fs/cgroup/blkio',
      devices: '/sys/fs/cgroup/devices',
      net_cls: '/sys/fs/cgroup/net_cls,net_prio',
      net_prio: '/sys/fs/cgroup/net_cls,net_prio',
    });
    expect(layout.controllers['name=systemd']).toBeUndefined();
    expect(layout.hierarchies).toContain('/sys/fs/cgroup/systemd');
    expect(layout.unified).toBe('/sys/fs/cgroup/unified');
  });

  it('legacy v1 host (CentOS 7): controllers in either order, named hierarchy with a release agent', () => {
    const layout = layoutFromMountinfo(fixture('centos7-v1-legacy.txt'));
    expect(layout).toMatchObject({ version: 'v1', unified: null });
    if (layout.version !== 'v1') return;
    expect(layout.controllers.cpu).toBe('/sys/fs/cgroup/cpu,cpuacct');
    expect(layout.controllers.cpuacct).toBe('/sys/fs/cgroup/cpu,cpuacct');
    expect(layout.controllers.net_prio).toBe('/sys/fs/cgroup/net_cls,net_prio');
    expect(Object.keys(layout.controllers).sort()).toEqual(
      ['blkio', 'cpu', 'cpuacct', 'cpuset', 'devices', 'freezer', 'hugetlb', 'memory', 'net_cls', 'net_prio', 'perf_event', 'pids'],
    );
  });

  it("this machine's hybrid: cpu and cpuacct on separate mounts, cgroup2 at /sys/fs/cgroup/unified", () => {
    const layout = layoutFromMountinfo(fixture('this-machine-hybrid.txt'));
    expect(layout).toEqual({
      version: 'v1',
      controllers: {
        cpu: '/sys/fs/cgroup/cpu',
        cpuacct: '/sys/fs/cgroup/cpuacct',
        cpuset: '/sys/fs/cgroup/cpuset',
        memory: '/sys/fs/cgroup/memory',
        devices: '/sys/fs/cgroup/devices',
        freezer: '/sys/fs/cgroup/freezer',
        blkio: '/sys/fs/cgroup/blkio',
        pids: '/sys/fs/cgroup/pids',
      },
      hierarchies: [
        '/sys/fs/cgroup/cpu', '/sys/fs/cgroup/cpuacct', '/sys/fs/cgroup/cpuset', '/sys/fs/cgroup/memory', '/sys/fs/cgroup/devices',
        '/sys/fs/cgroup/freezer', '/sys/fs/cgroup/blkio', '/sys/fs/cgroup/pids', '/sys/fs/cgroup/systemd',
      ],
      unified: '/sys/fs/cgroup/unified',
    });
  });

  it('a v2 host with a stray v1 net_cls mount (VPN client) stays v2', () => {
    expect(layoutFromMountinfo(fixture('debian12-v2-with-netcls.txt'))).toEqual({ version: 'v2', mountPoint: '/sys/fs/cgroup' });
  });

  it('prefers the mount that shows the whole hierarchy when one is bind-mounted twice', () => {
    const text = [
      '50 40 0:31 /docker/abc /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory',
      '51 40 0:31 / /host/cgroup/memory rw - cgroup cgroup rw,memory',
    ].join('\n');
    const layout = layoutFromMountinfo(text);
    expect(layout.version === 'v1' && layout.controllers.memory).toBe('/host/cgroup/memory');
  });

  it('refuses a machine with no cgroup hierarchy', () => {
    let error: unknown;
    try {
      layoutFromMountinfo('22 1 0:21 / /proc rw - proc proc rw\n');
    } catch (e) {
      error = e;
    }
    expect(isStrataError(error, 'UNSUPPORTED')).toBe(true);
  });
});

describe('detectCgroupLayout', () => {
  it('reads an injected mountinfo path', async () => {
    expect(await detectCgroupLayout(path.join(MOUNTINFO, 'fedora40-v2.txt'))).toEqual({ version: 'v2', mountPoint: '/sys/fs/cgroup' });
  });

  it('a missing mountinfo is UNSUPPORTED with the path', async () => {
    await expect(detectCgroupLayout('/nonexistent/mountinfo')).rejects.toMatchObject({ code: 'UNSUPPORTED', message: expect.stringContaining('/nonexistent/mountinfo') });
  });

  it('this machine, read for real, is v1 with every engine controller mounted', async () => {
    const layout = await detectCgroupLayout();
    // Recorded so a run elsewhere says what it saw instead of failing on another layout.
    if (layout.version === 'v1') {
      for (const c of ['cpu', 'cpuacct', 'memory', 'pids', 'freezer']) expect(layout.controllers[c]).toBeDefined();
    } else {
      expect(layout.mountPoint).toMatch(/^\//);
    }
  });
});
