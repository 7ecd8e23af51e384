// The Engine facade: one store root, the operations every front end (CLI, API, window) uses.
// Plain Node; never imports Electron.
import { type StoreDiskUsage, storeDiskUsage } from './images/disk';
import { type ImportOptions, type ImportedImage, importImage } from './images/import-image';
import type { ExportOptions, ExportResult } from './images/export-image';
import type { PullOptions, PulledImage } from './registry/pull';
import type { BuildOptions, BuildResult } from './build/execute';
import type { OutlineInput } from './build/outline';
import { type PruneResult, type RemoveResult, prune, removeImage, tagImage } from './images/image-ops';
import { type ImageInfo, findImageAsync, listImagesAsync } from './images/image-store';
import type { ContainerfileOutline, ImageWaste, PathHistory } from '@shared/api/types/images';
import { type TreeQuery, imagePathHistory, imageTree, imageWaste } from './images/image-tree';
import type { LayerTree } from './layers/layer-index';
import type { ContainerRecord } from './containers/container';
import { containerFile, recordCache } from './containers/container-store';
import type { RecordListener } from './containers/record-cache';
import { createContainer } from './containers/create-container';
import { type CommitOptions, commitContainer } from './containers/commit-container';
import { type ContainerChange, diffContainer } from './containers/container-diff';
import { type ExecOptions, type ExecResult, execContainer } from './containers/exec-container';
import { type ListContainersOptions, inspectContainer, listContainers, runtimeConfigOf } from './containers/list-containers';
import { RestartMonitor, type RestartMonitorOptions } from './containers/restart-monitor';
import { updateContainer } from './containers/update-container';
import type { ContainerOptions, ContainerUpdate } from './containers/options';
import { pauseContainer, unpauseContainer } from './containers/pause-container';
import { removeContainer } from './containers/remove-container';
import { runContainer } from './containers/run-container';
import { startContainer } from './containers/start-container';
import { killContainer, stopContainer } from './containers/stop-container';
import { waitContainer } from './containers/wait-container';
import { listExecSessions } from './containers/exec-session';
import { type OpenTerminalOptions, openTerminal } from './containers/open-terminal';
import type { ExecSessionInfo } from '@shared/api/types/containers';
import type { TerminalSession } from './containers/terminal-session';
import { type ContainerStatsSamplerOptions, type StatsSampler, openContainerStatsSampler } from './stats/index';
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

  importImage(options: ImportOptions): Promise<ImportedImage[]> {
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

  tagImage(source: string, target: string): Promise<string> {
    return tagImage(this.store, source, target);
  }

  removeImage(ref: string, options: { force?: boolean; dryRun?: boolean } = {}): Promise<RemoveResult> {
    return removeImage(this.store, ref, options);
  }

  /** Also clears what crashed builds and pulls left, first: a dead build's mounts must not outlive the layers they stack. */
  async prune(options: { dryRun?: boolean } = {}): Promise<PruneResult> {
    if (!options.dryRun) await this.clearCrashedWork();
    return prune(this.store, options);
  }

  diskUsage(): Promise<StoreDiskUsage> {
    return storeDiskUsage(this.store);
  }

  imageTree(ref: string, query: TreeQuery): Promise<{ tree: LayerTree; layer: number }> {
    return imageTree(this.store, ref, query);
  }

  /** Every layer that changed one path of an image: added, modified, deleted, and how. */
  imagePathHistory(ref: string, path: string): Promise<PathHistory> {
    return imagePathHistory(this.store, ref, path);
  }

  /** What later layers make unreachable: wasted bytes per path and per layer, and the efficiency score. */
  imageWaste(ref: string): Promise<ImageWaste> {
    return imageWaste(this.store, ref);
  }

  createContainer(image: string, options: ContainerOptions = {}): Promise<ContainerRecord> {
    return createContainer(this.store, image, options);
  }

  /** Create and start; a failed start removes what create made. */
  runContainer(image: string, options: ContainerOptions = {}): Promise<ContainerRecord> {
    return runContainer(this.store, image, options);
  }

  startContainer(ref: string): Promise<ContainerRecord> {
    return startContainer(this.store, ref);
  }

  stopContainer(ref: string, options: { timeoutS?: number } = {}): Promise<ContainerRecord> {
    return stopContainer(this.store, ref, options);
  }

  pauseContainer(ref: string): Promise<ContainerRecord> {
    return pauseContainer(this.store, ref);
  }

  unpauseContainer(ref: string): Promise<ContainerRecord> {
    return unpauseContainer(this.store, ref);
  }

  /** stop, then start (docker's restart). */
  async restartContainer(ref: string, options: { timeoutS?: number } = {}): Promise<ContainerRecord> {
    await stopContainer(this.store, ref, options);
    return startContainer(this.store, ref);
  }

  killContainer(ref: string, signal?: string): Promise<ContainerRecord> {
    return killContainer(this.store, ref, signal);
  }

  removeContainer(ref: string, options: { force?: boolean } = {}): Promise<string> {
    return removeContainer(this.store, ref, options);
  }

  waitContainer(ref: string, options: { signal?: AbortSignal; timeoutMs?: number } = {}): Promise<number | undefined> {
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
  execContainer(ref: string, options: ExecOptions, stdio: 'inherit' | 'pipe' = 'pipe'): Promise<ExecResult> {
    return execContainer(this.store, ref, options, stdio);
  }

  /**
   * A terminal session: the container's own terminal (a tty container), or a new process on
   * a terminal of its own (`exec`). The caller listen()s to it and detach()es when done.
   */
  openTerminal(options: OpenTerminalOptions): Promise<TerminalSession> {
    return openTerminal(this.store, options);
  }

  /** The exec sessions of a container whose process runs on (to attach to again). */
  listExecSessions(ref: string): Promise<ExecSessionInfo[]> {
    return listExecSessions(this.store, ref);
  }

  /** The OCI runtime config.json generated at the container's last start (null before its first). */
  runtimeConfig(ref: string): Promise<Record<string, unknown> | null> {
    return runtimeConfigOf(this.store, ref);
  }

  /** What the container changed in its read-write layer (A/C/D). */
  diffContainer(ref: string): Promise<ContainerChange[]> {
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
  commitContainer(ref: string, options: CommitOptions = {}): Promise<ImportedImage> {
    return commitContainer(this.store, ref, options);
  }

  /** New limits or restart policy; a running container gets the limits at once. */
  updateContainer(ref: string, update: ContainerUpdate): Promise<ContainerRecord> {
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
  openStatsSampler(options: ContainerStatsSamplerOptions = {}): Promise<StatsSampler> {
    return openContainerStatsSampler(this.store, options);
  }

  /** The container's log (JSON lines written by its shim). */
  containerLogPath(id: string): string {
    return containerFile(this.store, id, 'log');
  }
}

/** The seccomp filter a container gets (default profile, resolved), for bench/runtime.js. */
export { seccompFor } from './runtime/seccomp-profile';
