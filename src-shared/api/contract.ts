// THE API TABLE: every method with its input schema and output type, every event with its
// payload type. The Electron IPC wiring, the WebSocket server, the dispatcher and the
// renderer's client all derive from these two objects; handlers/ implements each method.
//
// Runs anywhere (renderer included): no node: imports here or in what this imports, and
// engine types only through ./types (see types/images.ts for why).
//
// Adding a method: one entry below, plus its handler in handlers/ (the type checker
// lists a missing one). Its input is a function that makes the schema — `call(() =>
// z.strictObject({ ref: ref(), … }), type<Out>())` — run at the method's first call
// (define.ts: the CLI builds only the schemas of the methods it calls); the shared pieces
// (`ref`, `noInput`, `containerRef`, …) are such functions too. Adding an event: one entry in `events`, plus where it is published.
import { z } from '../zod';
import { type JobSpec, type MethodSpec, call, job, type } from './define';
import { MAX_CONTAINERFILE_TEXT, buildArgNameProblem } from '../build-input';
import { NETWORK_MODES } from '../network-modes';
import type { ContainerChange, ContainerChangedEvent, ContainerOptions, ContainerRecord, ContainerUpdate, ExecResult, ExecSessionInfo, LogLine, LogLinesEvent, TerminalExitEvent, TerminalOutputEvent } from './types/containers';
import type { BuildResult, ContainerfileOutline, ExportResult, ImageInfo, ImageTree, ImageWaste, ImportedImage, PathHistory, PruneResult, PulledImage, RemoveResult, StoreDiskUsage } from './types/images';
import type { JobInfo, JobOutput, JobOutputEvent, JobProgressEvent } from './types/jobs';
import type { HistoryPoint, StatsSample } from './types/stats';
import type { ConnectionInfo } from './types/connection';
import type { SystemInfo } from './types/system';

/** Methods without arguments take `{}` (or nothing). Unknown keys are refused everywhere: typos fail loudly. */
const noInput = () => z.strictObject({});

/** An image (tag, ID, ID prefix, digest) or container (name, ID, ID prefix) reference. */
const ref = () => z.string().check(z.minLength(1, 'must not be empty'), z.maxLength(1024));

const imageRef = () => z.strictObject({ ref: ref() });
const containerRef = () => z.strictObject({ ref: ref() });
const stopTimeout = () => z.optional(z.int().check(z.nonnegative(), z.lte(3600)));

/**
 * Container options are checked by the engine's containerOptionsSchema in the handler: it
 * needs node:os (the CPU count) and node:path, which this browser-safe table cannot import.
 * Here the value must only be an object; the type is what callers write.
 */
const containerOptions = () => z.custom<ContainerOptions>((value) => typeof value === 'object' && value !== null && !Array.isArray(value), 'expected an object of container options');

const streams = () => z.optional(z.array(z.enum(['stdout', 'stderr'])).check(z.minLength(1)));
/** Docker's --since forms: RFC 3339, a Unix time, or a duration back from now (`10m`). */
const logTime = () => z.optional(z.string().check(z.minLength(1)));

/** A terminal's rows or columns (the kernel's winsize fields are u16). */
const terminalDimension = () => z.int().check(z.gte(1), z.lte(0xffff));
const sessionId = () => z.string().check(z.minLength(1), z.maxLength(200));
/** Bytes as base64 (the terminal's input and output): JSON carries text, a terminal bytes. */
const base64 = () => z.string().check(z.regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64'));

/** The most input one `terminal.input` takes (decoded): a paste of a large file goes in pieces. */
export const MAX_TERMINAL_INPUT = 1 << 20;

/** At most this many lines per `containers.logs` answer; follow a log to see it all. */
export const MAX_LOG_LINES = 10_000;

/** Build arguments: each name one `$NAME` can expand, said as the Build dialog says it (@shared/build-input). */
const buildArgs = () =>
  z.record(z.string(), z.string()).check(
    z.superRefine((args, context) => {
      for (const name of Object.keys(args)) {
        const problem = buildArgNameProblem(name);
        if (problem) context.addIssue({ code: 'custom', path: [name], message: problem });
      }
    }),
  );

/** A Containerfile given as text (images.build, images.containerfileOutline). */
const containerfileText = () => z.string().check(z.maxLength(MAX_CONTAINERFILE_TEXT, `at most ${MAX_CONTAINERFILE_TEXT} characters`));

export const methods = {
  // Images, their layers, and the disk they take.
  'images.list': call(noInput, type<ImageInfo[]>()),
  'images.inspect': call(imageRef, type<ImageInfo>()),
  'images.import': job(() =>
    z.strictObject({
      /** A path on the engine's machine: an OCI layout directory, an oci-archive, docker-archive or rootfs tar. */
      path: z.string().check(z.minLength(1)),
      format: z.optional(z.enum(['oci', 'oci-archive', 'docker-archive', 'rootfs'])),
      tags: z.optional(z.array(ref())),
      /** OCI layouts: the repository a tag-only ref name (`1.0`) goes under; default the directory's or archive's name. */
      repository: z.optional(z.string().check(z.minLength(1, 'must not be empty'), z.maxLength(255))),
      /** Containerfile-style config for a rootfs tar: `CMD ["sh"]`, `ENV A=b`. */
      changes: z.optional(z.array(z.string())),
    }),
    type<ImportedImage[]>(),
  ),
  /** An image from an OCI / Docker registry (`strata pull`): only the layers the store lacks are downloaded. */
  'images.pull': job(() =>
    z.strictObject({
      /** `busybox`, `busybox:1.36`, `registry.example.com/team/app:v2`, `…@sha256:…`; Docker Hub when no registry is named. */
      reference: z.string().check(z.minLength(1, 'must not be empty'), z.maxLength(1024)),
      /** `os/arch[/variant]` to take from a multi-platform image; default the engine machine's. */
      platform: z.optional(z.string().check(z.minLength(1), z.maxLength(100))),
      /** For a registry not on the engine's machine: plain HTTP allowed, TLS certificates not checked. */
      insecure: z.optional(z.boolean()),
      /** For this pull only (as docker's X-Registry-Auth): never stored, never in the job's info. */
      credentials: z.optional(z.strictObject({ username: z.string().check(z.minLength(1)), password: z.string() })),
    }),
    type<PulledImage>(),
  ),
  'images.tag': call(() => z.strictObject({ source: ref(), target: ref() }), type<{ tag: string }>()),
  /** Untag one of several tags, or delete the image and whatever only it used. dryRun: what it would do (a refusal included), changing nothing. */
  'images.remove': call(() => z.strictObject({ ref: ref(), force: z.optional(z.boolean()), dryRun: z.optional(z.boolean()) }), type<RemoveResult>()),
  /** Untagged images no container uses, then every unreferenced layer and blob. dryRun: what would go. */
  'images.prune': job(() => z.strictObject({ dryRun: z.optional(z.boolean()) }), type<PruneResult>()),
  /** What a prune would free, as a call: a confirmation's preview, not a job of its own. */
  'images.prunePreview': call(() => z.strictObject({}), type<PruneResult>()),
  /** A layer's own changes, or (merged) the union of the layers up to it; optionally a subtree, cut at a depth. */
  'images.tree': call(() =>
    z.strictObject({
      ref: ref(),
      /** Position (0 = bottom, negative from the top) or chain-id prefix. Default: the top layer. */
      layer: z.optional(z.union([z.int(), z.string().check(z.minLength(1))])),
      merged: z._default(z.boolean(), false),
      /** The subtree's path ('' or '/' = the root). */
      path: z._default(z.string(), ''),
      /** Levels of children to include below `path`; absent = all. */
      depth: z.optional(z.int().check(z.nonnegative())),
    }),
    type<ImageTree>(),
  ),
  /** Every layer that changed one path ('/etc/passwd'): what it wrote (mode, owner, size) or how it deleted it; bottom first. */
  'images.pathHistory': call(() => z.strictObject({ ref: ref(), path: z.string().check(z.minLength(1, 'must not be empty'), z.maxLength(4096)) }), type<PathHistory>()),
  /** What later layers make unreachable (dive's wasted space and efficiency score): per path, per layer, in total. */
  'images.wasted': call(imageRef, type<ImageWaste>()),
  'disk.usage': call(noInput, type<StoreDiskUsage>()),
  /** An image from a Containerfile in a context directory on the engine's machine (`strata build`). */
  'images.build': job(() =>
    z.strictObject({
      contextDir: z.string().check(z.minLength(1)),
      /** Default CONTEXT/Containerfile, else CONTEXT/Dockerfile. */
      containerfile: z.optional(z.string().check(z.minLength(1))),
      /** The Containerfile's text instead of a file (the window's editor): used for this build only, written nowhere. */
      containerfileText: z.optional(containerfileText()),
      tags: z.optional(z.array(ref())),
      buildArgs: z.optional(buildArgs()),
      noCache: z.optional(z.boolean()),
      target: z.optional(z.string().check(z.minLength(1))),
      /** The network RUN steps get (default: the engine's, bridge or, rootless, slirp4netns or pasta: the first installed). */
      network: z.optional(z.enum(NETWORK_MODES)),
    }),
    type<BuildResult>(),
  ),
  /** A Containerfile's stages and ARGs, or why it does not parse: the context's (or a file's), or text given. Reads only. */
  'images.containerfileOutline': call(() =>
    z.strictObject({ contextDir: z.optional(z.string().check(z.minLength(1))), containerfile: z.optional(z.string().check(z.minLength(1))), containerfileText: z.optional(containerfileText()) }),
    type<ContainerfileOutline>(),
  ),
  /** Images to an archive or OCI layout on the engine's machine (`strata save`). */
  'images.save': job(() =>
    z.strictObject({
      refs: z.array(ref()).check(z.minLength(1, 'name at least one image')),
      format: z._default(z.enum(['oci-archive', 'docker-archive', 'oci']), 'docker-archive'),
      /**
       * A path on the engine's machine: a file, or a directory for `oci`. `-`: the standard
       * output of the process the engine runs in, only where that is the caller's (the CLI's
       * own in-process engine); elsewhere UNSUPPORTED.
       */
      output: z.string().check(z.minLength(1)),
      overwrite: z.optional(z.boolean()),
    }),
    type<ExportResult>(),
  ),

  // Containers.
  /** Running containers, or all with `all`; filters as `ps --filter`: `status=exited`, `label=k=v`, `ancestor=img`. */
  'containers.list': call(() => z.strictObject({ all: z._default(z.boolean(), false), filters: z.optional(z.array(z.string())) }), type<ContainerRecord[]>()),
  'containers.inspect': call(containerRef, type<ContainerRecord>()),
  'containers.create': call(() => z.strictObject({ image: ref(), options: z.optional(containerOptions()) }), type<ContainerRecord>()),
  /** create, then start (the container stays, created, when the start fails — as docker's). */
  'containers.run': call(() => z.strictObject({ image: ref(), options: z.optional(containerOptions()) }), type<ContainerRecord>()),
  'containers.start': call(containerRef, type<ContainerRecord>()),
  'containers.stop': call(() => z.strictObject({ ref: ref(), timeoutS: stopTimeout() }), type<ContainerRecord>()),
  'containers.restart': call(() => z.strictObject({ ref: ref(), timeoutS: stopTimeout() }), type<ContainerRecord>()),
  'containers.pause': call(containerRef, type<ContainerRecord>()),
  'containers.unpause': call(containerRef, type<ContainerRecord>()),
  'containers.kill': call(() => z.strictObject({ ref: ref(), signal: z.optional(z.string().check(z.regex(/^(SIG)?[A-Z][A-Z0-9+-]*$|^\d+$/, 'expected a signal name or number'))) }), type<ContainerRecord>()),
  'containers.remove': call(() => z.strictObject({ ref: ref(), force: z.optional(z.boolean()) }), type<{ id: string }>()),
  /** Until the container's process has exited (at once if it is not running): its exit code, null when it has none. Ends with the client's connection. */
  'containers.wait': call(containerRef, type<{ exitCode: number | null }>()),
  /** A new process in a running container; its output is collected (1 MiB per stream at most), or dropped with detach. */
  'containers.exec': call(() =>
    z.strictObject({
      ref: ref(),
      command: z.array(z.string()).check(z.minLength(1, 'give a command')),
      env: z.optional(z.array(z.string().check(z.regex(/^[^=\s\0]+=[^\0]*$/, 'must be KEY=VALUE')))),
      workdir: z.optional(z.string().check(z.startsWith('/', 'must be an absolute path'))),
      user: z.optional(z.string().check(z.minLength(1))),
      detach: z.optional(z.boolean()),
    }),
    type<ExecResult>(),
  ),
  /** The OCI runtime config.json generated at the container's last start; null before its first start. */
  'containers.runtimeConfig': call(containerRef, type<Record<string, unknown> | null>()),
  /** What the container changed in its own layer: A added, C changed, D deleted. */
  'containers.diff': call(containerRef, type<ContainerChange[]>()),
  /** New limits (applied at once to a running container) or restart policy; checked by the engine. */
  'containers.update': call(() => z.strictObject({ ref: ref(), update: z.custom<ContainerUpdate>((value) => typeof value === 'object' && value !== null && !Array.isArray(value), 'expected an object of limits') }), type<ContainerRecord>()),
  /** The container's layer as a new image on top of its image. */
  'containers.commit': job(() =>
    z.strictObject({ ref: ref(), tag: z.optional(ref()), message: z.optional(z.string()), author: z.optional(z.string()), changes: z.optional(z.array(z.string())), pause: z.optional(z.boolean()) }),
    type<ImportedImage>(),
  ),
  /** The log's last `tail` records (default 1000, at most MAX_LOG_LINES) that match the rest. */
  'containers.logs': call(() =>
    z.strictObject({ ref: ref(), tail: z._default(z.int().check(z.nonnegative(), z.lte(MAX_LOG_LINES)), 1000), since: logTime(), until: logTime(), streams: streams() }),
    type<LogLine[]>(),
  ),

  // Logs followed live: subscribe to `logs.lines` first, then follow; ends with unfollow or the connection.
  'logs.follow': call(() =>
    z.strictObject({
      ref: ref(),
      /** The last lines to send first (found walking back from the end: any number costs the same); null: every line of the log. */
      tail: z._default(z.nullable(z.int().check(z.nonnegative())), 100),
      since: logTime(),
      streams: streams(),
      /**
       * Ends the follow by itself, with a last event marked `end`: `end-of-log` once the lines
       * the log holds now are sent (`strata logs`); `exit` once the container has exited and
       * every line it wrote is sent, with its exit code (an attached `strata run`; every line
       * from `since`, `tail` does not apply). Absent: until unfollow.
       */
      stopAt: z.optional(z.enum(['end-of-log', 'exit'])),
    }),
    type<{ follow: string; container: string }>(),
  ),
  'logs.unfollow': call(() => z.strictObject({ follow: z.string().check(z.minLength(1)) }), type<void>()),

  // Terminals: subscribe to `terminal.output` and `terminal.exit` first, then open. A session
  // belongs to the connection that opened it and ends with it; the process runs on (detach).
  /**
   * A terminal session: the container's own terminal (a container made with `tty`; CONFLICT
   * when it has none or is not running — `start` starts a created or exited one, attached
   * before its program runs), or with `exec` a new process on a terminal of its own in a
   * running container. Output comes as `terminal.output` events, its scrollback first.
   */
  'terminal.open': call(() =>
    z.strictObject({
      ref: ref(),
      exec: z.optional(
        z.strictObject({
          /** Absent: the container's shell, /bin/bash when it has one, else /bin/sh. */
          command: z.optional(z.array(z.string()).check(z.minLength(1, 'give a command'))),
          env: z.optional(z.array(z.string().check(z.regex(/^[^=\s\0]+=[^\0]*$/, 'must be KEY=VALUE')))),
          workdir: z.optional(z.string().check(z.startsWith('/', 'must be an absolute path'))),
          user: z.optional(z.string().check(z.minLength(1))),
          /** false: no terminal — stdin, stdout and stderr as pipes (`exec -i` alone; stderr comes as `stream: 'stderr'` output). */
          tty: z.optional(z.boolean()),
        }),
      ),
      /** An exec session's id (`terminal.list`): attached to again; NOT_FOUND once its process has ended. */
      reattach: z.optional(z.string().check(z.minLength(1))),
      start: z.optional(z.boolean()),
      rows: terminalDimension(),
      cols: terminalDimension(),
    }),
    /** `exec`: of an exec session, its id and the command it runs (the shell the engine chose, when none was given). */
    type<{ session: string; container: string; exec?: { id: string; command: string[] } }>(),
  ),
  /** The container's exec sessions whose process runs on, oldest first: what a client that left (a closed window, an engine restart) may reattach. */
  'terminal.list': call(() => z.strictObject({ ref: ref() }), type<ExecSessionInfo[]>()),
  /** Bytes typed or pasted (base64 in `data`, at most MAX_TERMINAL_INPUT decoded); CONFLICT while the terminal takes input slower than it comes. */
  'terminal.input': call(() => z.strictObject({ session: sessionId(), data: base64().check(z.maxLength(Math.ceil(MAX_TERMINAL_INPUT / 3) * 4)) }), type<void>()),
  /** The client's window size; the process gets SIGWINCH. */
  'terminal.resize': call(() => z.strictObject({ session: sessionId(), rows: terminalDimension(), cols: terminalDimension() }), type<void>()),
  /** Ends the process's input: a terminal's EOF character is typed (^D); without a terminal, its stdin pipe is closed. */
  'terminal.closeInput': call(() => z.strictObject({ session: sessionId() }), type<void>()),
  /** Leaves the session (detach): the process keeps running; no `terminal.exit` follows. */
  'terminal.close': call(() => z.strictObject({ session: sessionId() }), type<void>()),

  // Long work.
  'jobs.list': call(noInput, type<JobInfo[]>()),
  'jobs.get': call(() => z.strictObject({ id: z.string().check(z.minLength(1)) }), type<JobInfo>()),
  /** The job's output lines kept (its last 5000) from `since` (a line's seq) on: for a reader that came late. */
  'jobs.output': call(() => z.strictObject({ id: z.string().check(z.minLength(1)), since: z.optional(z.int().check(z.nonnegative())) }), type<JobOutput>()),
  /** Asks the job to stop; it ends `cancelled` unless its work was already past the point of no return. */
  'jobs.cancel': call(() => z.strictObject({ id: z.string().check(z.minLength(1)) }), type<JobInfo>()),

  // Live stats (1 Hz, from cgroup and proc files) and their stored history (10-s points, 24 h).
  /** The container's samples of the last 5 minutes: a chart shows history at once on opening. */
  'stats.recent': call(containerRef, type<StatsSample[]>()),
  'stats.history': call(() => z.strictObject({ ref: ref(), sinceMs: z.optional(z.int().check(z.nonnegative())) }), type<HistoryPoint[]>()),
  /** The stored history as CSV or JSON text, for a download. */
  'stats.export': call(() => z.strictObject({ ref: ref(), format: z.enum(['csv', 'json']) }), type<{ text: string }>()),

  'system.info': call(noInput, type<SystemInfo>()),

  // The connection: answered by the front end (window, `strata serve`), which alone knows how it reaches its engine.
  'connection.info': call(noInput, type<ConnectionInfo>()),
  /** Switches the front end to another connection (remembered by the window); UNSUPPORTED where it is bound to one. */
  'connection.use': call(() => z.strictObject({ name: z.string().check(z.minLength(1), z.maxLength(4096)) }), type<ConnectionInfo>()),
  /** Installs and starts the system engine through polkit (the window only); the answer is the connection after it. */
  'connection.installSystem': call(noInput, type<ConnectionInfo>()),
} satisfies Record<string, MethodSpec>;

/** Events a client subscribes to by name; each is delivered only to the clients subscribed to it. */
export const events = {
  /** A container appeared, changed or went away: through this API, or another process (CLI, exit, restart policy). */
  'containers.changed': type<ContainerChangedEvent>(),
  'jobs.progress': type<JobProgressEvent>(),
  /** Every output line of a job (a build's steps and RUN output), in order, batched (≤ 10 a second). */
  'jobs.output': type<JobOutputEvent>(),
  /** A job ended: its final JobInfo (state, result or error). */
  'jobs.done': type<JobInfo>(),
  /** Records of the logs this client follows (`logs.follow`). */
  'logs.lines': type<LogLinesEvent>(),
  /** Output of the terminal sessions this client opened: base64 bytes, in order, batched (every 10 ms, or 32 KiB). */
  'terminal.output': type<TerminalOutputEvent>(),
  /** A terminal session of this client ended: the process exited, or the client was cut off (why, in `reason`). */
  'terminal.exit': type<TerminalExitEvent>(),
  /** One tick of the stats sampler: a sample of every running container. */
  'stats.samples': type<StatsSample[]>(),
  /** The front end's connection changed state (dropped, reconnected, refused) or was switched. */
  'connection.changed': type<ConnectionInfo>(),
};

// What the table says, as types for the client, the dispatcher and the handlers.

export type Methods = typeof methods;
export type MethodName = keyof Methods;
export type JobMethodName = { [M in MethodName]: Methods[M] extends JobSpec ? M : never }[MethodName];
/** What a caller sends (defaults still optional). */
export type MethodInput<M extends MethodName> = z.input<Methods[M]['input']>;
/** What a handler receives: validated, defaults filled in. */
export type ParsedInput<M extends MethodName> = z.output<Methods[M]['input']>;
/** The final result of a job method's work (jobs.done's `result`). */
export type JobResult<M extends MethodName> = Methods[M] extends JobSpec<z.ZodMiniType, infer R> ? R : never;
/** What a call answers: the output, or for a job method the job as started. */
export type MethodOutput<M extends MethodName> = Methods[M] extends JobSpec<z.ZodMiniType, infer R> ? JobInfo<R> : Methods[M] extends { output: { readonly __type?: infer O } } ? O : never;

export type Events = typeof events;
export type EventName = keyof Events;
export type EventPayload<E extends EventName> = Events[E] extends { readonly __type?: infer P } ? P : never;

export function isMethodName(name: string): name is MethodName {
  return Object.hasOwn(methods, name);
}

export function isEventName(name: string): name is EventName {
  return Object.hasOwn(events, name);
}
