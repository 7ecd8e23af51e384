// The API's engine side, transport-neutral: validates a call against the table, runs its
// handler (or starts its job), and answers `{ result }` or `{ error: { code, message } }`.
// Transports (electron/ipc.ts, server/) open one Session per client and pass calls in.
import type { Writable } from 'node:stream';
import type { Engine } from '../engine/index';
import { type ErrorShape, toErrorShape } from '@shared/errors';
import { type JobMethodName, type MethodName, isMethodName, methods } from '@shared/api/contract';
import { ContainerWatcher } from './container-watch';
import { EventBus } from './events';
import { type CallHandler, type HandlerContext, type JobHandler, handlers } from './handlers/index';
import { invalidInput } from './invalid-input';
import { describeJob } from './job-subjects';
import { JobRegistry } from './jobs';
import { packageVersionAsync } from './package-info';
import type { Reply } from '@shared/api/protocol';
import { type EventSink, Session, type SessionOptions } from './session';
import { StatsService } from './stats-service';
import type { StoreSupervisor } from '../engine/supervisor/store-supervisor';

export interface ApiOptions {
  engine: Engine;
  /** Shown by system.info; default: package.json's. */
  version?: string;
  /** How often to compare every container while anyone listens (ms): the safety net behind inotify. */
  containerPollMs?: number;
  /** Told of every INTERNAL error (a bug or an unexpected failure), with its stack: the server logs them. */
  onInternalError?: (method: string, error: unknown) => void;
  /**
   * The engine's place in its store's supervisor election (engine.superviseStore): stats
   * history is written while it is elected, and system.info says whether it is. Without
   * one the API writes no history. The caller stops it, after close().
   */
  supervisor?: StoreSupervisor;
  /**
   * The caller's standard output, when the API runs in the caller's own process (the CLI's
   * local connection): `images.save` may then write its archive there (output `-`), as
   * `strata save IMAGE > file` does. Elsewhere that output is UNSUPPORTED.
   */
  standardOutput?: Writable;
}

export { openSupervisedApi, type SupervisedApi } from './supervised-api';

export class Api {
  readonly bus = new EventBus();
  readonly jobs: JobRegistry;
  private readonly containers: ContainerWatcher;
  readonly stats: StatsService;

  constructor(private readonly options: ApiOptions) {
    const { engine } = options;
    this.jobs = new JobRegistry({
      progress: (event) => this.bus.publish('jobs.progress', event),
      output: (event) => this.bus.publish('jobs.output', event),
      done: (job) => this.bus.publish('jobs.done', job),
    });
    // Read once here, before the API serves (it reads package.json files).
    this.containers = new ContainerWatcher(
      {
        list: () => engine.listContainers({ all: true }),
        inspect: (id) => engine.inspectContainer(id),
        ids: () => engine.containerIds(),
        watch: (hint) => engine.watchContainers(hint),
      },
      (event) => this.bus.publish('containers.changed', event),
      options.containerPollMs,
    );
    this.bus.produceOnDemand('containers.changed', () => this.containers.start());
    // Sampling runs while the API does (history is recorded by the store's supervisor); batches go out only while anyone listens.
    this.stats = new StatsService(engine, (error) => options.onInternalError?.('stats', error), options.supervisor);
    this.bus.produceOnDemand('stats.samples', () => this.stats.subscribe((batch) => this.bus.publish('stats.samples', batch)));
  }

  get engine(): Engine {
    return this.options.engine;
  }

  /** A client: its calls, its subscriptions, delivered through `sink`. Close it when the client goes. */
  openSession(sink: EventSink, options?: SessionOptions): Session {
    return new Session((method, input, session) => this.dispatch(method, input, session), this.bus, sink, options);
  }

  /** One call, checked against the table. Never throws: failures are answered as `{ error }`. */
  async dispatch(method: string, rawInput: unknown, session: Session): Promise<Reply> {
    if (!isMethodName(method)) return { error: { code: 'UNKNOWN_METHOD', message: `no such method: ${JSON.stringify(method)}` } };
    const spec = methods[method];
    // A method without arguments may be called with none: `undefined` reads as `{}`.
    const parsed = spec.input.safeParse(rawInput === undefined ? {} : rawInput);
    if (!parsed.success) return { error: toErrorShape(invalidInput(method, parsed.error)) };
    const options = this.options;
    const context: HandlerContext = {
      engine: this.engine,
      session,
      jobs: this.jobs,
      stats: this.stats,
      // Read only by system.info: package.json is not looked for on every call.
      version: () => (options.version !== undefined ? Promise.resolve(options.version) : packageVersionAsync()),
      supervisor: options.supervisor,
      standardOutput: options.standardOutput,
    };
    try {
      return { result: spec.kind === 'job' ? this.startJob(method, parsed.data, context) : await this.runCall(method, parsed.data, context) };
    } catch (error) {
      return { error: this.errorShape(method, error) };
    } finally {
      // Tell listeners what this call did to containers at once: the containers it touched, re-read alone.
      if (method.startsWith('containers.')) await this.containers.refresh();
    }
  }

  /** Stops the pollers and cancels running jobs, waiting for them to end. Sessions are their transports' to close. */
  async close(): Promise<void> {
    this.bus.close();
    await this.jobs.cancelAll();
    await this.stats.close();
  }

  // The table and the handlers agree method by method (handlers/index.ts checks it), but
  // TypeScript cannot follow that through a method name known only at run time: hence the casts.
  private runCall(method: MethodName, input: unknown, context: HandlerContext): unknown {
    return (handlers[method] as CallHandler<MethodName>)(input as never, context);
  }

  private startJob(method: MethodName, input: unknown, context: HandlerContext): unknown {
    const work = handlers[method] as JobHandler<MethodName>;
    return this.jobs.start(
      method,
      async (control) => {
        try {
          return await work(input as never, context, control);
        } catch (error) {
          this.errorShape(method, error); // reports an INTERNAL one; the job records the error itself
          throw error;
        }
      },
      describeJob(method as JobMethodName, input as never),
    );
  }

  private errorShape(method: string, error: unknown): ErrorShape {
    const shape = toErrorShape(error);
    if (shape.code === 'INTERNAL') this.options.onInternalError?.(method, error);
    return shape;
  }
}
