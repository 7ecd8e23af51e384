// The security options in config.json, from the spec alone: the capability set by
// Docker's rules for --cap-add/--cap-drop (runtime/capabilities.ts), no_new_privs on
// unless turned off, and --read-only's root with its tmpfs. Seen from inside a running
// container in test/engine/containers/security-options-run.test.ts.
import { describe, expect, it } from 'vitest';
import type { ContainerOptions } from '../../../src-main/engine/containers/options';
import type { RunConfig } from '../../../src-main/engine/images/oci';
import { containerCapabilities } from '../../../src-main/engine/runtime/capabilities';
import { ALL_CAPABILITIES, type OciCapability, defaultMounts } from '../../../src-main/engine/runtime/oci-config';
import { buildSpec, privilegedCapabilities } from '../../../src-main/engine/runtime/spec-builder';
import { DOCKER_CAPABILITIES } from '../../helpers/docker-defaults';
import { errorOf } from '../../helpers/errors';

const ID = 'cd34'.padEnd(64, '0');
const IMAGE: RunConfig = { Cmd: ['true'] };

function spec(options: ContainerOptions) {
  return buildSpec({ id: ID, image: IMAGE, options, rootfs: '/var/lib/strata/containers/x/rootfs', cgroupsPath: `/strata/${ID}`, readImageFile: () => undefined });
}

/** An engine that holds every capability, and one without CAP_SYS_RESOURCE (as in many CI containers). */
const ALL_HELD = () => ALL_CAPABILITIES;
const NO_SYS_RESOURCE = () => ALL_CAPABILITIES.filter((c) => c !== 'CAP_SYS_RESOURCE');
const docker = [...DOCKER_CAPABILITIES] as OciCapability[];
const caps = (options: ContainerOptions, held = ALL_HELD) => containerCapabilities(options, held);

describe('containerCapabilities: Docker’s rules for --cap-add and --cap-drop', () => {
  it("gives Docker's default set when neither is given", () => {
    expect(caps({})).toEqual(docker);
    expect(caps({ capAdd: [], capDrop: [] })).toEqual(docker);
  });

  it('adds and drops by name, in any case, with or without CAP_', () => {
    expect(caps({ capAdd: ['sys_admin', 'CAP_NET_ADMIN', 'Sys_Time'] })).toEqual([...docker, 'CAP_SYS_ADMIN', 'CAP_NET_ADMIN', 'CAP_SYS_TIME']);
    expect(caps({ capDrop: ['chown', 'CAP_NET_RAW'] })).toEqual(docker.filter((c) => c !== 'CAP_CHOWN' && c !== 'CAP_NET_RAW'));
    // adding one the default set has, or dropping one it lacks, changes nothing
    expect(caps({ capAdd: ['CHOWN'], capDrop: ['SYS_ADMIN'] })).toEqual(docker);
  });

  it('--cap-drop ALL leaves only the added ones', () => {
    expect(caps({ capDrop: ['ALL'] })).toEqual([]);
    expect(caps({ capDrop: ['all'], capAdd: ['NET_BIND_SERVICE', 'chown'] })).toEqual(['CAP_NET_BIND_SERVICE', 'CAP_CHOWN']);
  });

  it('--cap-add ALL gives every capability the engine holds, less the ones dropped by name', () => {
    expect(caps({ capAdd: ['ALL'] })).toEqual(ALL_CAPABILITIES);
    expect(caps({ capAdd: ['ALL'] }, NO_SYS_RESOURCE)).toEqual(NO_SYS_RESOURCE());
    expect(caps({ capAdd: ['ALL'], capDrop: ['SYS_ADMIN', 'mknod'] })).toEqual(ALL_CAPABILITIES.filter((c) => c !== 'CAP_SYS_ADMIN' && c !== 'CAP_MKNOD'));
    expect(caps({ capAdd: ['ALL'], capDrop: ['ALL'] })).toEqual(ALL_CAPABILITIES); // Docker: the add wins
  });

  it('a name both added and dropped is added, as Docker has it', () => {
    expect(caps({ capAdd: ['SYS_ADMIN'], capDrop: ['SYS_ADMIN'] })).toContain('CAP_SYS_ADMIN');
    expect(caps({ capAdd: ['CHOWN'], capDrop: ['CHOWN'] }).sort()).toEqual([...docker].sort()); // dropped, then added back at the end
  });

  it('privileged gets every capability the engine holds, whatever the lists say', () => {
    expect(caps({ privileged: true, capDrop: ['ALL'] })).toEqual(ALL_CAPABILITIES);
    expect(caps({ privileged: true, capAdd: ['SYS_RESOURCE'] }, NO_SYS_RESOURCE)).toEqual(NO_SYS_RESOURCE());
  });

  it('refuses to add by name a capability the engine lacks (UNSUPPORTED, naming it)', () => {
    const error = errorOf(() => caps({ capAdd: ['sys_resource', 'SYS_ADMIN'] }, NO_SYS_RESOURCE));
    expect(error.code).toBe('UNSUPPORTED');
    expect(error.message).toMatch(/^--cap-add CAP_SYS_RESOURCE: the engine does not hold this capability/);
    // dropping it, or ALL, is fine
    expect(caps({ capDrop: ['SYS_RESOURCE'] }, NO_SYS_RESOURCE)).toEqual(docker);
  });

  it('refuses an unknown name as INVALID_ARGUMENT naming it (options that did not come through the schema)', () => {
    for (const [options, flag, name] of [
      [{ capAdd: ['NET_ADMIN', 'SYS_WIZARD'] }, '--cap-add', 'SYS_WIZARD'],
      [{ capDrop: ['CAP_'] }, '--cap-drop', 'CAP_'],
      [{ capDrop: [''] }, '--cap-drop', ''],
    ] satisfies [ContainerOptions, string, string][]) {
      const error = errorOf(() => caps(options));
      expect(error.code).toBe('INVALID_ARGUMENT');
      expect(error.message).toContain(`${flag}: unknown capability ${JSON.stringify(name)}`);
    }
  });
});

describe('buildSpec: security options', () => {
  it('puts the same set in bounding, effective and permitted, none inheritable or ambient', () => {
    const process = spec({ capDrop: ['ALL'], capAdd: ['NET_ADMIN'] }).process;
    expect(process.capabilities).toEqual({ bounding: ['CAP_NET_ADMIN'], effective: ['CAP_NET_ADMIN'], permitted: ['CAP_NET_ADMIN'], inheritable: [], ambient: [] });
    expect(spec({ capAdd: ['ALL'] }).process.capabilities?.bounding).toEqual(privilegedCapabilities());
  });

  it('sets no_new_privs unless turned off (Strata’s default; Docker’s is off)', () => {
    expect(spec({}).process.noNewPrivileges).toBe(true);
    expect(spec({ noNewPrivileges: true }).process.noNewPrivileges).toBe(true);
    expect(spec({ noNewPrivileges: false }).process.noNewPrivileges).toBe(false);
    expect(spec({ privileged: true }).process.noNewPrivileges).toBe(true);
  });

  it('keeps the root writable and adds no tmpfs without --read-only', () => {
    const s = spec({});
    expect(s.root.readonly).toBe(false);
    expect(s.mounts).toEqual(defaultMounts());
  });

  it('--read-only: a read-only root with its own tmpfs on /tmp, /var/tmp and /run; volumes stay as given', () => {
    const s = spec({ readonlyRootfs: true, volumes: [{ source: '/srv/data', destination: '/data', readonly: false }, { source: '/srv/tmp-cache', destination: '/tmp/cache', readonly: false }] });
    expect(s.root.readonly).toBe(true);
    const added = s.mounts!.slice(defaultMounts().length);
    expect(added.map((m) => [m.destination, m.type])).toEqual([
      ['/tmp', 'tmpfs'],
      ['/var/tmp', 'tmpfs'],
      ['/run', 'tmpfs'],
      ['/data', 'bind'],
      ['/tmp/cache', 'bind'], // after /tmp's tmpfs: mounted on it, not hidden by it
    ]);
    for (const tmpfs of added.slice(0, 3)) expect(tmpfs.options).toEqual(expect.arrayContaining(['nosuid', 'nodev']));
    expect(added[0]!.options).toContain('mode=1777');
    expect(added.find((m) => m.destination === '/data')?.options).toContain('rw');
    // /dev and /dev/shm are tmpfs of their own, writable (no `ro`)
    for (const dest of ['/dev', '/dev/shm']) expect(s.mounts!.find((m) => m.destination === dest)?.options).not.toContain('ro');
  });

  it('--read-only: a volume on /tmp replaces its tmpfs', () => {
    const s = spec({ readonlyRootfs: true, volumes: [{ source: '/srv/scratch', destination: '/tmp', readonly: false }] });
    expect(s.mounts!.filter((m) => m.destination === '/tmp')).toEqual([{ destination: '/tmp', type: 'bind', source: '/srv/scratch', options: ['rbind', 'rprivate', 'rw'] }]);
  });
});
