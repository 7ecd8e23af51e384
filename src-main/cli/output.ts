// How the CLI prints: aligned tables and human units for people, JSON for scripts; and what
// happens when the reader of standard output goes away (`strata ps | head -1`).

export interface Output {
  out(text: string): void;
  err(text: string): void;
  /** Standard error is a terminal: progress lines are worth drawing. */
  interactive: boolean;
  /**
   * Aborted once standard output cannot be written any more, its reason the write error
   * (EPIPE: the reader has gone). Commands then stop printing and following, but still
   * finish their clean-up (`run --rm` removes its container, `logs -f` unfollows).
   */
  stdoutClosed?: AbortSignal;
  /** Resolves once what out() wrote has left the process, or its write has failed. */
  flush?(): Promise<void>;
}

/**
 * The exit status after the reader of standard output went away. git, docker and the
 * coreutils die of SIGPIPE there, which a shell reports as 128 + 13 = 141; Node ignores
 * SIGPIPE, so we exit with that status ourselves: a `set -o pipefail` script sees what it
 * sees from those tools, and a plain pipeline (the reader's status) sees no failure.
 */
export const STDOUT_CLOSED_EXIT = 141;

/** A write error of standard output, once known; later writes are dropped. */
const stdoutClosed = new AbortController();
let stderrClosed = false;
let watching = false;

/**
 * An 'error' event on process.stdout without a listener is an uncaught exception: a stack
 * trace instead of a quiet end. The listeners go on at the first write, the only thing
 * that can fail. Standard error's failures have nowhere to be reported: they only stop it.
 */
function watchStdio(): void {
  if (watching) return;
  watching = true;
  process.stdout.on('error', closeStdout);
  process.stderr.on('error', () => (stderrClosed = true));
}

function closeStdout(error: Error): void {
  if (!stdoutClosed.signal.aborted) stdoutClosed.abort(error);
}

export const processOutput: Output = {
  out: (text) => {
    watchStdio();
    if (!stdoutClosed.signal.aborted) process.stdout.write(text);
  },
  err: (text) => {
    watchStdio();
    if (!stderrClosed) process.stderr.write(text);
  },
  interactive: Boolean(process.stderr.isTTY),
  stdoutClosed: stdoutClosed.signal,
  flush: () =>
    new Promise<void>((resolve) => {
      if (!watching || stdoutClosed.signal.aborted) return resolve();
      // Queued after every earlier write: its callback reports how they went.
      process.stdout.write('', (error) => {
        if (error) closeStdout(error);
        resolve();
      });
    }),
};

/** A write to a pipe whose reader has gone: thrown by code that writes to process.stdout itself (`save`). */
export function isClosedPipe(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'EPIPE';
}

export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((header, i) => Math.max(header.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i]!)))
      .join('   ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n') + '\n';
}

export function json(value: unknown): string {
  return JSON.stringify(value, null, 2) + '\n';
}

export function ago(iso: string | undefined, now = Date.now()): string {
  if (!iso) return 'unknown';
  const then = Date.parse(iso);
  if (Number.isNaN(then)) return 'unknown';
  const seconds = Math.max(0, Math.round((now - then) / 1000));
  const steps: [number, string][] = [
    [60, 'second'],
    [60, 'minute'],
    [24, 'hour'],
    [30, 'day'],
    [12, 'month'],
    [Infinity, 'year'],
  ];
  let value = seconds;
  for (const [size, name] of steps) {
    if (value < size) return value <= 1 && name === 'second' ? 'Less than a second ago' : `${value} ${name}${value === 1 ? '' : 's'} ago`;
    value = Math.floor(value / size);
  }
  return 'long ago';
}

export function shortId(digest: string): string {
  return digest.replace(/^sha256:/, '').slice(0, 12);
}

export function truncate(text: string, width: number): string {
  return text.length <= width ? text : text.slice(0, width - 1) + '…';
}

