// The other end of the renderer's API for the store tests: a stand-in for the preload's
// transport (`window.strata`), answering each method as a test says and emitting events when
// a test says. The stores reach it through the real typed client (createClient), so replies,
// ApiErrors and jobs travel as in the window; only the engine behind the transport is fake.
// A store test swaps the bridge module for this one:
//   vi.mock('../../../src-renderer/src/api/bridge', () => import('../fake-engine').then((m) => m.bridgeModule));
import { createClient } from '@shared/api/client';
import type { EventName, EventPayload, MethodInput, MethodName, MethodOutput } from '@shared/api/contract';
import { EventListeners } from '@shared/api/listeners';
import type { EventListener, Reply } from '@shared/api/protocol';
import type { JobInfo } from '@shared/api/types/jobs';
import { type ErrorCode, StrataError, toErrorShape } from '@shared/errors';
import type { StrataPreloadApi } from '@shared/preload-api';

type Handler<M extends MethodName> = (input: MethodInput<M>) => MethodOutput<M> | Promise<MethodOutput<M>>;

export class FakeEngine implements StrataPreloadApi {
  readonly version = '0.0.0-test';
  readonly platform = 'linux';
  /** Every call the renderer made, in order. */
  calls: { method: string; input: unknown }[] = [];
  private handlers = new Map<string, (input: unknown) => unknown>();
  private listeners = new EventListeners();
  private nextJob = 1;

  /** Forgets answers, calls and listeners (between tests). */
  reset(): void {
    this.calls = [];
    this.handlers = new Map();
    this.listeners = new EventListeners();
  }

  answer<M extends MethodName>(method: M, handler: Handler<M>): void {
    this.handlers.set(method, handler as (input: unknown) => unknown);
  }

  /** The method answers with the engine's error `{ code, message }`. */
  fail(method: MethodName, code: ErrorCode, message: string): void {
    this.handlers.set(method, () => {
      throw new StrataError(code, message);
    });
  }

  /** A job method: answers at once with a running job of the given id, whose end comes by finishJob. */
  answerJob(method: MethodName, id = `job-${this.nextJob++}`): string {
    this.handlers.set(method, (): JobInfo => ({ id, kind: method, state: 'running', startedAt: '2024-05-01T10:00:00.000Z' }));
    return id;
  }

  /** The inputs of every call of `method`. */
  inputsOf<M extends MethodName>(method: M): MethodInput<M>[] {
    return this.calls.filter((call) => call.method === method).map((call) => call.input as MethodInput<M>);
  }

  emit<E extends EventName>(event: E, payload: EventPayload<E>): void {
    this.listeners.emit(event, payload);
  }

  /** Whether anyone listens to `event` now. */
  listening(event: EventName): boolean {
    return this.listeners.events().includes(event);
  }

  async invoke(method: string, input: unknown): Promise<Reply> {
    this.calls.push({ method, input });
    const handler = this.handlers.get(method);
    if (!handler) return { error: { code: 'UNKNOWN_METHOD', message: `the fake engine was not told how to answer ${method}` } };
    try {
      return { result: await handler(input) };
    } catch (error) {
      return { error: toErrorShape(error) };
    }
  }

  subscribe(event: string, listener: EventListener): () => void {
    const registration = this.listeners.add(event, listener);
    return () => void registration.remove();
  }

  async pickPath(): Promise<string | undefined> {
    return undefined;
  }
}

export const engine = new FakeEngine();

/** What the renderer's api/bridge module exports, over the fake engine. */
export const bridgeModule = { bridge: engine, pickPath: undefined, api: createClient(engine) };

/** Lets every promise chain the last step started run to its end. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** A promise the test resolves or rejects when it wants: to hold an answer back. */
export function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (error: unknown) => void } {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
