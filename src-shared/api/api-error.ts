// The error a client call rejects with: the engine's `{ code, message }`, as an Error.
import type { ErrorCode, ErrorShape } from '../errors';

export class ApiError extends Error implements ErrorShape {
  override readonly name = 'ApiError';
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export function isApiError(error: unknown, code?: ErrorCode): error is ApiError {
  return error instanceof ApiError && (code === undefined || error.code === code);
}
