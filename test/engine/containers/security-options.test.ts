// The security flags as text (containers/security-options.ts) and as the API takes them
// (containerOptionsSchema): capability names in their one spelling or refused by name,
// each --security-opt understood, refused with its code, or accepted with a warning.
import { describe, expect, it } from 'vitest';
import { containerOptionsSchema } from '../../../src-main/engine/containers/options';
import { parseCapabilities, parseSecurityOpt } from '../../../src-main/engine/containers/security-options';
import { CAPABILITIES, normalizeCapability } from '@shared/capabilities';
import { errorOf } from '../../helpers/errors';

describe('capability names', () => {
  it('takes any case, with or without CAP_, and ALL', () => {
    for (const text of ['sys_admin', 'SYS_ADMIN', 'cap_sys_admin', 'CAP_SYS_ADMIN', 'Cap_Sys_Admin', ' sys_admin ']) expect(normalizeCapability(text), text).toBe('CAP_SYS_ADMIN');
    expect(normalizeCapability('all')).toBe('ALL');
    expect(normalizeCapability('ALL')).toBe('ALL');
    for (const text of ['', 'CAP_', 'CAP_ALL', 'SYS_WIZARD', 'sysadmin', 'CAP_SYS_ADMIN,NET_ADMIN']) expect(normalizeCapability(text), text).toBeUndefined();
  });

  it('knows all 41 capabilities of current kernels, in bit order', () => {
    expect(CAPABILITIES).toHaveLength(41);
    expect(CAPABILITIES[0]).toBe('CAP_CHOWN');
    expect(CAPABILITIES[21]).toBe('CAP_SYS_ADMIN');
    expect(CAPABILITIES[40]).toBe('CAP_CHECKPOINT_RESTORE');
  });

  it('parses a list to one spelling, each once, or names the first unknown one', () => {
    expect(parseCapabilities(['net_admin', 'CAP_NET_ADMIN', 'all', 'sys_time'], '--cap-add')).toEqual(['CAP_NET_ADMIN', 'ALL', 'CAP_SYS_TIME']);
    const error = errorOf(() => parseCapabilities(['chown', 'SYS_WIZARD', 'NOPE'], '--cap-drop'));
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toBe('--cap-drop: unknown capability "SYS_WIZARD": expected a name such as NET_ADMIN or CAP_NET_ADMIN (any case; see capabilities(7)), or ALL');
  });
});

describe('--security-opt', () => {
  it('seccomp=unconfined, or seccomp=PATH for the caller to read', () => {
    expect(parseSecurityOpt('seccomp=unconfined')).toEqual({ kind: 'seccomp', profile: 'unconfined' });
    expect(parseSecurityOpt('seccomp=./profile.json')).toEqual({ kind: 'seccomp-file', path: './profile.json' });
    expect(parseSecurityOpt('seccomp=/etc/a:b.json')).toEqual({ kind: 'seccomp-file', path: '/etc/a:b.json' });
    // Docker's older `key:value` form
    expect(parseSecurityOpt('seccomp:unconfined')).toEqual({ kind: 'seccomp', profile: 'unconfined' });
  });

  it('no-new-privileges, =true, =false (and Docker’s :true)', () => {
    expect(parseSecurityOpt('no-new-privileges')).toEqual({ kind: 'no-new-privileges', value: true });
    expect(parseSecurityOpt('no-new-privileges=true')).toEqual({ kind: 'no-new-privileges', value: true });
    expect(parseSecurityOpt('no-new-privileges:true')).toEqual({ kind: 'no-new-privileges', value: true });
    expect(parseSecurityOpt('no-new-privileges=false')).toEqual({ kind: 'no-new-privileges', value: false });
  });

  it('accepts turning off SELinux or AppArmor, which Strata does not apply, with a warning', () => {
    const label = parseSecurityOpt('label=disable');
    expect(label).toEqual({ kind: 'no-effect', warning: expect.stringContaining('Strata applies no SELinux labels') });
    const apparmor = parseSecurityOpt('apparmor=unconfined');
    expect(apparmor).toEqual({ kind: 'no-effect', warning: expect.stringContaining('Strata applies no AppArmor profile') });
  });

  it('refuses a label, an AppArmor profile or another confinement it cannot apply (UNSUPPORTED)', () => {
    for (const text of ['label=type:svirt_apache_t', 'label=level:s0:c100,c200', 'label=nested', 'apparmor=docker-default', 'systempaths=unconfined', 'unmask=ALL', 'mask=/proc/foo']) {
      const error = errorOf(() => parseSecurityOpt(text));
      expect(error.code, text).toBe('UNSUPPORTED');
      expect(error.message, text).toContain(`--security-opt ${JSON.stringify(text)}`);
    }
  });

  it('refuses unknown options and bad values (INVALID_ARGUMENT)', () => {
    for (const text of ['', 'seccomp', 'seccomp=', 'no-new-privileges=yes', 'no-new-privileges=', 'privileged', 'nnp=true', 'seccomp-policy=image']) {
      const error = errorOf(() => parseSecurityOpt(text));
      expect(error.code, text).toBe('INVALID_ARGUMENT');
      expect(error.message, text).toContain(`--security-opt ${JSON.stringify(text)}`);
    }
  });
});

describe('containerOptionsSchema: the security options as the API takes them', () => {
  it('keeps capability names in their one spelling, each once', () => {
    const options = containerOptionsSchema().parse({ capAdd: ['sys_admin', 'CAP_SYS_ADMIN', 'all'], capDrop: ['chown'], readonlyRootfs: true, noNewPrivileges: false, seccompProfile: 'unconfined' });
    expect(options).toEqual({ capAdd: ['CAP_SYS_ADMIN', 'ALL'], capDrop: ['CAP_CHOWN'], readonlyRootfs: true, noNewPrivileges: false, seccompProfile: 'unconfined' });
  });

  it('names an unknown capability at its place in the list', () => {
    const result = containerOptionsSchema().safeParse({ capDrop: ['chown', 'SYS_WIZARD'] });
    expect(result.success).toBe(false);
    expect(result.error?.issues).toEqual([expect.objectContaining({ path: ['capDrop', 1], message: expect.stringContaining('unknown capability "SYS_WIZARD"') })]);
  });

  it.each([
    [{ capAdd: 'SYS_ADMIN' }, 'capAdd'],
    [{ capDrop: [1] }, 'capDrop'],
    [{ readonlyRootfs: 'yes' }, 'readonlyRootfs'],
    [{ noNewPrivileges: 0 }, 'noNewPrivileges'],
    [{ seccompProfile: '' }, 'seccompProfile'],
    [{ seccompProfile: { defaultAction: 'SCMP_ACT_ALLOW' } }, 'seccompProfile'],
    [{ securityOpt: ['no-new-privileges'] }, undefined],
  ])('refuses %j', (options, field) => {
    const result = containerOptionsSchema().safeParse(options);
    expect(result.success).toBe(false);
    if (field) expect(result.error?.issues.map((issue) => issue.path[0])).toContain(field);
  });
});
