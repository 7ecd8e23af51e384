// What `buildImage` takes, reports while it works and returns: the shapes the CLI, the API
// and the window share.
import type { NetworkMode } from '../network/network-files';

export interface BuildOptions {
  /** The build context: COPY and ADD read from here (minus .containerignore/.dockerignore). */
  contextDir: string;
  /** Default CONTEXT/Containerfile, else CONTEXT/Dockerfile. */
  containerfile?: string;
  /** NAME[:TAG] for the image; untagged when empty. */
  tags?: readonly string[];
  /** `--build-arg K=V` (see parseBuildArgs). */
  buildArgs?: Readonly<Record<string, string>>;
  /** Run every step again (new results still go into the cache). */
  noCache?: boolean;
  /** `--target`: build up to this stage. */
  target?: string;
  /** The network RUN steps get: the bridge (default), the host's, or none. */
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

export interface BuildStepResult {
  /** Index of the stage among the Containerfile's FROM lines. */
  stage: number;
  line: number;
  createdBy: string;
  cached: boolean;
  /** Chain id of the layer the step added; absent for a step that added none. */
  layer?: string;
}

export interface BuildResult {
  /** Image ID (config digest). */
  id: string;
  manifestDigest: string;
  tags: string[];
  /** Every instruction after a FROM, in build order. */
  steps: BuildStepResult[];
  warnings: string[];
  notes: string[];
}
