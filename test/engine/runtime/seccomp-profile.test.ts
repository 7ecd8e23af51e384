// The seccomp profile a container gets, resolved without a kernel: the default profile
// held to facts of Docker's (test/helpers/docker-defaults.ts) for each capability set,
// architecture and kernel; a user's profile in Docker's format checked field by field and
// resolved as Docker resolves it; what inspect says.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { StrataError } from '@shared/errors';
import { containerOptionsSchema } from '../../../src-main/engine/containers/options';
import type { OciCapability, OciSeccomp } from '../../../src-main/engine/runtime/oci-config';
import { ALL_CAPABILITIES, DEFAULT_CAPABILITIES } from '../../../src-main/engine/runtime/oci-config';
import { parseSeccompProfile, seccompFor, seccompMode } from '../../../src-main/engine/runtime/seccomp-profile';
import { DOCKER_SECCOMP_ALWAYS, DOCKER_SECCOMP_BY_CAPABILITY, DOCKER_SECCOMP_NEVER } from '../../helpers/docker-defaults';

const X64 = { arch: 'x64', kernel: '6.1.0-18-amd64' };

function resolved(capabilities: readonly OciCapability[] = DEFAULT_CAPABILITIES, host = X64): OciSeccomp {
  return seccompFor({}, capabilities, host)!;
}

/** Syscalls a profile allows with no condition on their arguments. */
function allowed(profile: OciSeccomp): Set<string> {
  return new Set(profile.syscalls!.filter((rule) => rule.action === 'SCMP_ACT_ALLOW' && !rule.args).flatMap((rule) => rule.names));
}

/** Every rule naming a syscall. */
function rulesFor(profile: OciSeccomp, name: string) {
  return profile.syscalls!.filter((rule) => rule.names.includes(name));
}

function refusal(fn: () => unknown, code = 'INVALID_ARGUMENT'): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(StrataError);
    expect((error as StrataError).code).toBe(code);
    return (error as Error).message;
  }
  throw new Error(`expected ${code}`);
}

describe('the default profile, for the default capabilities on x86-64', () => {
  const profile = resolved();

  it('refuses what no rule allows with EPERM, for x86-64, i386 and x32 programs', () => {
    expect(profile).toMatchObject({ defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: 1, architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'] });
  });

  it("allows what Docker's allows every container, and never what Docker's never does", () => {
    const yes = allowed(profile);
    for (const name of DOCKER_SECCOMP_ALWAYS) expect(yes, name).toContain(name);
    for (const name of DOCKER_SECCOMP_NEVER) expect(rulesFor(profile, name), name).toEqual([]);
    expect(yes.size).toBeGreaterThan(350);
  });

  it('holds back what the missing capabilities would unlock', () => {
    const yes = allowed(profile);
    for (const [cap, names] of Object.entries(DOCKER_SECCOMP_BY_CAPABILITY)) {
      if (DEFAULT_CAPABILITIES.includes(cap as OciCapability)) continue;
      // ptrace and process_vm_* are Docker's on kernels ≥ 4.8 whatever the capabilities
      for (const name of names.filter((n) => !['ptrace', 'process_vm_readv', 'process_vm_writev', 'clone'].includes(n))) expect(yes, `${name} without ${cap}`).not.toContain(name);
    }
    expect(yes).toContain('chroot'); // CAP_SYS_CHROOT is a default capability
  });

  it('allows clone without namespace flags, and clone3 only as ENOSYS so libc falls back to clone', () => {
    expect(rulesFor(profile, 'clone')).toEqual([{ names: ['clone'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, op: 'SCMP_CMP_MASKED_EQ', value: 0x7e020000, valueTwo: 0 }] }]);
    expect(rulesFor(profile, 'clone3')).toEqual([{ names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 }]);
  });

  it('allows personality for the harmless personas and socket for all families but AF_ALG and AF_VSOCK', () => {
    expect(rulesFor(profile, 'personality').map((rule) => rule.args)).toEqual([0, 8, 0x20000, 0x20008, 0xffffffff].map((value) => [{ index: 0, op: 'SCMP_CMP_EQ', value }]));
    expect(rulesFor(profile, 'socket').map((rule) => rule.args![0])).toEqual([
      { index: 0, op: 'SCMP_CMP_LT', value: 38 },
      { index: 0, op: 'SCMP_CMP_EQ', value: 39 },
      { index: 0, op: 'SCMP_CMP_GT', value: 40 },
    ]);
  });

  it('allows ptrace on kernels since 4.8 only (before, a tracer could slip past the filter)', () => {
    expect(allowed(profile)).toContain('ptrace');
    expect(allowed(resolved(DEFAULT_CAPABILITIES, { arch: 'x64', kernel: '4.4.0-210-generic' }))).not.toContain('ptrace');
    expect(allowed(resolved(DEFAULT_CAPABILITIES, { arch: 'x64', kernel: '4.8.0' }))).toContain('ptrace');
  });

  it('keeps the rules of other architectures out', () => {
    expect(allowed(profile)).toContain('arch_prctl');
    expect(allowed(profile)).toContain('modify_ldt');
    for (const name of ['set_tls', 'cacheflush', 's390_runtime_instr', 'riscv_flush_icache', 'swapcontext']) expect(rulesFor(profile, name), name).toEqual([]);
  });
});

describe('the default profile, for other capabilities and hosts', () => {
  it('unlocks, for each capability, what Docker unlocks', () => {
    for (const [cap, names] of Object.entries(DOCKER_SECCOMP_BY_CAPABILITY)) {
      const yes = allowed(resolved([...DEFAULT_CAPABILITIES, cap as OciCapability]));
      for (const name of names) expect(yes, `${name} with ${cap}`).toContain(name);
    }
  });

  it('with CAP_SYS_ADMIN: clone and clone3 with any flags, no ENOSYS rule', () => {
    const admin = resolved([...DEFAULT_CAPABILITIES, 'CAP_SYS_ADMIN']);
    expect(rulesFor(admin, 'clone3')).toEqual([expect.objectContaining({ action: 'SCMP_ACT_ALLOW' })]);
    expect(rulesFor(admin, 'clone').every((rule) => rule.args === undefined)).toBe(true);
  });

  it('every capability: everything Docker gates on one', () => {
    const yes = allowed(resolved(ALL_CAPABILITIES));
    for (const names of Object.values(DOCKER_SECCOMP_BY_CAPABILITY)) for (const name of names) expect(yes).toContain(name);
    for (const name of DOCKER_SECCOMP_NEVER) expect(yes).not.toContain(name);
  });

  it('arm64: its own rules and both ABIs; s390x: clone flags in the second argument', () => {
    const arm = resolved(DEFAULT_CAPABILITIES, { arch: 'arm64', kernel: '6.1.0' });
    expect(arm.architectures).toEqual(['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM']);
    expect(allowed(arm)).toContain('set_tls');
    expect(rulesFor(arm, 'arch_prctl')).toEqual([]);
    const s390 = resolved(DEFAULT_CAPABILITIES, { arch: 's390x', kernel: '6.1.0' });
    expect(rulesFor(s390, 'clone').map((rule) => rule.args![0]!.index)).toEqual([1]);
    expect(resolved(DEFAULT_CAPABILITIES, { arch: 'ppc64', kernel: '6.1.0' }).architectures).toBeUndefined(); // the native ABI only
  });
});

describe('the option: unconfined, --privileged, a profile of ours', () => {
  it('none for unconfined and for --privileged (as Docker)', () => {
    expect(seccompFor({ seccompProfile: 'unconfined' }, DEFAULT_CAPABILITIES)).toBeUndefined();
    expect(seccompFor({ privileged: true }, ALL_CAPABILITIES)).toBeUndefined();
    expect(seccompFor({ privileged: true, seccompProfile: '{"defaultAction":"SCMP_ACT_ALLOW"}' }, ALL_CAPABILITIES)).toBeUndefined();
  });

  it('inspect names the mode, and a custom profile by its sha256', () => {
    const text = '{"defaultAction":"SCMP_ACT_ALLOW"}';
    expect(seccompMode({})).toEqual({ mode: 'default' });
    expect(seccompMode({ seccompProfile: 'unconfined' })).toEqual({ mode: 'unconfined' });
    expect(seccompMode({ privileged: true })).toEqual({ mode: 'unconfined' });
    expect(seccompMode({ seccompProfile: text })).toEqual({ mode: 'custom', sha256: createHash('sha256').update(text).digest('hex') });
  });
});

describe("a user's profile in Docker's format", () => {
  const docker = {
    defaultAction: 'SCMP_ACT_ERRNO',
    defaultErrnoRet: 1,
    archMap: [
      { architecture: 'SCMP_ARCH_X86_64', subArchitectures: ['SCMP_ARCH_X86', 'SCMP_ARCH_X32'] },
      { architecture: 'SCMP_ARCH_AARCH64', subArchitectures: ['SCMP_ARCH_ARM'] },
    ],
    syscalls: [
      { names: ['read', 'write'], action: 'SCMP_ACT_ALLOW' },
      { name: 'mount', action: 'SCMP_ACT_ALLOW', includes: { caps: ['CAP_SYS_ADMIN'] } },
      { names: ['clone'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 2114060288, op: 'SCMP_CMP_MASKED_EQ' }], excludes: { caps: ['CAP_SYS_ADMIN'], arches: ['s390', 's390x'] } },
      { names: ['arch_prctl'], action: 'SCMP_ACT_ALLOW', includes: { arches: ['amd64', 'x32'] } },
      { names: ['set_tls'], action: 'SCMP_ACT_ALLOW', includes: { arches: ['arm', 'arm64'] } },
      { names: ['ptrace'], action: 'SCMP_ACT_ALLOW', includes: { minKernel: '4.8' }, comment: 'a comment is kept out' },
      { names: ['old_call'], action: 'SCMP_ACT_ALLOW', excludes: { minKernel: '5.0' } },
      { names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 },
    ],
  };
  const text = JSON.stringify(docker);
  const names = (profile: OciSeccomp) => profile.syscalls!.flatMap((rule) => rule.names);

  it('takes the archMap entry of this architecture and the rules whose conditions hold', () => {
    const profile = seccompFor({ seccompProfile: text }, DEFAULT_CAPABILITIES, X64)!;
    expect(profile.architectures).toEqual(['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32']);
    expect(profile.defaultErrnoRet).toBe(1);
    expect(names(profile)).toEqual(['read', 'write', 'clone', 'arch_prctl', 'ptrace', 'clone3']);
    expect(profile.syscalls![1]).toEqual({ names: ['clone'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 2114060288, op: 'SCMP_CMP_MASKED_EQ' }] });
    expect(profile.syscalls![4]).toEqual({ names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 });
  });

  it('resolves again for other capabilities, architectures and kernels', () => {
    expect(names(seccompFor({ seccompProfile: text }, [...DEFAULT_CAPABILITIES, 'CAP_SYS_ADMIN'], X64)!)).toEqual(['read', 'write', 'mount', 'arch_prctl', 'ptrace', 'clone3']);
    const arm = seccompFor({ seccompProfile: text }, DEFAULT_CAPABILITIES, { arch: 'arm64', kernel: '4.4.0' })!;
    expect(arm.architectures).toEqual(['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM']);
    expect(names(arm)).toEqual(['read', 'write', 'clone', 'set_tls', 'old_call', 'clone3']);
  });

  it('takes a plain OCI linux.seccomp as it is', () => {
    const oci = { defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_X86_64'], flags: ['SECCOMP_FILTER_FLAG_LOG'], syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO', errnoRet: 13 }] };
    expect(seccompFor({ seccompProfile: JSON.stringify(oci) }, DEFAULT_CAPABILITIES, X64)).toEqual(oci);
  });

  it.each<[string, string, RegExp]>([
    ['not JSON', '{"defaultAction":', /^seccomp profile: not JSON: /],
    ['not an object', '[1]', /must be a JSON object/],
    ['no defaultAction (an empty profile is not "no filter")', '{}', /defaultAction is required \(to run without a filter, use seccomp=unconfined\)/],
    ['an unknown action', '{"defaultAction":"SCMP_ACT_MAYBE"}', /defaultAction: unknown action "SCMP_ACT_MAYBE"/],
    ['errnoRet on ALLOW', '{"defaultAction":"SCMP_ACT_ALLOW","defaultErrnoRet":1}', /defaultErrnoRet: only SCMP_ACT_ERRNO and SCMP_ACT_TRACE take one/],
    ['an unknown architecture', '{"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_Z80"]}', /architectures\[0\]: unknown architecture "SCMP_ARCH_Z80"/],
    ['both architectures and archMap', '{"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_X86"],"archMap":[{"architecture":"SCMP_ARCH_X86_64","subArchitectures":[]}]}', /give architectures or archMap, not both/],
    ['an unknown flag', '{"defaultAction":"SCMP_ACT_ALLOW","flags":["FAST"]}', /flags\[0\]: unknown flag "FAST"/],
    ['syscalls not a list', '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":{}}', /syscalls must be a list/],
    ['a rule without names', '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"action":"SCMP_ACT_ERRNO"}]}', /syscalls\[0\]\.names: at least one syscall name/],
    ['name and names', '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"name":"a","names":["b"],"action":"SCMP_ACT_ERRNO"}]}', /syscalls\[0\]: give name or names, not both/],
    ['an unknown operator', '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["kill"],"action":"SCMP_ACT_ERRNO","args":[{"index":0,"value":1,"op":"LIKE"}]}]}', /args\[0\]\.op: unknown operator "LIKE"/],
    ['an argument index past 5', '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["kill"],"action":"SCMP_ACT_ERRNO","args":[{"index":6,"value":1,"op":"SCMP_CMP_EQ"}]}]}', /args\[0\]\.index must be a whole number from 0 to 5/],
    ['a value past 2^53', '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["kill"],"action":"SCMP_ACT_ERRNO","args":[{"index":0,"value":18446744073709551615,"op":"SCMP_CMP_EQ"}]}]}', /args\[0\]\.value must be a whole number/],
    ['a bad minKernel', '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["x"],"action":"SCMP_ACT_ERRNO","includes":{"minKernel":"four"}}]}', /includes\.minKernel: expected "<kernel>\.<major>"/],
    ['caps not a list', '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["x"],"action":"SCMP_ACT_ERRNO","excludes":{"caps":"CAP_SYS_ADMIN"}}]}', /excludes\.caps must be a list of strings/],
  ])('refuses %s: INVALID_ARGUMENT', (_, profile, message) => {
    expect(refusal(() => parseSeccompProfile(profile))).toMatch(message);
    expect(refusal(() => seccompFor({ seccompProfile: profile }, DEFAULT_CAPABILITIES))).toMatch(message);
  });

  it('refuses a notify listener: UNSUPPORTED', () => {
    expect(refusal(() => parseSeccompProfile('{"defaultAction":"SCMP_ACT_NOTIFY"}'), 'UNSUPPORTED')).toMatch(/SCMP_ACT_NOTIFY \(a notify listener\) is not supported/);
    expect(refusal(() => parseSeccompProfile('{"defaultAction":"SCMP_ACT_ALLOW","listenerPath":"/run/l.sock"}'), 'UNSUPPORTED')).toMatch(/listenerPath/);
  });

  it('is checked where options arrive through the API', () => {
    expect(containerOptionsSchema().safeParse({ seccompProfile: 'unconfined' }).success).toBe(true);
    expect(containerOptionsSchema().safeParse({ seccompProfile: text }).success).toBe(true);
    const bad = containerOptionsSchema().safeParse({ seccompProfile: '{"defaultAction":"SCMP_ACT_MAYBE"}' });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.message).toMatch(/unknown action "SCMP_ACT_MAYBE"/);
    expect(containerOptionsSchema().safeParse({ seccompProfile: 'x'.repeat(1024 * 1024 + 1) }).success).toBe(false);
  });
});
