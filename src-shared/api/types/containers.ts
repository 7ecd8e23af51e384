// Containers as they cross the API: plain JSON. Declared here, once: the engine's records
// and options (src-main/engine/containers) are these types, its option schemas typed by them.
import type { ContainerStatus } from '../../container-lifecycle';
import type { ErrorShape } from '../../errors';
import type { NetworkMode } from '../../network-modes';
import type { PortSpec } from '../../ports';

export type { ContainerStatus };

/** `-v /host:/ctr[:ro]`: a bind mount of a host path. */
export interface VolumeSpec {
  source: string;
  destination: string;
  readonly: boolean;
}

/** `--device /dev/fuse[:/dev/fuse][:rwm]`: a host device node given to the container. */
export interface DeviceSpec {
  hostPath: string;
  containerPath: string;
  /** Any of r (read), w (write), m (mknod), each at most once. */
  permissions: string;
}

export type RestartPolicy = { name: 'no' | 'always' | 'unless-stopped' } | { name: 'on-failure'; maxRetries?: number };

export type { NetworkMode };

export type { PortSpec };

/** A running container's place on the bridge. */
export interface NetworkState {
  address: string;
  gateway: string;
  prefix: number;
  ports: PortSpec[];
}

/** What a user asks for when creating a container; checked by the engine's containerOptionsSchema. */
export interface ContainerOptions {
  name?: string;
  command?: string[];
  entrypoint?: string[];
  /** KEY=VALUE entries, later ones winning. */
  env?: string[];
  workdir?: string;
  user?: string;
  hostname?: string;
  volumes?: VolumeSpec[];
  /** Bytes. */
  memory?: number;
  /** Bytes of memory + swap (Docker's meaning); -1 = unlimited swap. */
  memorySwap?: number;
  memoryReservation?: number;
  cpus?: number;
  cpuShares?: number;
  /** > 0 limits; 0 or -1 = unlimited (Docker's meaning). */
  pidsLimit?: number;
  restart?: RestartPolicy;
  labels?: Record<string, string>;
  stopSignal?: string;
  /** Seconds between the stop signal and SIGKILL. */
  stopTimeout?: number;
  /** bridge (default), host or none. */
  network?: NetworkMode;
  /** Ports published on the host (bridge only); 127.0.0.1 unless hostIp says otherwise. */
  publish?: PortSpec[];
  /** Host devices the container may use, besides the default ones. */
  devices?: DeviceSpec[];
  /** Every device and capability, /proc unmasked, /sys writable: as strong as the host's root. */
  privileged?: boolean;
  /**
   * Capabilities on top of Docker's default set (`--cap-add`): `CAP_SYS_ADMIN` or `ALL`, in
   * any case, `CAP_` optional (the engine keeps the `CAP_SYS_ADMIN` spelling). A name in
   * both lists is added; `ALL` here means every one the engine holds, but the dropped ones.
   */
  capAdd?: string[];
  /** Capabilities taken from the default set (`--cap-drop`); `ALL` leaves only the added ones. Ignored with `privileged`. */
  capDrop?: string[];
  /** `--read-only`: the root filesystem is mounted read-only; tmpfs on /tmp, /var/tmp and /run, and volumes, stay writable. */
  readonlyRootfs?: boolean;
  /** `--security-opt no-new-privileges=false` turns it off; absent or true: on (Strata's default, unlike Docker's). */
  noNewPrivileges?: boolean;
  /**
   * A terminal (docker's `-t`): the process's stdin, stdout and stderr are a pty whose master
   * the shim keeps; its log is one `stdout` stream, as the terminal wrote it (`\r\n`).
   */
  tty?: boolean;
  /** stdin kept open (docker's `-i`); only with `tty` for now (without, UNSUPPORTED). */
  interactive?: boolean;
  /**
   * The seccomp filter (`--security-opt seccomp=…`): absent = the engine's default profile
   * (Docker's), `'unconfined'` = none, else the text of a profile in Docker's JSON format
   * (OCI's `linux.seccomp` is a subset of it). `privileged` implies `'unconfined'`.
   */
  seccompProfile?: string;
}

export interface ContainerState {
  status: ContainerStatus;
  pid?: number;
  pidStartTime?: string;
  shimPid?: number;
  shimStartTime?: string;
  startedAt?: string;
  finishedAt?: string;
  exitCode?: number;
  signal?: number | null;
  oomKilled?: boolean;
  /** Times the restart policy has started it again since the user last started it. */
  restartCount?: number;
  /** The wait before the next policy restart. */
  backoffMs?: number;
  /** Stopped or killed by a user: no restart policy brings it back until they start it. */
  stoppedByUser?: boolean;
  /** The stop or kill a user asked for: while it runs (a stop's grace time), and kept with the exit so that the exit reads as asked for; the next start clears it. */
  stopRequest?: StopRequest;
  /**
   * The most memory its cgroup ever used, in bytes, read by the shim as the init exited (the
   * kernel's memory.max_usage_in_bytes, or memory.peak on v2): what an OOM kill reached even
   * when it came between two stats samples. Absent while it runs and where the kernel keeps none.
   */
  memoryPeak?: number;
  /** While it runs on the bridge. */
  network?: NetworkState;
  /** What an interrupted start left on the host (mounts, veth, runtime container); the next start or rm clears them. */
  leftovers?: string[];
}

/** A stop or kill a user asked for. */
export interface StopRequest {
  /** `stop`: the stop signal, then SIGKILL once `timeoutS` is up; `kill`: one signal. */
  kind: 'stop' | 'kill';
  /** The signal sent first (`SIGTERM`, the image's STOPSIGNAL, `SIGKILL` …). */
  signal: string;
  /** When it was asked (ISO 8601). */
  at: string;
  /** A stop's grace time in seconds, between its signal and SIGKILL. */
  timeoutS?: number;
  /** A stop that ended by SIGKILL: when it was sent (the grace time ran out, or a kill came during it). */
  killedAt?: string;
}

/** A container's seccomp filter as inspect names it: the default profile, none, or the user's (its text's sha256). */
export type SeccompMode = { mode: 'default' } | { mode: 'unconfined' } | { mode: 'custom'; sha256: string };

/** What confines a container, as inspect reports it: derived from its options, never stored. */
export interface ContainerSecurity {
  seccomp: SeccompMode;
}

export interface ContainerRecord {
  /** 64 hex digits. */
  id: string;
  name: string;
  created: string;
  image: { ref: string; id: string; manifestDigest: string };
  /** Chain ids of the image's layers, bottom first. */
  layers: string[];
  options: ContainerOptions;
  /** The image's VOLUMEs the user did not mount over: anonymous volumes. */
  imageVolumes?: string[];
  /** The image's EXPOSE'd ports, `80/tcp`; `publish` says which reach the host. */
  exposedPorts?: string[];
  /** The signal `stop` sends first: --stop-signal, else the image's STOPSIGNAL, decided at create. */
  stopSignal?: string;
  state: ContainerState;
  /** Filled by inspect only. */
  security?: ContainerSecurity;
}

/** One record of a container's log, as its shim wrote it. */
export interface LogLine {
  readonly time: string;
  readonly stream: 'stdout' | 'stderr';
  readonly log: string;
}

/** `containers.changed`: a container appeared, changed state or options, or went away. */
export interface ContainerChangedEvent {
  id: string;
  /** The container as it is now; absent when it was removed. */
  container?: ContainerRecord;
}

/** `logs.lines`: records a `logs.follow` subscription read, in order, batched. */
export interface LogLinesEvent {
  /** The id `logs.follow` returned. */
  follow: string;
  container: string;
  lines: LogLine[];
  /** Set on the last event of a follow that failed (it has stopped; `lines` is empty). */
  error?: ErrorShape;
  /** Set on the last event of a follow that ended by itself (`stopAt`): every line was sent; `lines` is empty. */
  end?: true;
  /** With `end`, after `stopAt: 'exit'`: the container's exit code (null when it had none, e.g. killed before its exit was recorded). */
  exitCode?: number | null;
}

/** What `update` may change on an existing container. */
export type ContainerUpdate = Pick<ContainerOptions, 'memory' | 'memorySwap' | 'memoryReservation' | 'cpus' | 'cpuShares' | 'pidsLimit' | 'restart'>;

/** One line of `diff`. */
export interface ContainerChange {
  /** Absolute, as seen inside the container. */
  path: string;
  kind: 'A' | 'C' | 'D';
}

/** How an exec ended, with its output when collected. */
export interface ExecResult {
  exitCode: number;
  stdout?: string;
  stderr?: string;
}

/** What a terminal session is opened on: an exec'd process (given) or the container's own terminal. */
export interface TerminalExec {
  /** Absent: the container's shell (/bin/bash when it has one, else /bin/sh). */
  command?: string[];
  /** KEY=VALUE, on top of the container's environment. */
  env?: string[];
  workdir?: string;
  user?: string;
  /** false: stdio pipes, no terminal (`exec -i` alone). Absent: a terminal. */
  tty?: boolean;
}

/** An exec session whose process runs on (`terminal.list`): `terminal.open` with `reattach: id` attaches to it again. */
export interface ExecSessionInfo {
  /** `exec-` and 8 hex digits. */
  id: string;
  /** The container's id. */
  container: string;
  command: string[];
  /** RFC 3339. */
  startedAt: string;
}

/** `terminal.output`: bytes the terminal wrote, base64, in order (the first ones are its scrollback). */
export interface TerminalOutputEvent {
  session: string;
  data: string;
  /** A process without a terminal (`-i` alone) has its stderr apart: these bytes are stderr. Absent: stdout, or the terminal's. */
  stream?: 'stderr';
}

/**
 * `terminal.exit`: the session has ended (no more events for it). `exited`: the process
 * ended with `exitCode`; `dropped`: this client fell too far behind reading the output and
 * was cut off — or the engine itself did, by the terminal's holder (the process keeps
 * running; open a new session); `lost`: the terminal's holder
 * went away (the container was removed, or its shim ended) without an exit code.
 */
export interface TerminalExitEvent {
  session: string;
  exitCode: number | null;
  reason: 'exited' | 'dropped' | 'lost';
  message?: string;
}
