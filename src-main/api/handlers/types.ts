// The shape of a handler: one per method of the table, checked against its entry.
import type { Writable } from 'node:stream';
import type { Engine } from '../../engine/index';
import type { JobResult, MethodName, MethodOutput, Methods, ParsedInput } from '@shared/api/contract';
import type { JobSpec } from '@shared/api/define';
import type { JobControl, JobRegistry } from '../jobs';
import type { Session } from '../session';
import type { StatsService } from '../stats-service';
import type { StoreSupervisor } from '../../engine/supervisor/store-supervisor';

export interface HandlerContext {
  engine: Engine;
  /** The client calling: for what must end with it (log follows) or go only to it. */
  session: Session;
  jobs: JobRegistry;
  stats: StatsService;
  /** Strata's version (package.json, read once without blocking). */
  version: () => Promise<string>;
  /** The engine's place in its store's supervisor election, if it takes part (the window, `strata serve`). */
  supervisor?: StoreSupervisor;
  /** The caller's standard output, when the API runs in the caller's process (ApiOptions.standardOutput). */
  standardOutput?: Writable;
}

/** A call: its output, once the work is done. */
export type CallHandler<M extends MethodName> = (input: ParsedInput<M>, context: HandlerContext) => MethodOutput<M> | Promise<MethodOutput<M>>;

/** A job's work: runs after the call has answered with the job; its result ends the job. */
export type JobHandler<M extends MethodName> = (input: ParsedInput<M>, context: HandlerContext, job: JobControl) => Promise<JobResult<M>>;

export type Handlers = { [M in MethodName]: Methods[M] extends JobSpec ? JobHandler<M> : CallHandler<M> };
