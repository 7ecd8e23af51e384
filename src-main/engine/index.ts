// The Engine facade: one store root, the operations every front end (CLI, API, window) uses.
// Plain Node; never imports Electron.
//
// Only what opening a store and reading its records needs is imported here: every other
// operation imports its module when first called (`await import(…)`), so a CLI command
// such as `strata ps` or `strata images` parses the record readers and not the code that
// creates, starts, imports, builds or pulls (issue 18). The bundler makes each such module
// a chunk of its own; once loaded, a call costs nothing more.
import type { StoreDiskUsage } from './images/disk';
import type { ImportOptions, ImportedImage } from './images/import-image';
import type { ExportOptions, ExportResult } from './images/export-image';
import type { PullOptions, PulledImage } from './registry/pull';
import type { BuildOptions, BuildResult } from './build/execute';
import type { OutlineInput } from './build/outline';
import type { PruneResult, RemoveResult } from './images/image-ops';
import { type ImageInfo, findImageAsync, listImagesAsync } from './images/image-store';
import type { ContainerfileOutline, ImageWaste, PathHistory } from '@shared/api/types/images';
import type { TreeQuery } from './images/image-tree';
import type { LayerTree } from './layers/layer-index';
import type { ContainerRecord } from './containers/container';
import { containerFile, recordCache } from './containers/container-store';
import type { RecordListener } from './containers/record-cache';
import type { CommitOptions } from './containers/commit-container';
import type { ContainerChange } from './containers/container-diff';
import type { ExecOptions, ExecResult } from './containers/exec-container';
import { type ListContainersOptions, inspectContainer, listContainers, runtimeConfigOf } from './containers/list-containers';
import { RestartMonitor, type RestartMonitorOptions } from './containers/restart-monitor';
import type { ContainerOptions, ContainerUpdate } from './containers/options';
import type { ExecSessionInfo } from '@shared/api/types/containers';
import type { OpenTerminalOptions } from './containers/open-terminal';
import type { TerminalSession } from './containers/terminal-session';
import type { ContainerStatsSamplerOptions, StatsSampler } from './stats/index';
import { StoreSupervisor, type StoreSupervisorOptions } from './supervisor/store-supervisor';
import { staleBuildDirs } from './build/build-refs';
import { removeStalePulls } from './registry/pull-workspace';
import { RESERVE_SETTING, reserveSetting } from './store/free-space';
import { defaultStoreRoot } from './store/paths';
import { Store } from './store/store';
import { runtimeBinaryPath } from './runtime/runtime-binary';

export interface EngineOptions {
  /** Store root; default `STRATA_ROOT`, /var/lib/strata as root, else the XDG data dir. */
  root?: string;
  /**
   * Free space imports, pulls and builds leave on the store's filesystem: bytes, or a size
   * or percentage as text (`1g`, `5%`, `0` for none). Default `STRATA_MIN_FREE`, else 5 %
   * of the filesystem, at most 1 GiB.
   */
  minFree?: number | string;
}

export class Engine {
  private constructor(readonly store: Store) {}

  static open(options: EngineOptions = {}): Engine {
    const reserve = reserveSetting(options.minFree ?? process.env[RESERVE_SETTING]);
    const engine = new Engine(Store.open(options.root ?? defaultStoreRoot(), { reserve }));
    // Found now, while opening may block: every start, stop and exec spawns it later.
    try {
      runtimeBinaryPath();
    } catch {
      // not built: the first container action says so
    }
    // In the background: opening never waits on it, and a failure here is met again, and
    // reported, by the next prune or build.
    engine.clearCrashedWork().catch(() => undefined);
    return engine;
  }

  /**
   * What killed processes left: a build's directory with its mounts, network, cgroup and
   * perhaps a RUN still running (build/build-recovery.ts), a pull's downloads. Only a
   * directory listing when there is none.
   */
  private async clearCrashedWork(): Promise<void> {
    removeStalePulls(this.store.paths);
    if (staleBuildDirs(this.store.paths).length === 0) return;
    const { removeStaleBuilds } = await import('./build/build-recovery');
    await removeStaleBuilds(this.store);
  }

  get root(): string {
    return this.store.paths.root;
  }

  listImages(): Promise<ImageInfo[]> {
    return listImagesAsync(this.store);
  }

  inspectImage(ref: string): Promise<ImageInfo> {
    return findImageAsync(this.store, ref);
  }

  async importImage(options: ImportOptions): Promise<ImportedImage[]> {
    const { importImage } = await import('./images/import-image');
    return importImage(this.store, options);
  }

  /** `pull`: an image from an OCI / Docker registry (Distribution API v2), only the layers the store lacks downloaded. */
  // Pull, save and build are loaded when first used: a CLI command that needs none of
  // them (most do not) does not parse their code, nor Node's TLS for the registry client.
  async pullImage(reference: string, options: PullOptions = {}): Promise<PulledImage> {
    const { pullImage } = await import('./registry/pull');
    return pullImage(this.store, reference, options);
  }

  /** `save`: images to an oci-archive, OCI layout directory or docker-archive (reads only). */
  async exportImages(refs: readonly string[], options: ExportOptions): Promise<ExportResult> {
    const { exportImages } = await import('./images/export-image');
    return exportImages(this.store, refs, options);
  }

  async tagImage(source: string, target: string): Promise<string> {
    const { tagImage } = await import('./images/image-ops');
    return tagImage(this.store, source, target);
  }

  async removeImage(ref: string, options: { force?: boolean; dryRun?: boolean } = {}): Promise<RemoveResult> {
    const { removeImage } = await import('./images/image-ops');
    return removeImage(this.store, ref, options);
  }

  /** Also clears what crashed builds and pulls left, first: a dead build's mounts must not outlive the layers they stack. */
  async prune(options: { dryRun?: boolean } = {}): Promise<PruneResult> {
    if (!options.dryRun) await this.clearCrashedWork();
    const { prune } = await import('./images/image-ops');
    return prune(this.store, options);
  }

  async diskUsage(): Promise<StoreDiskUsage> {
    const { storeDiskUsage } = await import('./images/disk');
    return storeDiskUsage(this.store);
  }

  async imageTree(ref: string, query: TreeQuery): Promise<{ tree: LayerTree; layer: number }> {
    const { imageTree } = await import('./images/image-tree');
    return imageTree(this.store, ref, query);
  }

  /** Every layer that changed one path of an image: added, modified, deleted, and how. */
  async imagePathHistory(ref: string, path: string): Promise<PathHistory> {
    const { imagePathHistory } = await import('./images/image-tree');
    return imagePathHistory(this.store, ref, path);
  }

  /** What later layers make unreachable: wasted bytes per path and per layer, and the efficiency score. */
  async imageWaste(ref: string): Promise<ImageWaste> {
    const { imageWaste } = await import('./images/image-tree');
    return imageWaste(this.store, ref);
  }

  async createContainer(image: string, options: ContainerOptions = {}): Promise<ContainerRecord> {
    const { createContainer } = await import('./containers/create-container');
    return createContainer(this.store, image, options);
  }

  /** Create and start; a failed start removes what create made. */
  async runContainer(image: string, options: ContainerOptions = {}): Promise<ContainerRecord> {
    const { runContainer } = await import('./containers/run-container');
    return runContainer(this.store, image, options);
  }

  async startContainer(ref: string): Promise<ContainerRecord> {
    const { startContainer } = await import('./containers/start-container');
    return startContainer(this.store, ref);
  }

  async stopContainer(ref: string, options: { timeoutS?: number } = {}): Promise<ContainerRecord> {
    const { stopContainer } = await import('./containers/stop-container');
    return stopContainer(this.store, ref, options);
  }

  async pauseContainer(ref: string): Promise<ContainerRecord> {
    const { pauseContainer } = await import('./containers/pause-container');
    return pauseContainer(this.store, ref);
  }

  async unpauseContainer(ref: string): Promise<ContainerRecord> {
    const { unpauseContainer } = await import('./containers/pause-container');
    return unpauseContainer(this.store, ref);
  }

  /** stop, then start (docker's restart). */
  async restartContainer(ref: string, options: { timeoutS?: number } = {}): Promise<ContainerRecord> {
    await this.stopContainer(ref, options);
    return this.startContainer(ref);
  }

  async killContainer(ref: string, signal?: string): Promise<ContainerRecord> {
    const { killContainer } = await import('./containers/stop-container');
    return killContainer(this.store, ref, signal);
  }

  async removeContainer(ref: string, options: { force?: boolean } = {}): Promise<string> {
    const { removeContainer } = await import('./containers/remove-container');
    return removeContainer(this.store, ref, options);
  }

  async waitContainer(ref: string, options: { signal?: AbortSignal; timeoutMs?: number } = {}): Promise<number | undefined> {
    const { waitContainer } = await import('./containers/wait-container');
    return waitContainer(this.store, ref, options);
  }

  listContainers(options: ListContainersOptions = {}): Promise<ContainerRecord[]> {
    return listContainers(this.store, options);
  }

  inspectContainer(ref: string): Promise<ContainerRecord> {
    return inspectContainer(this.store, ref);
  }

  /** The container ids as containers/ lists them now (no record read). */
  containerIds(): Promise<string[]> {
    return recordCache(this.store).ids();
  }

  /** Hints of record changes by any process (inotify): the id, or undefined for "look at all". Returns unsubscribe. */
  watchContainers(listener: RecordListener): () => void {
    return recordCache(this.store).watch(listener);
  }

  /**
   * A new process in a running container. 'inherit' gives it this process's stdout/stderr
   * (a terminal); 'pipe' collects its output into the result.
   */
  async execContainer(ref: string, options: ExecOptions, stdio: 'inherit' | 'pipe' = 'pipe'): Promise<ExecResult> {
    const { execContainer } = await import('./containers/exec-container');
    return execContainer(this.store, ref, options, stdio);
  }

  /**
   * A terminal session: the container's own terminal (a tty container), or a new process on
   * a terminal of its own (`exec`). The caller listen()s to it and detach()es when done.
   */
  async openTerminal(options: OpenTerminalOptions): Promise<TerminalSession> {
    const { openTerminal } = await import('./containers/open-terminal');
    return openTerminal(this.store, options);
  }

  /** The exec sessions of a container whose process runs on (to attach to again). */
  async listExecSessions(ref: string): Promise<ExecSessionInfo[]> {
    const { listExecSessions } = await import('./containers/exec-session');
    return listExecSessions(this.store, ref);
  }

  /** The OCI runtime config.json generated at the container's last start (null before its first). */
  runtimeConfig(ref: string): Promise<Record<string, unknown> | null> {
    return runtimeConfigOf(this.store, ref);
  }

  /** What the container changed in its read-write layer (A/C/D). */
  async diffContainer(ref: string): Promise<ContainerChange[]> {
    const { diffContainer } = await import('./containers/container-diff');
    return diffContainer(this.store, ref);
  }

  /** `build`: an image from a Containerfile, layer by layer, reusing cached steps. */
  async buildImage(options: BuildOptions): Promise<BuildResult> {
    const { buildImage } = await import('./build/execute');
    return buildImage(this.store, options);
  }

  /** A Containerfile's stages and ARGs (or why it does not parse), read without building: the Build dialog's lists. */
  async containerfileOutline(input: OutlineInput): Promise<ContainerfileOutline> {
    const { containerfileOutline } = await import('./build/outline');
    return containerfileOutline(input);
  }

  /** The container's read-write layer as a new image on top of its image. */
  async commitContainer(ref: string, options: CommitOptions = {}): Promise<ImportedImage> {
    const { commitContainer } = await import('./containers/commit-container');
    return commitContainer(this.store, ref, options);
  }

  /** New limits or restart policy; a running container gets the limits at once. */
  async updateContainer(ref: string, update: ContainerUpdate): Promise<ContainerRecord> {
    const { updateContainer } = await import('./containers/update-container');
    return updateContainer(this.store, ref, update);
  }

  /**
   * Joins the election of this store's one supervisor (restart policies, stats history):
   * what a long-lived front end (the window, `strata serve`) runs; stop() it on exit. Only
   * while elected does it restart containers and let the samplers given to writeHistoryOf
   * write history; `onRole` says when that starts.
   */
  superviseStore(options: StoreSupervisorOptions = {}): StoreSupervisor {
    return new StoreSupervisor(this.store, options).start();
  }

  /** A restart monitor of this engine's own, elected by nobody (tests); front ends use superviseStore. */
  superviseRestarts(options: RestartMonitorOptions = {}): RestartMonitor {
    const monitor = new RestartMonitor(this.store, options);
    monitor.start();
    return monitor;
  }

  /** The live stats sampler over this store's running containers (not started). */
  async openStatsSampler(options: ContainerStatsSamplerOptions = {}): Promise<StatsSampler> {
    const { openContainerStatsSampler } = await import('./stats/index');
    return openContainerStatsSampler(this.store, options);
  }

  /** The container's log (JSON lines written by its shim). */
  containerLogPath(id: string): string {
    return containerFile(this.store, id, 'log');
  }
}

/**
 * The seccomp profiles (seccompFor: the filter a container gets), for bench/runtime.js;
 * loaded when asked, as every other operation's code, so opening the engine parses none.
 */
export function loadSeccompProfiles(): Promise<typeof import('./runtime/seccomp-profile')> {
  return import('./runtime/seccomp-profile');
}
