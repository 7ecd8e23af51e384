// The security flags of `run`/`create` as text: `--cap-add`/`--cap-drop` names and
// `--security-opt` entries, parsed into what ContainerOptions holds. The names are
// src-shared's (the run dialog checks the same list); what a container's capability set
// becomes is runtime/capabilities.ts's, and the seccomp profile's effect the runtime's.
import { ALL, type CapabilityName, normalizeCapability } from '@shared/capabilities';
import { StrataError } from '@shared/errors';

/** A capability list after parsing: each name in its one spelling (`CAP_SYS_ADMIN`, `ALL`), once. */
export type CapabilityList = (CapabilityName | typeof ALL)[];

/** Why a name was refused, without the flag: the CLI puts `--cap-add` before it, the API the field's path. */
export function unknownCapabilityMessage(name: string): string {
  return `unknown capability ${JSON.stringify(name)}: expected a name such as NET_ADMIN or CAP_NET_ADMIN (any case; see capabilities(7)), or ALL`;
}

/**
 * `sys_admin`, `CAP_NET_ADMIN`, `all` → `CAP_SYS_ADMIN`, `CAP_NET_ADMIN`, `ALL`, in the order
 * given, each once; or where the first name no kernel has is.
 */
export function normalizeCapabilities(names: readonly string[]): { capabilities: CapabilityList } | { unknownAt: number } {
  const capabilities: CapabilityList = [];
  for (const [index, name] of names.entries()) {
    const capability = normalizeCapability(name);
    if (capability === undefined) return { unknownAt: index };
    if (!capabilities.includes(capability)) capabilities.push(capability);
  }
  return { capabilities };
}

/** normalizeCapabilities, an unknown name INVALID_ARGUMENT naming it (`what`: the flag or field). */
export function parseCapabilities(names: readonly string[], what: string): CapabilityList {
  const result = normalizeCapabilities(names);
  if ('unknownAt' in result) throw new StrataError('INVALID_ARGUMENT', `${what}: ${unknownCapabilityMessage(names[result.unknownAt]!)}`);
  return result.capabilities;
}

/** One `--security-opt` entry, understood. */
export type SecurityOpt =
  /** `seccomp=unconfined`: no profile at all. */
  | { kind: 'seccomp'; profile: 'unconfined' }
  /** `seccomp=PATH`: a JSON profile in a file of the caller's, which the caller reads (the engine may be elsewhere). */
  | { kind: 'seccomp-file'; path: string }
  /** `no-new-privileges[=true|false]`. */
  | { kind: 'no-new-privileges'; value: boolean }
  /** `label=disable`, `apparmor=unconfined`: turns off a confinement Strata does not apply: nothing to do, said as a warning. */
  | { kind: 'no-effect'; warning: string };

/** Docker's and Podman's options that ask for what Strata cannot do: refused, never silently dropped. */
const UNSUPPORTED_KEYS: Record<string, string> = {
  systempaths: 'Strata always masks and write-protects the /proc and /sys paths Docker does (--privileged lifts that)',
  mask: 'Strata masks a fixed set of paths',
  unmask: 'Strata masks a fixed set of paths (--privileged lifts that)',
};

/**
 * `seccomp=unconfined|PATH`, `no-new-privileges[=true|false]`, `label=…`, `apparmor=…`;
 * `key:value` is read as `key=value` too, as Docker still reads it.
 *
 * Strata applies no SELinux label and no AppArmor profile (it runs where neither may be).
 * So an option that only turns one off (`label=disable`, `apparmor=unconfined`) is
 * accepted with a warning, as Podman does on a host without them, while one that asks
 * for a label or a profile is UNSUPPORTED: a container must not run less confined than
 * its user asked without them knowing. Anything else is INVALID_ARGUMENT.
 */
export function parseSecurityOpt(text: string): SecurityOpt {
  const what = `--security-opt ${JSON.stringify(text)}`;
  const separator = /[=:]/.exec(text);
  const key = separator ? text.slice(0, separator.index) : text;
  const value = separator ? text.slice(separator.index + 1) : undefined;
  switch (key) {
    case 'seccomp':
      if (!value) throw invalid(`${what}: expected seccomp=unconfined or seccomp=PATH (a JSON profile)`);
      return value === 'unconfined' ? { kind: 'seccomp', profile: 'unconfined' } : { kind: 'seccomp-file', path: value };
    case 'no-new-privileges':
      if (value === undefined || value === 'true') return { kind: 'no-new-privileges', value: true };
      if (value === 'false') return { kind: 'no-new-privileges', value: false };
      throw invalid(`${what}: expected no-new-privileges, no-new-privileges=true or no-new-privileges=false`);
    case 'label':
      if (value === 'disable') return { kind: 'no-effect', warning: `${what}: Strata applies no SELinux labels, so there is nothing to disable` };
      throw new StrataError('UNSUPPORTED', `${what}: Strata applies no SELinux labels (only label=disable is accepted, and changes nothing)`);
    case 'apparmor':
      if (value === 'unconfined') return { kind: 'no-effect', warning: `${what}: Strata applies no AppArmor profile, so the container is unconfined by AppArmor already` };
      throw new StrataError('UNSUPPORTED', `${what}: Strata applies no AppArmor profiles (only apparmor=unconfined is accepted, and changes nothing)`);
    default:
      if (UNSUPPORTED_KEYS[key] !== undefined) throw new StrataError('UNSUPPORTED', `${what}: not supported: ${UNSUPPORTED_KEYS[key]}`);
      throw invalid(`${what}: unknown security option (use seccomp=unconfined|PATH, no-new-privileges[=true|false], label=disable or apparmor=unconfined)`);
  }
}

function invalid(message: string): StrataError {
  return new StrataError('INVALID_ARGUMENT', message);
}
