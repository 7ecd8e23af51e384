// The StrataError a synchronous call throws, for tests of refusals (its code and message).
import { expect } from 'vitest';
import { StrataError } from '@shared/errors';

export function errorOf(fn: () => unknown): StrataError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(StrataError);
    return error as StrataError;
  }
  throw new Error('expected an error');
}
