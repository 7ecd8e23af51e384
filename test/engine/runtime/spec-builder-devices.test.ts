// The device policy buildSpec writes: Docker's default rules in every config.json (the
// table is written out again here, from the list, so a change to it shows),
// --device as a node + an allow rule with its access, --privileged lifting the policy.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ContainerOptions } from '../../../src-main/engine/containers/options';
import { type HostDevice, type OciDeviceRule, statHostDevice } from '../../../src-main/engine/runtime/device-policy';
import { ALL_CAPABILITIES, defaultMounts } from '../../../src-main/engine/runtime/oci-config';
import { DOCKER_CAPABILITIES } from '../../helpers/docker-defaults';
import { buildSpec, privilegedCapabilities, type SpecInput } from '../../../src-main/engine/runtime/spec-builder';
import { errorOf } from '../../helpers/errors';

const ID = 'cd34'.padEnd(64, '0');

function spec(options: ContainerOptions = {}, extra: Partial<SpecInput> = {}) {
  return buildSpec({ id: ID, image: { Cmd: ['true'] }, options, rootfs: '/x/rootfs', cgroupsPath: `/strata/${ID}`, readImageFile: () => undefined, ...extra });
}

/** A rule in devices.list form, to compare with the list. */
function text(rule: OciDeviceRule): string {
  if (rule.type === undefined && rule.major === undefined && rule.minor === undefined) return `${rule.allow ? 'allow' : 'deny'} a ${rule.access}`;
  return `${rule.allow ? 'allow' : 'deny'} ${rule.type} ${rule.major ?? '*'}:${rule.minor ?? '*'} ${rule.access}`;
}

describe('buildSpec: the device policy', () => {
  it('--privileged takes the capabilities this process holds, all of them where it holds all', () => {
    const proc = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-proc-'));
    try {
      fs.mkdirSync(path.join(proc, 'self'));
      fs.writeFileSync(path.join(proc, 'self/status'), 'Name:\tnode\nCapEff:\t000001fffeffffff\n'); // all but CAP_SYS_RESOURCE (24)
      const caps = privilegedCapabilities(proc);
      expect(caps).not.toContain('CAP_SYS_RESOURCE');
      expect(caps).toEqual(ALL_CAPABILITIES.filter((c) => c !== 'CAP_SYS_RESOURCE'));
      fs.writeFileSync(path.join(proc, 'self/status'), 'Name:\tnode\nCapEff:\t000001ffffffffff\n');
      expect(privilegedCapabilities(proc)).toEqual(ALL_CAPABILITIES);
    } finally {
      fs.rmSync(proc, { recursive: true, force: true });
    }
  });

  it("denies every device but Docker's defaults, and lets nodes be made (not opened)", () => {
    const rules = spec().linux.resources!.devices!;
    expect(rules.map(text)).toEqual([
      'deny a rwm',
      'allow c *:* m',
      'allow b *:* m',
      ...['1:3', '1:5', '1:7', '1:8', '1:9', '5:0', '5:1', '5:2', '136:*', '10:200'].map((n) => `allow c ${n} rwm`),
    ]);
    expect(spec().linux.devices).toBeUndefined();
  });

  it('gives the same policy with limits, and to build steps (which go through buildSpec too)', () => {
    const limited = spec({ memory: 64 * 1024 * 1024, cpus: 0.5 });
    expect(limited.linux.resources!.devices).toEqual(spec().linux.resources!.devices);
  });

  it('--device adds the node with the host numbers and mode, and a rule with its access', () => {
    const fuse: HostDevice = { type: 'c', major: 10, minor: 229, mode: 0o600, uid: 0, gid: 0 };
    const disk: HostDevice = { type: 'b', major: 8, minor: 16, mode: 0o660, uid: 0, gid: 6 };
    const hosts: Record<string, HostDevice> = { '/dev/fuse': fuse, '/dev/sdb': disk };
    const s = spec(
      {
        devices: [
          { hostPath: '/dev/fuse', containerPath: '/dev/fuse', permissions: 'rwm' },
          { hostPath: '/dev/sdb', containerPath: '/dev/xvda', permissions: 'r' },
        ],
      },
      { hostDevice: (p) => hosts[p]! },
    );
    expect(s.linux.devices).toEqual([
      { path: '/dev/fuse', type: 'c', major: 10, minor: 229, fileMode: 0o600, uid: 0, gid: 0 },
      { path: '/dev/xvda', type: 'b', major: 8, minor: 16, fileMode: 0o660, uid: 0, gid: 6 },
    ]);
    const rules = s.linux.resources!.devices!.map(text);
    expect(rules[0]).toBe('deny a rwm');
    expect(rules.slice(-2)).toEqual(['allow c 10:229 rwm', 'allow b 8:16 r']);
  });

  it('reads the numbers of a real host node', () => {
    expect(statHostDevice('/dev/null')).toMatchObject({ type: 'c', major: 1, minor: 3 });
    expect(statHostDevice('/dev/zero')).toMatchObject({ type: 'c', major: 1, minor: 5 });
  });

  it('refuses a missing path (NOT_FOUND) and a file that is no device (INVALID_ARGUMENT)', () => {
    const missing = errorOf(() => spec({ devices: [{ hostPath: '/dev/no-such-device', containerPath: '/dev/x', permissions: 'rwm' }] }));
    expect(missing.code).toBe('NOT_FOUND');
    expect(missing.message).toBe('--device /dev/no-such-device: no such file on the host');
    const file = errorOf(() => spec({ devices: [{ hostPath: '/etc/hostname', containerPath: '/dev/x', permissions: 'rwm' }] }));
    expect(file.code).toBe('INVALID_ARGUMENT');
    expect(file.message).toMatch(/^--device \/etc\/hostname: not a device node/);
  });

  it('--privileged: every device, every capability, /proc unmasked, /sys writable', () => {
    const s = spec({ privileged: true });
    expect(s.linux.resources!.devices).toEqual([{ allow: true, access: 'rwm' }]);
    for (const set of ['bounding', 'effective', 'permitted'] as const) expect(s.process.capabilities![set]).toEqual(privilegedCapabilities());
    expect(ALL_CAPABILITIES).toEqual(expect.arrayContaining([...DOCKER_CAPABILITIES]));
    expect(ALL_CAPABILITIES).toContain('CAP_SYS_ADMIN');
    expect(s.linux.maskedPaths).toEqual([]);
    expect(s.linux.readonlyPaths).toEqual([]);
    expect(s.mounts!.find((m) => m.destination === '/sys')!.options).not.toContain('ro');
    expect(spec().mounts).toEqual(defaultMounts());
  });
});
