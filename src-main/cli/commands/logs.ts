import type { Engine } from '../../engine/index';
import { followLogs, formatLogLine, parseSince, readLogs } from '../../engine/logs/index';
import type { LogLine } from '../../engine/runtime/index';
import { StrataError } from '@shared/errors';
import type { Command } from '../command';
import { expectPositionals } from '../command';
import type { Output } from '../output';

export const logsCommand: Command = {
  name: 'logs',
  usage: 'logs [-f] [-n N] [--since T] [-t] CONTAINER',
  summary: "Show a container's output (stdout and stderr, as it wrote them)",
  options: {
    follow: { type: 'boolean', short: 'f' },
    tail: { type: 'string', short: 'n' },
    since: { type: 'string' },
    timestamps: { type: 'boolean', short: 't' },
  },
  async run({ engine, output }, { values, positionals }) {
    expectPositionals(positionals, 1, 1, this.usage);
    const tail = values.tail === undefined || values.tail === 'all' ? undefined : Number(values.tail);
    if (tail !== undefined && !(Number.isInteger(tail) && tail >= 0)) throw new StrataError('INVALID_ARGUMENT', `--tail takes a number or "all", not ${JSON.stringify(values.tail)}`);
    const since = values.since === undefined ? undefined : parseSince(values.since as string);
    await streamLogs(engine(), output, positionals[0]!, { follow: Boolean(values.follow), tail, since, timestamps: Boolean(values.timestamps) });
  },
};

export interface StreamOptions {
  follow?: boolean;
  /** Stop following when the container exits (attached `run`); ignores `tail`. */
  untilExit?: boolean;
  tail?: number;
  since?: Date;
  timestamps?: boolean;
}

/**
 * Prints a container's log; with follow, until Ctrl-C or (untilExit) its exit. Returns its
 * exit code when it waited for it. When standard output's reader goes away, printing stops
 * at once; an attached run still waits for the exit (the container does not need our
 * reader: its output goes to its log), so that `run --rm` can remove it.
 */
export async function streamLogs(engine: Engine, output: Output, ref: string, options: StreamOptions): Promise<number | undefined> {
  const container = await engine.inspectContainer(ref);
  const file = engine.containerLogPath(container.id);
  const closed = output.stdoutClosed;
  const print = (line: LogLine) => (line.stream === 'stderr' ? output.err : output.out)(formatLogLine(line, { timestamps: options.timestamps }));
  // An attached run prints everything, so its catch-up after the exit can skip by count.
  const query = options.untilExit ? { since: options.since } : { tail: options.tail, since: options.since };
  if (!options.follow) {
    for await (const line of readLogs(file, query)) {
      if (closed?.aborted) break;
      print(line);
    }
    return undefined;
  }
  const following = new AbortController(); // ends the reading: the exit, Ctrl-C, or no reader left
  const waiting = new AbortController(); // ends the wait for the exit: Ctrl-C only
  const interrupt = () => (following.abort(), waiting.abort());
  const unfollow = () => following.abort();
  process.once('SIGINT', interrupt);
  closed?.addEventListener('abort', unfollow);
  if (closed?.aborted) unfollow();
  let printed = 0;
  try {
    const exited = options.untilExit ? engine.waitContainer(container.id, { signal: waiting.signal }).then((code) => (following.abort(), code)) : undefined;
    for await (const line of followLogs(file, { ...query, signal: following.signal })) {
      print(line);
      printed++;
    }
    if (!exited) return undefined;
    const code = await exited;
    if (closed?.aborted) return code;
    // Lines the shim wrote between our last read and the exit.
    let seen = 0;
    for await (const line of readLogs(file, query)) if (seen++ >= printed) print(line);
    return code;
  } finally {
    process.removeListener('SIGINT', interrupt);
    closed?.removeEventListener('abort', unfollow);
  }
}
