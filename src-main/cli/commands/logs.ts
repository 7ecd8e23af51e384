// `strata logs`: a container's log through the API's log follows (`logs.follow`, whose
// lines come as `logs.lines` events): to its end, or with -f until Ctrl-C. An attached
// `run` uses the same path, to the container's exit.
import type { ApiClient } from '@shared/api/client';
import type { LogLine, LogLinesEvent } from '@shared/api/types/containers';
import { ApiError } from '@shared/api/api-error';
import { StrataError } from '@shared/errors';
import { formatLogLine } from '../../engine/logs/log-format';
import type { Command } from '../command';
import { expectPositionals } from '../command';
import type { Output } from '../output';

export const logsCommand: Command = {
  name: 'logs',
  usage: 'logs [-f] [-n N] [--since T] [-t] CONTAINER',
  options: {
    follow: { type: 'boolean', short: 'f' },
    tail: { type: 'string', short: 'n' },
    since: { type: 'string' },
    timestamps: { type: 'boolean', short: 't' },
  },
  async run({ api, output }, { values, positionals }) {
    expectPositionals(positionals, 1, 1, this.usage);
    const tail = values.tail === undefined || values.tail === 'all' ? undefined : Number(values.tail);
    if (tail !== undefined && !(Number.isSafeInteger(tail) && tail >= 0)) throw new StrataError('INVALID_ARGUMENT', `--tail takes a number or "all", not ${JSON.stringify(values.tail)}`);
    await streamLogs(api(), output, positionals[0]!, { follow: Boolean(values.follow), tail, since: values.since as string | undefined, timestamps: Boolean(values.timestamps) });
  },
};

export interface StreamOptions {
  follow?: boolean;
  /** Stop following when the container exits (attached `run`); ignores `tail`. */
  untilExit?: boolean;
  tail?: number;
  /** Docker's forms (RFC 3339, a Unix time, `10m`), read by the engine. */
  since?: string;
  timestamps?: boolean;
}

/**
 * Prints a container's log; with follow, until Ctrl-C or (untilExit) its exit. Returns its
 * exit code when it waited for it. When standard output's reader goes away, printing stops
 * at once; an attached run still waits for the exit (the container does not need our
 * reader: its output goes to its log), so that `run --rm` can remove it.
 */
export async function streamLogs(api: ApiClient, output: Output, ref: string, options: StreamOptions): Promise<number | undefined> {
  const closed = output.stdoutClosed;
  const print = (line: LogLine) => {
    if (!closed?.aborted) (line.stream === 'stderr' ? output.err : output.out)(formatLogLine(line, { timestamps: options.timestamps }));
  };
  let follow: string | undefined;
  const early: LogLinesEvent[] = []; // events that came before the answer naming the follow
  let finish!: (event: LogLinesEvent | undefined) => void;
  const ended = new Promise<LogLinesEvent | undefined>((resolve) => (finish = resolve));
  const take = (event: LogLinesEvent): void => {
    if (event.follow !== follow) return;
    event.lines.forEach(print);
    if (event.end || event.error) finish(event);
  };
  const stopListening = api.on('logs.lines', (event) => (follow === undefined ? early.push(event) : take(event)));
  // Ctrl-C ends the follow (and an attached run's wait); a closed stdout ends a plain follow,
  // but an attached run still waits for the exit.
  const interrupt = () => finish(undefined);
  process.once('SIGINT', interrupt);
  const unfollow = () => (options.untilExit ? undefined : finish(undefined));
  closed?.addEventListener('abort', unfollow);
  try {
    const started = await api.call('logs.follow', {
      ref,
      tail: options.untilExit ? null : (options.tail ?? null),
      ...(options.since === undefined ? {} : { since: options.since }),
      ...(options.untilExit ? { stopAt: 'exit' as const } : options.follow ? {} : { stopAt: 'end-of-log' as const }),
    });
    follow = started.follow;
    early.splice(0).forEach(take);
    if (closed?.aborted) unfollow();
    const last = await ended;
    if (!last) {
      await api.call('logs.unfollow', { follow }).catch(() => undefined); // it may have ended meanwhile
      return undefined;
    }
    if (last.error) throw new ApiError(last.error.code, last.error.message);
    return last.exitCode ?? undefined;
  } finally {
    stopListening();
    process.removeListener('SIGINT', interrupt);
    closed?.removeEventListener('abort', unfollow);
  }
}
