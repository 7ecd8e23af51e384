// The build cache key of one step. Two steps with the same key produce the same result, so
// the second can reuse the first's layer and config instead of running again.
//
// What goes in, and why:
//  - `parent`: what the step starts from — the key of the step before it (which chains in
//    everything earlier, ENV lines included), or for a stage's first step the base image's
//    config digest (`scratch` for none). A chain id alone would not do: two builds can share
//    layers yet differ in ENV, which a RUN sees.
//  - `instruction`: the step's canonical text after `$VAR` expansion (plan.ts `cacheText`),
//    so `ENV V=$X` with a different X is a different step.
//  - `contentDigest`: for COPY/ADD, the digest of the selected files (context.ts), so an
//    edited file misses while a `touch` (mtime only) still hits.
//  - `buildArgs`: the ARG values the step sees but its text does not show — for RUN, every
//    ARG in scope, since they are in its environment. Order-insensitive.
import { createHash } from 'node:crypto';

export interface CacheKeyInput {
  parent: string;
  instruction: string;
  contentDigest?: string;
  buildArgs?: Readonly<Record<string, string>> | readonly (readonly [string, string])[];
}

const VERSION = 'strata-build-cache/v1';

export function stepCacheKey(input: CacheKeyInput): string {
  const args = Array.isArray(input.buildArgs)
    ? (input.buildArgs as readonly (readonly [string, string])[])
    : Object.entries((input.buildArgs ?? {}) as Record<string, string>);
  const sorted = [...args].map(([name, value]) => [name, value]).sort(([a], [b]) => (a! < b! ? -1 : a! > b! ? 1 : 0));
  // JSON of a fixed-shape array: every field is delimited, so no two inputs serialise alike.
  const canonical = JSON.stringify([VERSION, input.parent, input.instruction, input.contentDigest ?? null, sorted]);
  return `sha256:${createHash('sha256').update(canonical).digest('hex')}`;
}

/** The parent of a stage's first step, from what the stage is built on. */
export function baseCacheParent(base: { kind: 'scratch' } | { kind: 'image'; configDigest: string } | { kind: 'stage'; lastKey: string }): string {
  switch (base.kind) {
    case 'scratch':
      return 'scratch';
    case 'image':
      return `image:${base.configDigest}`;
    case 'stage':
      return base.lastKey;
  }
}
