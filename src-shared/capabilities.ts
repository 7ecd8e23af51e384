// Linux capability names as `--cap-add`/`--cap-drop` take them: the engine's options
// schema, the CLI's flags and the run dialog check names against this one list.
// How a container's set is computed from them is the engine's (runtime/capabilities.ts).

/** `CAP_CHOWN`: a capability's name as the runtime spec and the kernel's headers spell it. */
export type CapabilityName = `CAP_${string}`;

/**
 * Every capability strata-runtime knows, in bit order (linux/capability.h; the runtime's
 * caps.c has the same table). A kernel older than the last few lacks them; the runtime
 * skips those.
 */
export const CAPABILITIES: readonly CapabilityName[] = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL', 'CAP_SETGID',
  'CAP_SETUID', 'CAP_SETPCAP', 'CAP_LINUX_IMMUTABLE', 'CAP_NET_BIND_SERVICE', 'CAP_NET_BROADCAST', 'CAP_NET_ADMIN',
  'CAP_NET_RAW', 'CAP_IPC_LOCK', 'CAP_IPC_OWNER', 'CAP_SYS_MODULE', 'CAP_SYS_RAWIO', 'CAP_SYS_CHROOT', 'CAP_SYS_PTRACE',
  'CAP_SYS_PACCT', 'CAP_SYS_ADMIN', 'CAP_SYS_BOOT', 'CAP_SYS_NICE', 'CAP_SYS_RESOURCE', 'CAP_SYS_TIME',
  'CAP_SYS_TTY_CONFIG', 'CAP_MKNOD', 'CAP_LEASE', 'CAP_AUDIT_WRITE', 'CAP_AUDIT_CONTROL', 'CAP_SETFCAP',
  'CAP_MAC_OVERRIDE', 'CAP_MAC_ADMIN', 'CAP_SYSLOG', 'CAP_WAKE_ALARM', 'CAP_BLOCK_SUSPEND', 'CAP_AUDIT_READ',
  'CAP_PERFMON', 'CAP_BPF', 'CAP_CHECKPOINT_RESTORE',
];

/** What a container's root holds unless told otherwise: Docker's default set, in Docker's order. */
export const DEFAULT_CAPABILITIES: readonly CapabilityName[] = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW', 'CAP_SETGID',
  'CAP_SETUID', 'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE',
];

/** `--cap-add ALL` / `--cap-drop ALL`. */
export const ALL = 'ALL';

const KNOWN = new Set<string>(CAPABILITIES);

/**
 * A name as a user may type it — `sys_admin`, `SYS_ADMIN`, `cap_sys_admin`, `all` — in its
 * one spelling (`CAP_SYS_ADMIN`, `ALL`), as Docker and Podman read it; undefined for a name
 * no kernel has.
 */
export function normalizeCapability(text: string): CapabilityName | typeof ALL | undefined {
  const upper = text.trim().toUpperCase();
  if (upper === ALL) return ALL;
  const name = upper.startsWith('CAP_') ? upper : `CAP_${upper}`;
  return KNOWN.has(name) ? (name as CapabilityName) : undefined;
}
