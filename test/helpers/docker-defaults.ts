// Docker's security defaults, written out here as literals so that tests compare what Strata
// does with an independent reference and not with its own constants (a wrong constant would
// otherwise agree with itself). Source: moby's oci/defaults.go (DefaultCapabilities,
// DefaultLinuxSpec's MaskedPaths and ReadonlyPaths), and the capability numbers of
// linux/capability.h.

/** The capabilities a Docker container's root holds: bounding, effective and permitted sets. */
export const DOCKER_CAPABILITIES = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW', 'CAP_SETGID',
  'CAP_SETUID', 'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE',
] as const;

/** Paths Docker hides: a file under /dev/null, a directory under an empty read-only tmpfs. */
export const DOCKER_MASKED_PATHS = [
  '/proc/asound', '/proc/acpi', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list',
  '/proc/timer_stats', '/proc/sched_debug', '/proc/scsi', '/sys/firmware',
] as const;

/** Paths Docker mounts read-only over themselves. */
export const DOCKER_READONLY_PATHS = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'] as const;

/** Capability names by bit number (linux/capability.h), to decode /proc/<pid>/status masks. */
const CAPABILITY_BITS = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL', 'CAP_SETGID',
  'CAP_SETUID', 'CAP_SETPCAP', 'CAP_LINUX_IMMUTABLE', 'CAP_NET_BIND_SERVICE', 'CAP_NET_BROADCAST', 'CAP_NET_ADMIN',
  'CAP_NET_RAW', 'CAP_IPC_LOCK', 'CAP_IPC_OWNER', 'CAP_SYS_MODULE', 'CAP_SYS_RAWIO', 'CAP_SYS_CHROOT', 'CAP_SYS_PTRACE',
  'CAP_SYS_PACCT', 'CAP_SYS_ADMIN', 'CAP_SYS_BOOT', 'CAP_SYS_NICE', 'CAP_SYS_RESOURCE', 'CAP_SYS_TIME',
  'CAP_SYS_TTY_CONFIG', 'CAP_MKNOD', 'CAP_LEASE', 'CAP_AUDIT_WRITE', 'CAP_AUDIT_CONTROL', 'CAP_SETFCAP',
  'CAP_MAC_OVERRIDE', 'CAP_MAC_ADMIN', 'CAP_SYSLOG', 'CAP_WAKE_ALARM', 'CAP_BLOCK_SUSPEND', 'CAP_AUDIT_READ',
  'CAP_PERFMON', 'CAP_BPF', 'CAP_CHECKPOINT_RESTORE',
];

/** A status mask (`CapEff:\t00000000a80425fb`) as sorted capability names; an unknown bit as `bit <n>`. */
export function capabilityNames(hexMask: string): string[] {
  const mask = BigInt(`0x${hexMask}`);
  const names: string[] = [];
  for (let bit = 0; bit < 64; bit++) if ((mask >> BigInt(bit)) & 1n) names.push(CAPABILITY_BITS[bit] ?? `bit ${bit}`);
  return names.sort();
}

/**
 * Facts of Docker's default seccomp profile (moby/profiles seccomp/default.json), for the
 * tests to hold Strata's own profile to: the syscalls each capability unlocks, and some it
 * never allows. Not the profile itself: a handful of literals, checked independently.
 */
export const DOCKER_SECCOMP_BY_CAPABILITY: Record<string, readonly string[]> = {
  CAP_SYS_ADMIN: ['bpf', 'clone', 'clone3', 'fanotify_init', 'mount', 'umount2', 'unshare', 'setns', 'sethostname', 'setdomainname', 'open_tree', 'move_mount', 'fsopen', 'quotactl', 'perf_event_open', 'syslog'],
  CAP_SYS_PTRACE: ['kcmp', 'pidfd_getfd', 'process_madvise', 'process_vm_readv', 'process_vm_writev', 'ptrace'],
  CAP_SYS_MODULE: ['init_module', 'finit_module', 'delete_module'],
  CAP_SYS_BOOT: ['reboot'],
  CAP_SYS_TIME: ['settimeofday', 'clock_settime'],
  CAP_SYSLOG: ['syslog'],
  CAP_SYS_NICE: ['mbind', 'set_mempolicy', 'get_mempolicy'],
  CAP_SYS_RAWIO: ['iopl', 'ioperm'],
  CAP_SYS_CHROOT: ['chroot'],
  CAP_SYS_PACCT: ['acct'],
  CAP_SYS_TTY_CONFIG: ['vhangup'],
  CAP_DAC_READ_SEARCH: ['open_by_handle_at'],
  CAP_BPF: ['bpf'],
  CAP_PERFMON: ['perf_event_open'],
};

/** Syscalls Docker's default profile allows to no container, whatever its capabilities. */
export const DOCKER_SECCOMP_NEVER = ['kexec_load', 'kexec_file_load', 'keyctl', 'add_key', 'request_key', 'userfaultfd', 'io_uring_setup', 'io_uring_enter', 'nfsservctl', 'uselib', 'create_module', 'pivot_root', 'swapon', 'swapoff'] as const;

/** A few of the syscalls Docker's default profile allows every container. */
export const DOCKER_SECCOMP_ALWAYS = ['read', 'write', 'openat', 'execve', 'mmap', 'futex', 'epoll_wait', 'socketpair', 'setuid', 'capset', 'prctl', 'seccomp', 'mknodat', 'clock_gettime', 'rseq', 'close_range', 'faccessat2', 'fchmodat2'] as const;
