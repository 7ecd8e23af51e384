// The building blocks of the API table (contract.ts). Inputs are zod schemas, because they
// are checked at run time where they arrive; outputs, job results and event payloads are
// types only (`type<T>()` carries a type with no run-time cost), because the engine
// produces them and TypeScript checks every handler against them.
//
// An input schema is written as a function that makes it, and is made the first time its
// method is called (then kept): making all sixty at import cost every `strata` command
// ~20 ms (with the container option schemas, issue 18's profile), though a command calls
// one or two methods. The
// types are read from the functions, so the compiler sees the same table either way.
import type { z } from '../zod';

/** A type carried by the table as a value, without any run-time content. */
export interface Type<T> {
  readonly __type?: T;
}

export function type<T>(): Type<T> {
  return {};
}

/** A method that answers with its output when its work is done. */
export interface CallSpec<Input extends z.ZodMiniType = z.ZodMiniType, Output = unknown> {
  readonly kind: 'call';
  readonly input: Input;
  readonly output: Type<Output>;
}

/**
 * A method whose work is long (import, prune, build, pull): it answers at once with the
 * started job (a JobInfo), reports `jobs.progress`, can be cancelled with `jobs.cancel`,
 * and ends with one `jobs.done` carrying `result`.
 */
export interface JobSpec<Input extends z.ZodMiniType = z.ZodMiniType, Result = unknown> {
  readonly kind: 'job';
  readonly input: Input;
  readonly result: Type<Result>;
}

export type MethodSpec = CallSpec | JobSpec;

/** Specs whose input schema has been made (for the tests that check it is made on demand). */
const made = new WeakSet<MethodSpec>();

/** `input`, made on first read by `make` and kept. */
function withInput<Spec extends MethodSpec>(fields: Omit<Spec, 'input'>, make: () => Spec['input']): Spec {
  const spec = fields as Spec;
  let input: Spec['input'] | undefined;
  Object.defineProperty(spec, 'input', {
    enumerable: true,
    get() {
      if (input === undefined) {
        input = make();
        made.add(spec);
      }
      return input;
    },
  });
  return spec;
}

/** A call method: `make` returns its input schema, when the method is first called. */
export function call<Input extends z.ZodMiniType, Output>(make: () => Input, output: Type<Output>): CallSpec<Input, Output> {
  return withInput<CallSpec<Input, Output>>({ kind: 'call', output }, make);
}

/** A job method: `make` returns its input schema, when the method is first called. */
export function job<Input extends z.ZodMiniType, Result>(make: () => Input, result: Type<Result>): JobSpec<Input, Result> {
  return withInput<JobSpec<Input, Result>>({ kind: 'job', result }, make);
}

/** Whether the method's input schema has been made yet (it is, by its first call). */
export function inputMade(spec: MethodSpec): boolean {
  return made.has(spec);
}
