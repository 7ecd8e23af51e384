// logs.follow / logs.unfollow: a container's log read live, sent to the client that asked
// as `logs.lines` events, until it unfollows or goes away.
import { randomUUID } from 'node:crypto';
import { followLogs, parseSince } from '../../engine/logs/index';
import { StrataError, toErrorShape } from '@shared/errors';
import type { Session } from '../session';
import type { LogLine } from '@shared/api/types/containers';
import type { Handlers } from './types';

/** Lines read in one go are sent together, up to this many per event. */
const MAX_BATCH = 500;

export const logHandlers = {
  'logs.follow': async ({ ref, tail, since, streams }, { engine, session }) => {
    const container = await engine.inspectContainer(ref);
    const query = { tail, streams, since: since === undefined ? undefined : parseSince(since) };
    const follow = randomUUID();
    const controller = new AbortController();
    session.own(follow, () => controller.abort());
    const lines = followLogs(engine.containerLogPath(container.id), { ...query, signal: controller.signal });
    void pump(lines, new LineBatcher(session, follow, container.id, controller.signal)).finally(() => session.release(follow));
    return { follow, container: container.id };
  },

  'logs.unfollow': ({ follow }, { session }) => {
    if (!session.release(follow)) throw new StrataError('NOT_FOUND', `no such log follow: ${follow} (it ended, or belongs to another connection)`);
  },
} satisfies Partial<Handlers>;

async function pump(lines: AsyncGenerator<LogLine>, batcher: LineBatcher): Promise<void> {
  try {
    for await (const line of lines) batcher.add(line);
    batcher.flush();
  } catch (error) {
    batcher.flush();
    batcher.fail(error);
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
    if (this.signal.aborted) return;
    this.session.emit('logs.lines', { follow: this.follow, container: this.container, lines: [], error: toErrorShape(error) });
  }
}
