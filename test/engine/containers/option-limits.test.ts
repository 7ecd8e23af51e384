// Numbers and paths that the kernel or the runtime would refuse only at start, long after
// the container was made: the option parsers (and the schema, for the API) refuse them
// first, with INVALID_ARGUMENT.
import { describe, expect, it } from 'vitest';
import {
  CPU_SHARES_RANGE,
  MAX_PIDS_LIMIT,
  PIDS_LIMIT_RANGE,
  STOP_TIMEOUT_RANGE,
  containerOptionsSchema,
  containerUpdateSchema,
  parseWholeNumber,
  parseWorkdir,
} from '../../../src-main/engine/containers/options';
import { StrataError } from '@shared/errors';

function refusal(fn: () => unknown): StrataError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(StrataError);
    expect((error as StrataError).code).toBe('INVALID_ARGUMENT');
    return error as StrataError;
  }
  throw new Error('expected INVALID_ARGUMENT');
}

describe('parseWholeNumber', () => {
  it.each([
    ['100', PIDS_LIMIT_RANGE, 100],
    ['-1', PIDS_LIMIT_RANGE, -1],
    ['0', PIDS_LIMIT_RANGE, 0],
    [String(MAX_PIDS_LIMIT), PIDS_LIMIT_RANGE, MAX_PIDS_LIMIT],
    ['2', CPU_SHARES_RANGE, 2],
    ['262144', CPU_SHARES_RANGE, 262144],
    ['30', STOP_TIMEOUT_RANGE, 30],
  ])('%j in %j → %d', (text, range, value) => {
    expect(parseWholeNumber(text, '--flag', range)).toBe(value);
  });

  it.each([
    // What issue 12 found: a number past 2^64 reached the runtime as 1e20.
    ['99999999999999999999', PIDS_LIMIT_RANGE, /^--flag 99999999999999999999: the range is -1 to 4194304$/],
    // The kernel's pids.max refuses more than PID_MAX_LIMIT with EINVAL.
    [String(MAX_PIDS_LIMIT + 1), PIDS_LIMIT_RANGE, /the range is -1 to 4194304/],
    ['-2', PIDS_LIMIT_RANGE, /the range is -1/],
    ['1.5', PIDS_LIMIT_RANGE, /takes a whole number, not "1.5"/],
    ['1e3', PIDS_LIMIT_RANGE, /takes a whole number/],
    ['', PIDS_LIMIT_RANGE, /takes a whole number/],
    ['0x10', PIDS_LIMIT_RANGE, /takes a whole number/],
    ['1', CPU_SHARES_RANGE, /the range is 2 to 262144/],
    ['262145', CPU_SHARES_RANGE, /the range is 2 to 262144/],
    // A Node timer fires at once past 2^31 - 1 ms: a huge stop timeout would kill at once.
    ['99999999999', STOP_TIMEOUT_RANGE, /the range is 0 to 2147483/],
  ])('refuses %j', (text, range, pattern) => {
    expect(refusal(() => parseWholeNumber(text, '--flag', range)).message).toMatch(pattern);
  });
});

describe('parseWorkdir', () => {
  it('takes an absolute path', () => {
    expect(parseWorkdir('/srv/app')).toBe('/srv/app');
  });

  it.each(['relative', './here', '', '/a\0b'])('refuses %j', (text) => {
    expect(refusal(() => parseWorkdir(text)).message).toMatch(/the working directory must be an absolute path/);
  });
});

describe('the schema keeps the same limits for the API', () => {
  it.each([
    [{ pidsLimit: MAX_PIDS_LIMIT + 1 }, 'pidsLimit'],
    [{ pidsLimit: 1e20 }, 'pidsLimit'],
    [{ cpuShares: 262145 }, 'cpuShares'],
    [{ stopTimeout: STOP_TIMEOUT_RANGE.max + 1 }, 'stopTimeout'],
  ])('create refuses %j', (options, field) => {
    const result = containerOptionsSchema().safeParse(options);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => issue.path[0])).toContain(field);
  });

  it('update refuses a pids limit the kernel cannot take', () => {
    expect(containerUpdateSchema().safeParse({ pidsLimit: MAX_PIDS_LIMIT + 1 }).success).toBe(false);
    expect(containerUpdateSchema().safeParse({ pidsLimit: MAX_PIDS_LIMIT }).success).toBe(true);
  });
});
