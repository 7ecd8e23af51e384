// A record as `docker logs` prints it: the text exactly as the container wrote it (its
// newline included, none added to a last line that had none); with timestamps, the
// record's time first, as the shim wrote it (RFC 3339, nine fractional digits).
import type { LogLine } from '../runtime/runtime-binary';

export interface FormatOptions {
  timestamps?: boolean;
}

export function formatLogLine(line: LogLine, options: FormatOptions = {}): string {
  return options.timestamps ? `${line.time} ${line.log}` : line.log;
}
