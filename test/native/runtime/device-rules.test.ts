// Device rules on the real kernel, both drivers. v1: the devices cgroup of this hybrid
// host. v2: the eBPF program strata-runtime attaches, on the cgroup2 tree this host mounts
// at /sys/fs/cgroup/unified (no controllers there, but device programs attach and the
// kernel runs them as on a pure v2 host), chosen with STRATA_CGROUP_ROOT and
// STRATA_CGROUP_DRIVER=v2. Inside each container: /dev/null (c 1:3) opens; a node the
// host can open but the rules deny (/dev/kmsg, c 1:11, opened write-only so no syslog
// check gets in the way) fails with EPERM; mknod of a block device works (mknod is
// allowed) but opening it fails with EPERM; with every device allowed both open.
import fs from 'node:fs';
import path from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import type { OciConfig } from '../../../src-main/engine/runtime';
import { createContainer, runContainer, useWorkspace } from './harness';
import { cgroupLayout } from '../../helpers/cgroups';

const ws = useWorkspace();
// the cgroup2 tree, found by detection: /sys/fs/cgroup on a v2 host, the hybrid mount (/sys/fs/cgroup/unified here) on a v1 one
const layout = cgroupLayout();
const UNIFIED = layout.version === 'v2' ? layout.mountPoint : (layout.unified ?? '/sys/fs/cgroup/unified');
const v2Env: NodeJS.ProcessEnv = { ...process.env, STRATA_CGROUP_ROOT: UNIFIED, STRATA_CGROUP_DRIVER: 'v2' };
const hasUnified = fs.existsSync(path.join(UNIFIED, 'cgroup.procs'));
const hasV1Devices = fs.existsSync('/sys/fs/cgroup/devices/devices.list');
if (!hasV1Devices) console.warn('device-rules: the cgroup v1 part skipped, this host has no v1 devices controller');
if (!hasUnified) console.warn(`device-rules: the cgroup v2 part skipped, no cgroup2 tree at ${UNIFIED}`);
const unifiedParentExisted = fs.existsSync(path.join(UNIFIED, 'strata'));

// Busybox's sh reports a failed redirection as "can't open '/x': <reason>" / "can't create /x: <reason>".
const PROBE = [
  '(exec 3</dev/null) 2>/dev/null && echo null:ok',
  'mknod /kmsg c 1 11 && { (exec 3>/kmsg) 2>&1 | grep -o "Operation not permitted" || echo kmsg:ok; }',
  'mknod /disk b 7 0 && echo mknod:ok && { (exec 3</disk) 2>&1 | grep -o "Operation not permitted" || echo disk:ok; }',
].join('; ');

const DENY_ALL = [{ allow: false, access: 'rwm' }];
const ALLOW_ALL = [{ allow: true, access: 'rwm' }];

function probe(devices: NonNullable<OciConfig['linux']['resources']>['devices'], env?: NodeJS.ProcessEnv, name = 'dev') {
  const bundle = ws.bundle((c) => {
    c.process.args = ['sh', '-c', PROBE];
    c.linux.resources = { devices };
  });
  return runContainer(ws, bundle, ws.id(`${name}-${path.basename(bundle)}`), undefined, env);
}

/** Our container cgroups under the unified tree (there should be none once a run is over). */
function unifiedLeftovers(): string[] {
  const parent = path.join(UNIFIED, 'strata');
  if (!fs.existsSync(parent)) return [];
  return fs.readdirSync(parent).filter((e) => e.startsWith(ws.id('')));
}

afterAll(() => {
  expect(unifiedLeftovers()).toEqual([]);
  // the strata parent is left where it was found; another suite may be using it
  if (!unifiedParentExisted && fs.existsSync(path.join(UNIFIED, 'strata'))) {
    try {
      fs.rmdirSync(path.join(UNIFIED, 'strata'));
    } catch {
      // busy: someone else's containers are in it now
    }
  }
});

describe.skipIf(!hasV1Devices)('device rules on cgroup v1 (devices controller)', () => {
  it('gives a deny-all config exactly the default allowlist in devices.list', async () => {
    const bundle = ws.bundle((c) => (c.linux.resources = { devices: DENY_ALL }));
    const id = ws.id('list');
    // created, not started: its cgroup exists with the rules applied
    const created = await createContainer(ws, bundle, id);
    expect(created.stderr).toBe('');
    const seen = fs.readFileSync(path.join('/sys/fs/cgroup/devices/strata', id, 'devices.list'), 'utf8');
    expect((await ws.rt(['delete', '--force', id])).code).toBe(0);
    expect(seen.trim().split('\n').sort()).toEqual(
      ['c *:* m', 'b *:* m', 'c 1:3 rwm', 'c 1:5 rwm', 'c 1:7 rwm', 'c 1:8 rwm', 'c 1:9 rwm', 'c 5:0 rwm', 'c 5:1 rwm', 'c 5:2 rwm', 'c 136:* rwm', 'c 10:200 rwm'].sort(),
    );
  });

  it('denies what the list does not allow, mknod included in what it allows', async () => {
    const r = await probe(DENY_ALL);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('null:ok\nOperation not permitted\nmknod:ok\nOperation not permitted\n');
  });

  it('honours access letters and the last matching rule', async () => {
    // allow kmsg for writing, then take the write back: the later rule decides
    const r = await probe([...DENY_ALL, { allow: true, type: 'c', major: 1, minor: 11, access: 'rw' }, { allow: false, type: 'c', major: 1, minor: 11, access: 'w' }]);
    expect(r.stdout).toBe('null:ok\nOperation not permitted\nmknod:ok\nOperation not permitted\n');
  });

  it('with every device allowed (privileged), both nodes open', async () => {
    const r = await probe(ALLOW_ALL);
    expect(r.stdout).toBe('null:ok\nkmsg:ok\nmknod:ok\ndisk:ok\n');
  });
});

describe.skipIf(!hasUnified)('device rules on cgroup v2 (eBPF program on the unified tree)', () => {
  it('enforces the default allowlist from a deny-all config', async () => {
    const r = await probe(DENY_ALL, v2Env);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('null:ok\nOperation not permitted\nmknod:ok\nOperation not permitted\n');
    expect(unifiedLeftovers()).toEqual([]);
  });

  it('lets an allow rule open one more device, with the access it names', async () => {
    const allowWrite = await probe([...DENY_ALL, { allow: true, type: 'c', major: 1, minor: 11, access: 'w' }], v2Env);
    expect(allowWrite.stdout).toBe('null:ok\nkmsg:ok\nmknod:ok\nOperation not permitted\n');
    const readOnly = await probe([...DENY_ALL, { allow: true, type: 'c', major: 1, minor: 11, access: 'r' }], v2Env);
    expect(readOnly.stdout).toBe('null:ok\nOperation not permitted\nmknod:ok\nOperation not permitted\n');
  });

  it('lets the last matching rule decide, as v1 does', async () => {
    const r = await probe(
      [...DENY_ALL, { allow: true, type: 'c', major: 1, minor: 11, access: 'rw' }, { allow: false, type: 'c', major: 1, minor: 11, access: 'w' }],
      v2Env,
    );
    expect(r.stdout).toBe('null:ok\nOperation not permitted\nmknod:ok\nOperation not permitted\n');
    // a blocklist: everything but block devices
    const blocklist = await probe([...ALLOW_ALL, { allow: false, type: 'b', access: 'rw' }], v2Env);
    expect(blocklist.stdout).toBe('null:ok\nkmsg:ok\nmknod:ok\nOperation not permitted\n');
  });

  it('with every device allowed (privileged), both nodes open', async () => {
    const r = await probe(ALLOW_ALL, v2Env);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('null:ok\nkmsg:ok\nmknod:ok\ndisk:ok\n');
  });
});
