// One way to turn whatever a call threw into a line for people.
import { isApiError } from '@shared/api/api-error';

export function errorMessage(error: unknown): string {
  if (isApiError(error)) return error.message;
  if (error instanceof Error) return error.message;
  return String(error);
}
