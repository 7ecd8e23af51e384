// Methods the window is ready for but the API table (src-main/api/contract.ts) does not
// have yet. They are called by name, untyped; a server without them answers
// UNKNOWN_METHOD, and the view says which entry is missing instead of failing. When an
// entry lands in the contract, its caller moves to the typed `api.call` and leaves here.
import { isApiError } from '../../../src-main/api/api-error';
import { api } from './bridge';

export const PENDING_METHODS = {
  /** { ref } → the OCI runtime config.json the engine generated. */
  'containers.runtimeConfig': 'the generated OCI runtime config',
} as const;

export type PendingMethod = keyof typeof PENDING_METHODS;

export function callPending<T>(method: PendingMethod, input: object): Promise<T> {
  const untyped = api.call as unknown as (name: string, input: object) => Promise<unknown>;
  return untyped(method, input) as Promise<T>;
}

/** The error a server without the method answers with. */
export function isMissingMethod(error: unknown): boolean {
  return isApiError(error, 'UNKNOWN_METHOD');
}

/** What to tell the user when a pending method is missing. */
export function missingMessage(method: PendingMethod): string {
  return `This engine's API has no ${method} yet, so ${PENDING_METHODS[method]} is not available.`;
}
