// The parts of the OCI runtime-spec config.json (v1.2) that strata-runtime honours, as
// types: the engine's bundle writer and the tests build configs with these.
import { CAPABILITIES, type CapabilityName, DEFAULT_CAPABILITIES as SHARED_DEFAULT_CAPABILITIES } from '@shared/capabilities';

export interface OciMount {
  destination: string;
  type?: string;
  source?: string;
  options?: string[];
}

export interface OciHook {
  path: string;
  args?: string[];
  env?: string[];
  timeout?: number;
}

export type OciCapability = CapabilityName;

/** What a seccomp rule does to a matching syscall (libseccomp's names, as the spec spells them). */
export type OciSeccompAction =
  | 'SCMP_ACT_KILL'
  | 'SCMP_ACT_KILL_PROCESS'
  | 'SCMP_ACT_KILL_THREAD'
  | 'SCMP_ACT_TRAP'
  | 'SCMP_ACT_ERRNO'
  | 'SCMP_ACT_TRACE'
  | 'SCMP_ACT_ALLOW'
  | 'SCMP_ACT_LOG'
  | 'SCMP_ACT_NOTIFY';

export type OciSeccompOperator = 'SCMP_CMP_NE' | 'SCMP_CMP_LT' | 'SCMP_CMP_LE' | 'SCMP_CMP_EQ' | 'SCMP_CMP_GE' | 'SCMP_CMP_GT' | 'SCMP_CMP_MASKED_EQ';

/** One comparison of a syscall argument; for MASKED_EQ, value is the mask and valueTwo the result. */
export interface OciSeccompArg {
  index: number;
  value: number;
  valueTwo?: number;
  op: OciSeccompOperator;
}

export interface OciSeccompRule {
  names: string[];
  action: OciSeccompAction;
  /** The errno (SCMP_ACT_ERRNO) or the tracer's message (SCMP_ACT_TRACE); EPERM when absent. */
  errnoRet?: number;
  /** All must match (conditions on one index given twice: either may). */
  args?: OciSeccompArg[];
}

/** `linux.seccomp`: the filter strata-runtime compiles with libseccomp and loads last before execve. */
export interface OciSeccomp {
  defaultAction: OciSeccompAction;
  defaultErrnoRet?: number;
  /** `SCMP_ARCH_X86_64`, …: the syscall ABIs the filter answers for (others: the process is killed). */
  architectures?: string[];
  flags?: string[];
  syscalls?: OciSeccompRule[];
}

export interface OciConfig {
  ociVersion: string;
  process: {
    terminal?: boolean;
    consoleSize?: { height: number; width: number };
    args: string[];
    env?: string[];
    cwd: string;
    user?: { uid: number; gid: number; additionalGids?: number[] };
    capabilities?: Partial<Record<'bounding' | 'effective' | 'permitted' | 'inheritable' | 'ambient', OciCapability[]>>;
    rlimits?: { type: string; soft: number; hard: number }[];
    noNewPrivileges?: boolean;
    oomScoreAdj?: number;
  };
  root: { path: string; readonly?: boolean };
  hostname?: string;
  domainname?: string;
  mounts?: OciMount[];
  hooks?: Partial<Record<'prestart' | 'createRuntime' | 'createContainer' | 'startContainer' | 'poststart' | 'poststop', OciHook[]>>;
  annotations?: Record<string, string>;
  linux: {
    namespaces?: { type: 'pid' | 'network' | 'mount' | 'ipc' | 'uts' | 'user' | 'cgroup'; path?: string }[];
    uidMappings?: { containerID: number; hostID: number; size: number }[];
    gidMappings?: { containerID: number; hostID: number; size: number }[];
    devices?: { path: string; type: 'c' | 'b' | 'u' | 'p'; major?: number; minor?: number; fileMode?: number; uid?: number; gid?: number }[];
    maskedPaths?: string[];
    readonlyPaths?: string[];
    rootfsPropagation?: string;
    sysctl?: Record<string, string>;
    cgroupsPath?: string;
    seccomp?: OciSeccomp;
    resources?: {
      memory?: { limit?: number; reservation?: number; swap?: number; swappiness?: number; disableOOMKiller?: boolean };
      cpu?: { shares?: number; quota?: number; period?: number; cpus?: string; mems?: string };
      pids?: { limit: number };
      /** cgroup v1 net_cls / net_prio only: refused on v2 and where those controllers are not mounted. */
      network?: { classID?: number; priorities?: { name: string; priority: number }[] };
      devices?: { allow: boolean; type?: 'a' | 'c' | 'b'; major?: number; minor?: number; access?: string }[];
    };
  };
}

/** Docker's default set; the names live in src-shared, where the window checks them too. */
export const DEFAULT_CAPABILITIES: readonly OciCapability[] = SHARED_DEFAULT_CAPABILITIES;

/** Every capability strata-runtime knows (caps.c); it skips the ones an older kernel lacks. `--privileged` gets every one the engine holds. */
export const ALL_CAPABILITIES: readonly OciCapability[] = CAPABILITIES;

/** The mounts every Linux container gets, as `runc spec` writes them. */
export function defaultMounts(): OciMount[] {
  return [
    { destination: '/proc', type: 'proc', source: 'proc' },
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620'] },
    { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
  ];
}

/**
 * `--read-only`'s writable places, as Podman's `--read-only-tmpfs` (its default) mounts
 * them: programs expect to write temporary files and pid files there. Each is the
 * container's own, empty at start (the image's files there are hidden, not copied up).
 * /dev, /dev/shm and the volumes are mounts of their own and stay writable anyway.
 */
export function readonlyRootfsMounts(): OciMount[] {
  return [
    { destination: '/tmp', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'mode=1777'] },
    { destination: '/var/tmp', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'mode=1777'] },
    { destination: '/run', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'mode=755'] },
  ];
}

/** Paths a container must not read or write, as the mature runtimes mask them. */
export const DEFAULT_MASKED_PATHS = [
  '/proc/acpi', '/proc/asound', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list',
  '/proc/timer_stats', '/proc/sched_debug', '/sys/firmware', '/proc/scsi',
];
export const DEFAULT_READONLY_PATHS = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];
