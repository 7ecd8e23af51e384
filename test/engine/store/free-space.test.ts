// The free-space reserve's setting and arithmetic: the values STRATA_MIN_FREE and the
// engine's minFree option take, and the default (5 % of the filesystem, at most 1 GiB).
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SpaceGuard, parseReserve, reserveBytes, reserveSetting } from '../../../src-main/engine/store/free-space';
import { StrataError } from '@shared/errors';

const MiB = 1 << 20;
const GiB = 1 << 30;

function refusal(run: () => unknown): StrataError {
  try {
    run();
  } catch (error) {
    if (error instanceof StrataError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('the reserve setting', () => {
  it.each([
    ['1g', { bytes: GiB }],
    ['512m', { bytes: 512 * MiB }],
    ['0', { bytes: 0 }],
    ['5%', { percent: 5 }],
    [' 2.5 % ', { percent: 2.5 }],
    ['100%', { percent: 100 }],
  ])('%j → %j', (text, reserve) => {
    expect(parseReserve(text)).toEqual(reserve);
  });

  it.each(['lots', '-1g', '101%', '%', '5%%'])('%j is refused with INVALID_ARGUMENT naming STRATA_MIN_FREE', (text) => {
    const error = refusal(() => parseReserve(text));
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toMatch(/^STRATA_MIN_FREE /);
  });

  it('takes bytes or text from the engine option; nothing or an empty variable means the default', () => {
    expect(reserveSetting(16 * MiB)).toEqual({ bytes: 16 * MiB });
    expect(reserveSetting('10%')).toEqual({ percent: 10 });
    expect(reserveSetting(undefined)).toBeUndefined();
    expect(reserveSetting('')).toBeUndefined();
    expect(refusal(() => reserveSetting(-1)).code).toBe('INVALID_ARGUMENT');
  });
});

describe('the reserve in bytes', () => {
  it('defaults to 5 % of the filesystem, at most 1 GiB', () => {
    expect(reserveBytes(undefined, 10 * GiB)).toBe(512 * MiB);
    expect(reserveBytes(undefined, 20 * GiB)).toBe(GiB);
    expect(reserveBytes(undefined, 1000 * GiB)).toBe(GiB);
  });

  it('is what was set otherwise', () => {
    expect(reserveBytes({ bytes: 16 * MiB }, 1000 * GiB)).toBe(16 * MiB);
    expect(reserveBytes({ percent: 10 }, 10 * GiB)).toBe(GiB);
    expect(reserveBytes({ bytes: 0 }, 10 * GiB)).toBe(0);
  });
});

describe('the guard', () => {
  it('checks statfs only every few MiB, and then refuses a reserve larger than the free space', () => {
    const stat = fs.statfsSync('/');
    const guard = new SpaceGuard('/', { bytes: stat.blocks * stat.bsize + 1 }); // more than the whole filesystem
    guard.wrote(MiB); // not yet checked
    const error = refusal(() => guard.wrote(8 * MiB));
    expect(error.code).toBe('NO_SPACE');
    expect(error.message).toMatch(/^stopped writing: the store's filesystem \(\/\) has \d+\.\d MiB free, less than the \d+\.\d MiB kept free \(STRATA_MIN_FREE\)/);
  });
});
