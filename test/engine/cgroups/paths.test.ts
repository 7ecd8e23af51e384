// Cgroup paths the drivers accept: relative to the engine's parent, never out of it.
// (Limits are validated by containers/options.ts and converted by the runtime: shares →
// weight is checked on the shared table in test/native/runtime/cgroup-v2.test.ts.)
import { describe, expect, it } from 'vitest';
import { cgroupComponents, underParent } from '../../../src-main/engine/cgroups/paths';
import { isStrataError } from '@shared/errors';

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(isStrataError(error, 'INVALID_ARGUMENT')).toBe(true);
    return (error as Error).message;
  }
  throw new Error('expected INVALID_ARGUMENT');
}

describe('cgroup paths', () => {
  it('accepts plain relative names, nested ones too', () => {
    expect(underParent('strata', 'abc123')).toBe('strata/abc123');
    expect(underParent('strata', 'pod-1/ctr_2')).toBe('strata/pod-1/ctr_2');
  });

  it.each([
    ['..', /climbs out/],
    ['../memory', /climbs out/],
    ['a/../../etc', /climbs out/],
    ['/sys/fs/cgroup/memory', /absolute/],
    ['/', /absolute/],
    ['', /empty/],
    ['a//b', /empty/],
    ['./a', /empty or "."/],
    ['a/', /empty/],
    ['.hidden', /letters, digits/],
    ['a\0b', /letters, digits/],
    ['a b', /letters, digits/],
    ['x'.repeat(256), /longer than 255/],
  ])('refuses %j', (bad, why) => {
    expect(refusal(() => cgroupComponents(bad))).toMatch(why);
  });

  it('the parent is checked the same way', () => {
    expect(refusal(() => underParent('../strata', 'x'))).toMatch(/cgroup parent/);
  });
});
