// The building blocks of the API table (contract.ts). Inputs are zod schemas, because they
// are checked at run time where they arrive; outputs, job results and event payloads are
// types only (`type<T>()` carries a type with no run-time cost), because the engine
// produces them and TypeScript checks every handler against them.
import type { z } from 'zod';

/** A type carried by the table as a value, without any run-time content. */
export interface Type<T> {
  readonly __type?: T;
}

export function type<T>(): Type<T> {
  return {};
}

/** A method that answers with its output when its work is done. */
export interface CallSpec<Input extends z.ZodType = z.ZodType, Output = unknown> {
  readonly kind: 'call';
  readonly input: Input;
  readonly output: Type<Output>;
}

/**
 * A method whose work is long (import, prune, build, pull): it answers at once with the
 * started job (a JobInfo), reports `jobs.progress`, can be cancelled with `jobs.cancel`,
 * and ends with one `jobs.done` carrying `result`.
 */
export interface JobSpec<Input extends z.ZodType = z.ZodType, Result = unknown> {
  readonly kind: 'job';
  readonly input: Input;
  readonly result: Type<Result>;
}

export type MethodSpec = CallSpec | JobSpec;

export function call<Input extends z.ZodType, Output>(input: Input, output: Type<Output>): CallSpec<Input, Output> {
  return { kind: 'call', input, output };
}

export function job<Input extends z.ZodType, Result>(input: Input, result: Type<Result>): JobSpec<Input, Result> {
  return { kind: 'job', input, result };
}
