// What `buildImage` takes, reports while it works and returns: the shapes the CLI, the API
// and the window share.
import type { BuildResult, BuildStepResult } from '@shared/api/types/images';
import type { NetworkMode } from '../network/network-files';

export interface BuildOptions {
  /** The build context: COPY and ADD read from here (minus .containerignore/.dockerignore). */
  contextDir: string;
  /** Default CONTEXT/Containerfile, else CONTEXT/Dockerfile. */
  containerfile?: string;
  /**
   * The Containerfile's text itself, instead of a file (the window's editor, for a context
   * without one): parsed from memory, written nowhere; at most MAX_CONTAINERFILE_TEXT.
   */
  containerfileText?: string;
  /** NAME[:TAG] for the image; untagged when empty. */
  tags?: readonly string[];
  /** `--build-arg K=V` (see parseBuildArgs). */
  buildArgs?: Readonly<Record<string, string>>;
  /** Run every step again (new results still go into the cache). */
  noCache?: boolean;
  /** `--target`: build up to this stage. */
  target?: string;
  /** The network RUN steps get (default: the engine's, the bridge or, rootless, slirp4netns or pasta), the host's, or none. */
  network?: NetworkMode;
  signal?: AbortSignal;
  onProgress?: (event: BuildEvent) => void;
}

export type BuildEvent =
  /** Step `step` of `total` starts (FROM lines count as steps, as in docker and buildah). */
  | { kind: 'step'; step: number; total: number; stage: number; line: number; createdBy: string }
  /** A line a RUN printed. */
  | { kind: 'output'; step: number; stream: 'stdout' | 'stderr'; line: string }
  /** The step is done: reused from the cache or run; `layer` is the chain id it added, if any. */
  | { kind: 'step-done'; step: number; total: number; cached: boolean; layer?: string; durationMs: number }
  /** Warnings (deprecated syntax, unused build-args) and notes (`# syntax=` ignored). */
  | { kind: 'message'; level: 'warning' | 'note'; message: string };

/** Wire types, declared once in src-shared. */
export type { BuildResult, BuildStepResult };
