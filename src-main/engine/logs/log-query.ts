// What a reader of a container log asks for, checked once and turned into a predicate
// over records; and the decoding of one log line into a record.
import { StrataError } from '@shared/errors';
import type { LogLine } from '../runtime/runtime-binary';
import { dateNs, logTimeNs } from './log-time';

export type LogStream = LogLine['stream'];

export interface LogQuery {
  /** Only the last N records that match the other criteria (0: none). Absent: all. */
  tail?: number;
  /** Records stamped at or after this time. */
  since?: Date;
  /** Records stamped at or before this time. */
  until?: Date;
  /** Only these streams (absent: both). */
  streams?: LogStream[];
  /** Told about every line that is not a record (see SkippedLine); such lines never end a read. */
  onSkip?: (skipped: SkippedLine) => void;
}

/**
 * A line of the log file that yields no record: `malformed` when it is not a valid record
 * (an interrupted write, garbage), `incomplete` when it is the file's unterminated last
 * line and does not parse yet (readLogs; followLogs waits for the rest, and reports it
 * only if the file is replaced before it is finished). Empty lines are ignored.
 */
export interface SkippedLine {
  readonly reason: 'malformed' | 'incomplete';
  /** Byte offset of the line in the file. */
  readonly offset: number;
  /** Its length in bytes, without the newline. */
  readonly length: number;
}

export interface CompiledQuery {
  readonly tail: number | undefined;
  readonly untilNs: bigint | undefined;
  readonly matches: (line: LogLine) => boolean;
  readonly skip: (skipped: SkippedLine) => void;
}

const STREAMS: readonly LogStream[] = ['stdout', 'stderr'];

export function compileQuery(query: LogQuery = {}): CompiledQuery {
  const { tail, streams, onSkip } = query;
  if (tail !== undefined && !(Number.isSafeInteger(tail) && tail >= 0)) {
    throw new StrataError('INVALID_ARGUMENT', `tail must be a whole number of lines, not ${String(tail)}`);
  }
  for (const s of streams ?? []) {
    if (!STREAMS.includes(s)) throw new StrataError('INVALID_ARGUMENT', `unknown log stream ${JSON.stringify(s)} (stdout or stderr)`);
  }
  const sinceNs = query.since === undefined ? undefined : dateNs(query.since, 'since');
  const untilNs = query.until === undefined ? undefined : dateNs(query.until, 'until');
  const wanted = streams === undefined ? undefined : new Set(streams);
  const matches = (line: LogLine): boolean => {
    if (wanted && !wanted.has(line.stream)) return false;
    if (sinceNs === undefined && untilNs === undefined) return true;
    const t = logTimeNs(line.time)!; // decodeRecord admits only valid times
    return (sinceNs === undefined || t >= sinceNs) && (untilNs === undefined || t <= untilNs);
  };
  return { tail, untilNs, matches, skip: onSkip ?? (() => {}) };
}

/** How the shim begins every record; used to find a whole record after a torn one. */
const RECORD_START = '{"time":';

export interface Decoded {
  /** The record, if the line holds one. */
  readonly record: LogLine | undefined;
  /** The line was not one clean record (a record may still have been recovered from its end). */
  readonly damaged: boolean;
}

/**
 * The record on one line. A writer that died mid-record leaves a torn line; when the next
 * writer appends, the torn part and a whole record share a line, so a damaged line is
 * searched for a last record start and that record is kept.
 */
export function decodeRecord(text: string): Decoded {
  const record = parseRecord(text);
  if (record) return { record, damaged: false };
  const start = text.lastIndexOf(RECORD_START);
  return { record: start > 0 ? parseRecord(text.slice(start)) : undefined, damaged: true };
}

function parseRecord(text: string): LogLine | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { time, stream, log } = value as Record<string, unknown>;
  if (typeof time !== 'string' || typeof log !== 'string' || (stream !== 'stdout' && stream !== 'stderr')) return undefined;
  if (logTimeNs(time) === undefined) return undefined;
  return { time, stream, log };
}
