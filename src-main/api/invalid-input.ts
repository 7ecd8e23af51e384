// Zod's verdict on an input as an INVALID_ARGUMENT a person can act on:
// `images.inspect: invalid input: ref: Invalid input: expected string, received number`.
import type { z } from '@shared/zod';
import { StrataError } from '@shared/errors';

const SHOWN_ISSUES = 3;

export function invalidInput(what: string, error: z.core.$ZodError): StrataError {
  const issues = error.issues.slice(0, SHOWN_ISSUES).map((issue) => `${issue.path.length > 0 ? issue.path.map(String).join('.') : '(input)'}: ${issue.message}`);
  const more = error.issues.length > SHOWN_ISSUES ? ` (and ${error.issues.length - SHOWN_ISSUES} more)` : '';
  return new StrataError('INVALID_ARGUMENT', `${what}: invalid input: ${issues.join('; ')}${more}`);
}

/** `schema.parse`, failing with INVALID_ARGUMENT. */
export function parseInput<T>(schema: z.ZodMiniType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw invalidInput(what, parsed.error);
  return parsed.data;
}
