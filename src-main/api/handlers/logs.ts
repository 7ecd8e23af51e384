// logs.follow / logs.unfollow: a container's log read live, sent to the client that asked
// as `logs.lines` events, until it unfollows or goes away — or, with `stopAt`, until the
// end of the log (`strata logs`) or the container's exit (an attached `strata run`).
import { randomUUID } from 'node:crypto';
import type { Engine } from '../../engine/index';
import type { LogQuery } from '../../engine/logs/index';
import { StrataError, toErrorShape } from '@shared/errors';
import type { Session } from '../session';
import type { LogLine } from '@shared/api/types/containers';
import type { Handlers } from './types';

/** Lines read in one go are sent together, up to this many per event. */
const MAX_BATCH = 500;

export const logHandlers = {
  'logs.follow': async ({ ref, tail, since, streams, stopAt }, { engine, session }) => {
    // The log readers are loaded by the first follow, not with the API table.
    const { followLogs, parseSince, readLogs } = await import('../../engine/logs/index');
    const container = await engine.inspectContainer(ref);
    const query: LogQuery = { tail: tail ?? undefined, streams, since: since === undefined ? undefined : parseSince(since) };
    const follow = randomUUID();
    const controller = new AbortController();
    session.own(follow, () => controller.abort());
    const batcher = new LineBatcher(session, follow, container.id, controller.signal);
    const file = engine.containerLogPath(container.id);
    const work =
      stopAt === 'exit'
        ? untilExit(engine, container.id, file, { ...query, tail: undefined }, batcher, controller.signal)
        : pump(stopAt === 'end-of-log' ? readLogs(file, query) : followLogs(file, { ...query, signal: controller.signal }), batcher, controller.signal).then(() => (stopAt ? batcher.end() : undefined));
    void work.catch((error: unknown) => batcher.fail(error)).finally(() => session.release(follow));
    return { follow, container: container.id };
  },

  'logs.unfollow': ({ follow }, { session }) => {
    if (!session.release(follow)) throw new StrataError('NOT_FOUND', `no such log follow: ${follow} (it ended, or belongs to another connection)`);
  },
} satisfies Partial<Handlers>;

/** Sends every line `lines` yields (until unfollowed); a failure is thrown after the lines read before it are sent. */
async function pump(lines: AsyncGenerator<LogLine>, batcher: LineBatcher, signal: AbortSignal): Promise<number> {
  let count = 0;
  try {
    for await (const line of lines) {
      if (signal.aborted) break; // a read to the end of a long log stops too
      batcher.add(line);
      count++;
    }
    return count;
  } finally {
    batcher.flush();
  }
}

/**
 * Follows until the container has exited, then sends the lines its shim wrote between the
 * follower's last read and the exit (read again, skipped by count: every line is sent
 * once), then the end with the exit code.
 */
async function untilExit(engine: Engine, id: string, file: string, query: LogQuery, batcher: LineBatcher, signal: AbortSignal): Promise<void> {
  const { followLogs, readLogs } = await import('../../engine/logs/index');
  const following = new AbortController();
  const stopFollowing = () => following.abort();
  signal.addEventListener('abort', stopFollowing, { once: true });
  try {
    const exited = engine.waitContainer(id, { signal }).finally(stopFollowing);
    exited.catch(() => undefined); // awaited below, unless the follow fails first
    const sent = await pump(followLogs(file, { ...query, signal: following.signal }), batcher, signal);
    const exitCode = await exited;
    if (signal.aborted) return;
    let seen = 0;
    for await (const line of readLogs(file, query)) if (seen++ >= sent) batcher.add(line);
    batcher.flush();
    batcher.end(exitCode ?? null);
  } finally {
    signal.removeEventListener('abort', stopFollowing);
  }
}

/** Gathers the lines the follower yields in one burst (one read) into one event. */
class LineBatcher {
  private lines: LogLine[] = [];
  private scheduled = false;

  constructor(
    private readonly session: Session,
    private readonly follow: string,
    private readonly container: string,
    /** Aborted by unfollow: lines still gathered are dropped, not sent after it. */
    private readonly signal: AbortSignal,
  ) {}

  add(line: LogLine): void {
    this.lines.push(line);
    if (this.lines.length >= MAX_BATCH) return this.flush();
    if (this.scheduled) return;
    this.scheduled = true;
    // After the lines already read (they come in microtasks) but before the next read's wait.
    setImmediate(() => this.flush());
  }

  flush(): void {
    this.scheduled = false;
    if (this.lines.length === 0 || this.signal.aborted) return;
    const lines = this.lines;
    this.lines = [];
    this.session.emit('logs.lines', { follow: this.follow, container: this.container, lines });
  }

  fail(error: unknown): void {
    this.flush();
    if (this.signal.aborted) return;
    this.session.emit('logs.lines', { follow: this.follow, container: this.container, lines: [], error: toErrorShape(error) });
  }

  /** The follow's last event when it ended by itself: every line was sent (after `exit`: with the exit code). */
  end(exitCode?: number | null): void {
    this.flush();
    if (this.signal.aborted) return;
    this.session.emit('logs.lines', { follow: this.follow, container: this.container, lines: [], end: true, ...(exitCode === undefined ? {} : { exitCode }) });
  }
}
