// images.*, disk.*: the engine's image store.
import type { Writable } from 'node:stream';
import { StrataError } from '@shared/errors';
import type { BuildEvent } from '../../engine/build/build-events';
import type { TreeNode } from '@shared/api/types/images';
import type { JobOutputLine } from '@shared/api/types/jobs';
import type { Handlers } from './types';

export const imageHandlers = {
  'images.list': (_input, { engine }) => engine.listImages(),

  'images.inspect': ({ ref }, { engine }) => engine.inspectImage(ref),

  'images.import': ({ path, format, tags, repository, changes }, { engine }, job) =>
    engine.importImage({ path, format, tags, repository, changes, signal: job.signal, onProgress: (progress) => job.progress(progress) }),

  // Progress per layer (bytes of the blob being downloaded); each layer settled (in the
  // store already, or downloaded) is also a line of output (`strata pull` prints one per
  // layer): progress is throttled, output lines all arrive. Credentials serve this pull only.
  'images.pull': ({ reference, platform, insecure, credentials }, { engine }, job) =>
    engine.pullImage(reference, {
      platform,
      insecure,
      ...(credentials ? { credentials } : {}),
      signal: job.signal,
      onProgress: ({ step, message, done, total, bytes, totalBytes, digest }) => {
        job.progress({ step, message, done, total, bytes, totalBytes });
        if (step === 'exists' || step === 'downloaded') {
          job.output({ kind: 'step-done', step: (done ?? 0) + 1, total, cached: step === 'exists', layer: digest, bytes: totalBytes, text: message });
        }
      },
    }),

  'images.tag': async ({ source, target }, { engine }) => ({ tag: await engine.tagImage(source, target) }),

  'images.remove': ({ ref, force, dryRun }, { engine }) => engine.removeImage(ref, { force, dryRun }),

  // One step under the store lock, which cannot stop half-way: a cancel counts only before it.
  'images.prune': async ({ dryRun }, { engine }, job) => {
    job.signal.throwIfAborted();
    job.progress({ step: 'pruning', message: dryRun ? 'finding what a prune would free' : 'removing unused images, layers and blobs' });
    return engine.prune({ dryRun });
  },

  'images.prunePreview': (_input, { engine }) => engine.prune({ dryRun: true }),

  'images.tree': async ({ ref, layer, merged, path, depth }, { engine }) => {
    const { tree, layer: position } = await engine.imageTree(ref, { layer, merged });
    const node = tree.find(path);
    if (!node) throw new StrataError('NOT_FOUND', `${path} is not in layer ${position} of ${ref}${merged ? ' (merged)' : ''}`);
    if (depth === undefined) return { root: node, layer: position, truncated: false };
    const cut = cutAt(node, depth);
    return { root: cut.node, layer: position, truncated: cut.truncated };
  },

  'images.pathHistory': ({ ref, path }, { engine }) => engine.imagePathHistory(ref, path),

  'images.wasted': ({ ref }, { engine }) => engine.imageWaste(ref),

  'disk.usage': (_input, { engine }) => engine.diskUsage(),

  // The job's progress is the current step; with a RUN, its latest output line. Its output
  // (jobs.output) is every step, every line the steps printed, and the warnings.
  'images.build': ({ contextDir, containerfile, containerfileText, tags, buildArgs, noCache, target, network }, { engine }, job) => {
    let step = { done: 0, total: 0, createdBy: '' };
    return engine.buildImage({
      contextDir,
      containerfile,
      containerfileText,
      tags,
      buildArgs,
      noCache,
      target,
      network,
      signal: job.signal,
      onProgress: (event) => {
        job.output(buildOutputLine(event));
        if (event.kind === 'step') step = { done: event.step - 1, total: event.total, createdBy: event.createdBy };
        if (event.kind === 'message') return;
        // Which step of how many, as a job card shows it while the build runs: `step 2 of 3: RUN make`.
        const which = `step ${step.done + 1} of ${step.total}`;
        const message = event.kind === 'output' ? `${which}: ${step.createdBy}: ${event.line}` : `${which}: ${step.createdBy}`;
        job.progress({ step: event.kind, message, done: event.kind === 'step-done' ? event.step : step.done, total: step.total });
      },
    });
  },

  'images.containerfileOutline': ({ contextDir, containerfile, containerfileText }, { engine }) => engine.containerfileOutline({ contextDir, containerfile, containerfileText }),

  'images.save': ({ refs, format, output, overwrite }, { engine, standardOutput }, job) =>
    engine.exportImages(refs, {
      format,
      output: output === STANDARD_OUTPUT ? callersStandardOutput(standardOutput) : output,
      overwrite,
      signal: job.signal,
      onProgress: (p) => job.progress({ step: p.role, message: `${p.role} ${p.done + 1} of ${p.total}`, done: p.done, total: p.total, bytes: p.bytes, totalBytes: p.size }),
    }),
} satisfies Partial<Handlers>;

/** `images.save`'s output that names the caller's standard output. */
const STANDARD_OUTPUT = '-';

/** Only an API in the caller's own process has the caller's standard output: no bytes cross a socket yet. */
function callersStandardOutput(standardOutput: Writable | undefined): Writable {
  if (standardOutput) return standardOutput;
  throw new StrataError('UNSUPPORTED', 'an image archive cannot be sent over this connection to standard output yet: save it to a file on the engine\'s machine (-o FILE)');
}

/** A build event as a line of the job's output, worded as `strata build` prints it. */
function buildOutputLine(event: BuildEvent): Omit<JobOutputLine, 'seq'> {
  switch (event.kind) {
    case 'step':
      return { kind: 'step', step: event.step, total: event.total, text: `STEP ${event.step}/${event.total}: ${event.createdBy}` };
    case 'output':
      return { kind: event.stream, step: event.step, text: event.line };
    case 'step-done':
      return {
        kind: 'step-done',
        step: event.step,
        total: event.total,
        cached: event.cached,
        ...(event.layer ? { layer: event.layer } : {}),
        text: event.cached ? 'Using cache' : `done in ${(event.durationMs / 1000).toFixed(1)} s`,
      };
    case 'message':
      return { kind: event.level, text: event.message };
  }
}

/** A copy of `node` with children only `depth` levels down; deeper directories keep their count and size. */
function cutAt(node: TreeNode, depth: number): { node: TreeNode; truncated: boolean } {
  if (node.children.length === 0) return { node, truncated: false };
  if (depth === 0) return { node: { ...node, children: [] }, truncated: true };
  let truncated = false;
  const children = node.children.map((child) => {
    const cut = cutAt(child, depth - 1);
    truncated ||= cut.truncated;
    return cut.node;
  });
  return { node: { ...node, children }, truncated };
}
