// `strata build`: carries out a build plan (plan.ts) step by step, layer by layer.
//
// Per stage the executor keeps the layer chain so far, the run config and the history.
// Each step first gets its cache key (cache-key.ts: the previous key, the instruction, the
// content digest of COPY sources, the ARGs a RUN sees); a cache hit whose layer is still in
// the store is reused as it is. Otherwise the step runs:
//  - RUN in a container on an overlay of the chain (run-step.ts);
//  - COPY/ADD into an overlay of the chain (copy-step.ts), from the context or from an
//    earlier stage's root, mounted for the step;
//  - WORKDIR makes its directory when the image lacks it (a layer, as Docker does;
//    otherwise, like every other config instruction, only the config changes);
// and whatever it changed (the overlay's upper dir) becomes a layer in the store
// (step-layer.ts). Steps that change no file add no layer: `empty_layer` in the history.
//
// The store lock is taken only briefly — to resolve the base images and reference them, to
// reference a cached layer, to publish a layer, and at the end to publish the image — so
// the window and other commands keep working during a long RUN. References a build takes
// (build-refs.ts) keep what it stands on out of reach of `rmi`/`prune` until it ends.
// Whatever happens, the build's directory goes at the end with its mounts and containers;
// only a build that completes tags anything.
import fs from 'node:fs';
import { StrataError, isStrataError } from '@shared/errors';
import { imageRoot, readImageFile } from '../containers/rootfs';
import { type ImageInfo, findImage, readConfig } from '../images/image-store';
import { type HistoryEntry, type ImageConfig, type RunConfig, hostArchitecture } from '../images/oci';
import { normalizeReference } from '../images/reference';
import { compressionOfMediaType, layerMediaType } from '../layers/compression';
import { entryInRoot, mkdirInRoot } from '../layers/root-path';
import { resolveUser } from '../runtime/image-user';
import type { Store } from '../store/store';
import { BuildCache, type CacheEntry, type CachedLayer } from './build-cache';
import type { BuildEvent, BuildOptions, BuildResult, BuildStepResult } from './build-events';
import { BuildWorkspace, type StepRoot } from './build-workspace';
import { baseCacheParent, stepCacheKey } from './cache-key';
import { parseContainerfile } from './containerfile-parser';
import { checkContainerfileChoice, readBuildContainerfile } from './containerfile-source';
import { type BuildContext, type ResolvedSources, openBuildContext, resolveCopySources, stageRoot } from './context';
import { copyIntoRoot } from './copy-step';
import { type StageImage, publishImage } from './final-image';
import { type BuildStep, type ConfigStep, type CopyStep, type PlannedStage, type RunStep, applyConfigStep, planBuild } from './plan';
import { runInContainer } from './run-step';
import { publishStepLayer } from './step-layer';

export type { BuildEvent, BuildOptions, BuildResult, BuildStepResult } from './build-events';

export async function buildImage(store: Store, options: BuildOptions): Promise<BuildResult> {
  const tags = (options.tags ?? []).map(normalizeReference);
  checkContainerfileChoice(options); // a text too long is refused before the context is even opened
  const context = await openBuildContext(options.contextDir);
  const parsed = parseContainerfile(await readBuildContainerfile(context.root, options));
  throwIfCancelled(options.signal);

  const ws = await BuildWorkspace.open(store);
  let succeeded = false;
  try {
    const bases = new Map<string, ImageInfo>();
    const plan = await store.write(() => {
      const planned = planBuild(parsed, {
        ...(options.buildArgs ? { buildArgs: options.buildArgs } : {}),
        ...(options.target !== undefined ? { target: options.target } : {}),
        baseConfig: (ref) => baseImage(store, ref, bases)?.config,
      });
      // From here until the build ends, its base images stay, whatever rmi or prune run meanwhile.
      ws.protect({ manifests: [...bases.values()].map((image) => image.manifestDigest) });
      return planned;
    });
    for (const message of plan.warnings) options.onProgress?.({ kind: 'message', level: 'warning', message });
    for (const message of plan.notes) options.onProgress?.({ kind: 'message', level: 'note', message });

    const executor = new Executor(store, ws, context, bases, options, plan.stages.reduce((sum, stage) => sum + 1 + stage.steps.length, 0));
    for (const stage of plan.stages) await executor.buildStage(stage);
    throwIfCancelled(options.signal);
    const image = await publishImage(store, executor.stageImage(plan.target), tags, () => executor.cache.flush());
    succeeded = true;
    return { id: image.id, manifestDigest: image.manifestDigest, tags: image.tags, steps: executor.results, warnings: plan.warnings, notes: plan.notes };
  } finally {
    // A failed clean-up is reported, but never in place of the error that failed the build.
    await ws.dispose().catch((error: unknown) => {
      if (succeeded) throw error;
    });
  }
}

/** A FROM image from the store, remembered per reference; undefined when the store lacks it. */
function baseImage(store: Store, ref: string, seen: Map<string, ImageInfo>): ImageInfo | undefined {
  const known = seen.get(ref);
  if (known) return known;
  try {
    const image = findImage(store, ref);
    seen.set(ref, image);
    return image;
  } catch (error) {
    if (isStrataError(error, 'NOT_FOUND')) return undefined;
    throw error;
  }
}

function throwIfCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new StrataError('CANCELLED', 'build cancelled');
}

/** Where a stage stands: its image so far and the cache key of its last step. */
interface StageState {
  base: ImageConfig;
  config: RunConfig;
  layers: CachedLayer[];
  history: HistoryEntry[];
  key: string;
}

class Executor {
  readonly cache: BuildCache;
  readonly results: BuildStepResult[] = [];
  private readonly states = new Map<number, StageState>();
  private readonly names = new Map<number, string>();
  private step = 0;

  constructor(
    private readonly store: Store,
    private readonly ws: BuildWorkspace,
    private readonly context: BuildContext,
    private readonly bases: ReadonlyMap<string, ImageInfo>,
    private readonly options: BuildOptions,
    private readonly total: number,
  ) {
    this.cache = BuildCache.load(store.paths);
  }

  stageImage(index: number): StageImage {
    const state = this.states.get(index)!;
    return { base: state.base, config: state.config, layers: state.layers, history: state.history };
  }

  async buildStage(stage: PlannedStage): Promise<void> {
    const base = stage.base;
    const from = base.kind === 'image' ? base.ref : base.kind === 'scratch' ? 'scratch' : (this.names.get(base.index) ?? String(base.index));
    if (stage.name !== undefined) this.names.set(stage.index, stage.name);
    this.emit({ kind: 'step', step: ++this.step, total: this.total, stage: stage.index, line: stage.line, createdBy: `FROM ${from}${stage.name ? ` AS ${stage.name}` : ''}` });
    const state = this.initialState(stage);
    this.states.set(stage.index, state);
    for (const step of stage.steps) {
      throwIfCancelled(this.options.signal);
      await this.buildStep(stage, state, step);
    }
  }

  private initialState(stage: PlannedStage): StageState {
    const config = structuredClone(stage.baseConfig);
    switch (stage.base.kind) {
      case 'scratch':
        return {
          base: { architecture: hostArchitecture(), os: 'linux', rootfs: { type: 'layers', diff_ids: [] } },
          config,
          layers: [],
          history: [],
          key: baseCacheParent({ kind: 'scratch' }),
        };
      case 'image': {
        const image = this.bases.get(stage.base.ref)!;
        const document = readConfig(this.store, image.id);
        return {
          base: document,
          config,
          layers: image.layers.map((layer) => ({
            chainId: layer.chainId,
            diffId: layer.diffId,
            digest: layer.digest,
            size: layer.blobSize,
            // The new manifest is OCI: a docker-archive layer keeps its bytes, under the OCI name.
            mediaType: layerMediaType(compressionOfMediaType(layer.mediaType) ?? 'none', 'oci'),
          })),
          history: alignedHistory(document.history ?? [], image.layers.length),
          key: baseCacheParent({ kind: 'image', configDigest: image.id }),
        };
      }
      case 'stage': {
        const parent = this.states.get(stage.base.index)!;
        return { base: parent.base, config, layers: [...parent.layers], history: [...parent.history], key: parent.key };
      }
    }
  }

  private async buildStep(stage: PlannedStage, state: StageState, step: BuildStep): Promise<void> {
    const number = ++this.step;
    const started = Date.now();
    this.emit({ kind: 'step', step: number, total: this.total, stage: stage.index, line: step.line, createdBy: step.createdBy });
    const parent = state.layers.at(-1)?.chainId ?? null;
    const mounted: StepRoot[] = []; // COPY --from: the source stage's root, for this step
    let key: string;
    let entry: CacheEntry | undefined;
    let cached = false;
    try {
      let sources: ResolvedSources | undefined;
      if (step.kind === 'copy' || step.kind === 'add') {
        sources = await withLine(step, () => {
          if (step.from === undefined) return resolveCopySources(this.context, step.sources);
          const root = this.ws.openRoot('from', this.states.get(step.from)!.layers.map((layer) => layer.chainId), false);
          mounted.push(root);
          return resolveCopySources(stageRoot(root.rootfs), step.sources);
        });
      }
      key = stepCacheKey({ parent: state.key, instruction: step.cacheText, ...(sources ? { contentDigest: sources.digest } : {}), buildArgs: step.cacheArgs });
      entry = this.options.noCache ? undefined : await this.lookup(key, parent);
      cached = entry !== undefined;
      if (entry === undefined) {
        const created = new Date().toISOString();
        const record = (layer: CachedLayer | null) => this.cache.add(key, { parent, layer, created });
        const layer = await withLine(step, () => this.execute(state, step, sources, number, record));
        if (layer === null) record(null); // layers are recorded as they are published
        entry = { parent, layer, created };
      }
    } finally {
      for (const root of mounted) await root.remove();
    }

    if (entry.layer) state.layers.push(entry.layer);
    state.history.push({ created: entry.created, created_by: step.createdBy, ...(entry.layer ? {} : { empty_layer: true }) });
    if (step.kind === 'config') state.config = applyConfigStep(state.config, step);
    state.key = key;
    this.results.push({ stage: stage.index, line: step.line, createdBy: step.createdBy, cached, ...(entry.layer ? { layer: entry.layer.chainId } : {}) });
    this.emit({ kind: 'step-done', step: number, total: this.total, cached, ...(entry.layer ? { layer: entry.layer.chainId } : {}), durationMs: Date.now() - started });
  }

  /** A usable cache entry; one with a layer is referenced (under the lock) before it is used. */
  private async lookup(key: string, parent: string | null): Promise<CacheEntry | undefined> {
    const found = this.cache.find(key, parent);
    if (found === undefined || found.layer === null) return found;
    return this.store.write(() => {
      const entry = this.cache.find(key, parent); // again, now that no sweep can run
      if (entry?.layer) this.ws.protect({ layers: [{ chainId: entry.layer.chainId, digest: entry.layer.digest }] });
      return entry;
    });
  }

  /** Runs a step that missed the cache; returns the layer it added, if any. */
  private async execute(
    state: StageState,
    step: BuildStep,
    sources: ResolvedSources | undefined,
    number: number,
    record: (layer: CachedLayer | null) => void,
  ): Promise<CachedLayer | null> {
    const chain = state.layers.map((layer) => layer.chainId);
    const readFile = (absPath: string) => readImageFile(this.store, chain, absPath);
    let root: StepRoot;
    switch (step.kind) {
      case 'config':
        if (!this.needsWorkdir(state, step, chain)) return null;
        root = this.ws.openRoot('workdir', chain, false);
        break;
      case 'run':
        if (chain.length === 0) throw new StrataError('INVALID_ARGUMENT', 'RUN: the stage has no files yet (FROM scratch): there is nothing to run');
        root = this.ws.openRoot('run', chain, true);
        break;
      case 'copy':
      case 'add':
        root = this.ws.openRoot(step.kind, chain, false);
        break;
    }
    try {
      await this.change(root, state, step, sources!, number, readFile);
      await root.unmount();
      throwIfCancelled(this.options.signal);
      return await publishStepLayer(this.ws, root.upper, state.layers, {
        ...(this.options.signal ? { signal: this.options.signal } : {}),
        whilePublishing: (layer) => {
          record(layer);
          this.cache.flush();
        },
      });
    } finally {
      await root.remove();
    }
  }

  private async change(
    root: StepRoot,
    state: StageState,
    step: BuildStep,
    sources: ResolvedSources | undefined,
    number: number,
    readFile: (absPath: string) => Buffer | undefined,
  ): Promise<void> {
    const signal = this.options.signal ? { signal: this.options.signal } : {};
    switch (step.kind) {
      case 'run':
        return runInContainer({
          store: this.store,
          root,
          step: step satisfies RunStep,
          readImageFile: readFile,
          onOutput: (stream, line) => this.emit({ kind: 'output', step: number, stream, line }),
          ...(this.options.network ? { network: this.options.network } : {}),
          ...signal,
        });
      case 'copy':
      case 'add': {
        const scratch = this.ws.scratch('add');
        fs.mkdirSync(scratch);
        return copyIntoRoot({ root: root.rootfs, step: step satisfies CopyStep, sources: sources!.sources, readImageFile: readFile, scratch, ...signal });
      }
      case 'config': {
        // WORKDIR: the directory belongs to the USER in effect, as BuildKit makes it.
        const user = resolveUser(state.config.User, readFile);
        mkdirInRoot(root.rootfs, workdirOf(state, step), { uid: user.uid, gid: user.gid });
        return;
      }
    }
  }

  /** A WORKDIR whose directory the image lacks. */
  private needsWorkdir(state: StageState, step: ConfigStep, chain: readonly string[]): boolean {
    if (step.keyword !== 'WORKDIR') return false;
    // Links followed inside the image: a WORKDIR through a dangling link makes its target.
    return entryInRoot(imageRoot(this.store, chain), workdirOf(state, step), true)?.stat.isDirectory() !== true;
  }

  private emit(event: BuildEvent): void {
    this.options.onProgress?.(event);
  }
}

/**
 * The base's history, padded when it names fewer layers than the image has (some tools
 * write none): readers pair layers with non-empty history entries in order, and the build's
 * own entries must land on the build's own layers.
 */
function alignedHistory(history: readonly HistoryEntry[], layers: number): HistoryEntry[] {
  const missing = layers - history.filter((entry) => !entry.empty_layer).length;
  return [...history, ...Array.from({ length: Math.max(0, missing) }, () => ({ comment: 'not recorded by the base image' }))];
}

function workdirOf(state: StageState, step: ConfigStep): string {
  return applyConfigStep(state.config, step).WorkingDir || '/';
}

/** Errors of a step carry its line; a cancelled step says so, whatever noticed first. */
async function withLine<T>(step: BuildStep, work: () => Promise<T> | T): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (isStrataError(error, 'CANCELLED') || (error as Error)?.name === 'AbortError') throw new StrataError('CANCELLED', 'build cancelled', { cause: error });
    if (isStrataError(error)) {
      if (error.message.startsWith('line ')) throw error;
      throw new StrataError(error.code, `line ${step.line}: ${error.message}`, { cause: error });
    }
    throw new StrataError('INTERNAL', `line ${step.line}: ${step.keyword}: ${(error as Error)?.message ?? String(error)}`, { cause: error });
  }
}
