import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { baseCacheParent, stepCacheKey } from '../../../src-main/engine/build/cache-key';
import { resolveCopySources } from '../../../src-main/engine/build/context';
import { planBuild, type BuildStep } from '../../../src-main/engine/build/plan';

const PARENT = 'image:sha256:' + 'a'.repeat(64);

/** Keys of every step of the last stage, chained as the executor chains them. */
function keysOf(text: string, buildArgs: Record<string, string> = {}, digests: Record<number, string> = {}): string[] {
  const plan = planBuild(text, { buildArgs });
  const steps: BuildStep[] = plan.stages[plan.stages.length - 1]!.steps;
  const keys: string[] = [];
  let parent = PARENT;
  for (const step of steps) {
    parent = stepCacheKey({ parent, instruction: step.cacheText, buildArgs: step.cacheArgs, ...(digests[step.line] ? { contentDigest: digests[step.line] } : {}) });
    keys.push(parent);
  }
  return keys;
}

describe('step cache keys', () => {
  it('is a sha256 digest, stable for the same input', () => {
    const input = { parent: PARENT, instruction: '["RUN",["/bin/sh","-c","make"]]', buildArgs: { B: '2', A: '1' } };
    const key = stepCacheKey(input);
    expect(key).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(stepCacheKey({ ...input })).toBe(key);
    // Argument order does not matter; values and names do.
    expect(stepCacheKey({ ...input, buildArgs: [['A', '1'], ['B', '2']] })).toBe(key);
    expect(stepCacheKey({ ...input, buildArgs: { A: '1', B: '3' } })).not.toBe(key);
    expect(stepCacheKey({ ...input, buildArgs: { A: '1' } })).not.toBe(key);
  });

  it('changes with the parent, the text and the content digest', () => {
    const input = { parent: PARENT, instruction: 'x', contentDigest: 'sha256:' + '1'.repeat(64) };
    const key = stepCacheKey(input);
    expect(stepCacheKey({ ...input, parent: 'scratch' })).not.toBe(key);
    expect(stepCacheKey({ ...input, instruction: 'y' })).not.toBe(key);
    expect(stepCacheKey({ ...input, contentDigest: 'sha256:' + '2'.repeat(64) })).not.toBe(key);
    const { contentDigest: _digest, ...withoutDigest } = input;
    expect(stepCacheKey(withoutDigest)).not.toBe(key);
  });

  it('fields are delimited: moving text between fields changes the key', () => {
    expect(stepCacheKey({ parent: 'ab', instruction: 'c' })).not.toBe(stepCacheKey({ parent: 'a', instruction: 'bc' }));
    expect(stepCacheKey({ parent: 'p', instruction: 'i', buildArgs: { 'A=1': '' } })).not.toBe(stepCacheKey({ parent: 'p', instruction: 'i', buildArgs: { A: '1=' } }));
  });

  it('names the parent of a first step by what the stage starts from', () => {
    expect(baseCacheParent({ kind: 'scratch' })).toBe('scratch');
    expect(baseCacheParent({ kind: 'image', configDigest: 'sha256:x' })).toBe('image:sha256:x');
    expect(baseCacheParent({ kind: 'stage', lastKey: 'sha256:k' })).toBe('sha256:k');
  });

  it('a build-arg change misses from the first step that uses it, not from the ARG line', () => {
    const file = 'FROM scratch\nARG V=1\nENV A=b\nRUN echo $V\nRUN echo later';
    const one = keysOf(file, { V: '1' });
    const two = keysOf(file, { V: '2' });
    expect(two[0]).toBe(one[0]); // ARG V
    expect(two[1]).toBe(one[1]); // ENV A=b
    expect(two[2]).not.toBe(one[2]); // RUN sees V=2 in its environment
    expect(two[3]).not.toBe(one[3]); // and everything after it
  });

  it('an expanded value changes the key of the step that uses it', () => {
    const file = 'FROM scratch\nARG DIR=/a\nWORKDIR $DIR';
    expect(keysOf(file, { DIR: '/b' })[1]).not.toBe(keysOf(file)[1]);
  });

  it('proxy build-args do not change keys', () => {
    const file = 'FROM scratch\nRUN make';
    expect(keysOf(file, { HTTP_PROXY: 'http://p:3128' })).toEqual(keysOf(file));
  });

  it('ENV earlier in the chain changes the key of a later RUN', () => {
    expect(keysOf('FROM scratch\nENV X=1\nRUN env')[1]).not.toBe(keysOf('FROM scratch\nENV X=2\nRUN env')[1]);
  });

  it('exec and shell forms with the same words differ', () => {
    expect(keysOf('FROM scratch\nRUN ["/bin/sh", "-c", "echo a b"]')).not.toEqual(keysOf('FROM scratch\nRUN ["/bin/sh", "-c", "echo", "a", "b"]'));
  });

  describe('COPY with the context digest', () => {
    let ctx: string;
    beforeEach(async () => {
      ctx = await mkdtemp(path.join(tmpdir(), 'strata-build-cache-'));
      await writeFile(path.join(ctx, 'app.txt'), 'v1');
    });
    afterEach(async () => {
      await rm(ctx, { recursive: true, force: true });
    });

    it('content change → different key; mtime change → same key', async () => {
      const file = 'FROM scratch\nCOPY app.txt /app/\nRUN cat /app/app.txt';
      const keys = async () => keysOf(file, {}, { 2: (await resolveCopySources(ctx, ['app.txt'])).digest });
      const first = await keys();
      await utimes(path.join(ctx, 'app.txt'), new Date(1999, 0, 1), new Date(1999, 0, 1));
      expect(await keys()).toEqual(first);
      await writeFile(path.join(ctx, 'app.txt'), 'v2');
      const changed = await keys();
      expect(changed[0]).not.toBe(first[0]);
      expect(changed[1]).not.toBe(first[1]); // the RUN after it misses too
    });
  });
});
