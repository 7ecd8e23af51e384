// The error shape that crosses every boundary (engine → API → CLI/renderer): a stable
// machine-readable code plus a message for people. Runs anywhere: no node imports.

export const ERROR_CODES = [
  'INVALID_ARGUMENT', // the caller asked for something malformed or unknown
  'NOT_FOUND', // no such image, layer, path or container
  'CONFLICT', // the request clashes with current state (name taken, image in use, …)
  'UNSUPPORTED', // this machine, mode or format cannot do it
  'INVALID_ARCHIVE', // a tar, layout or manifest is malformed or hostile
  'DIGEST_MISMATCH', // content does not hash to the digest that names it
  'CANCELLED', // the caller cancelled long work
  'NO_SPACE', // the store's filesystem is full, or writing more would eat into its free-space reserve
  'UNAUTHORIZED', // a registry refused the request: credentials missing, wrong, or without access
  'UNAVAILABLE', // a registry or network could not be reached or failed (refused, TLS, timeout, 5xx, rate limit)
  'PERMISSION_DENIED', // this user may not use that engine (the system engine admits root and group strata); the message says how to get in
  'UNKNOWN_METHOD', // the typed API has no such method (a client newer than its server)
  'INTERNAL', // a bug or an unexpected system error; the message says which step failed
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ErrorShape {
  code: ErrorCode;
  message: string;
}

export class StrataError extends Error implements ErrorShape {
  override readonly name = 'StrataError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function isStrataError(error: unknown, code?: ErrorCode): error is StrataError {
  return error instanceof StrataError && (code === undefined || error.code === code);
}

/** The `{ code, message }` form of any thrown value, for transports and the CLI. */
export function toErrorShape(error: unknown): ErrorShape {
  if (error instanceof StrataError) return { code: error.code, message: error.message };
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'INTERNAL', message };
}
