// The local terminal joined to a terminal session of the API (`run -it`, `exec -it`,
// `attach`, `start -ai`): the session's output to standard output as the bytes came; with
// input, standard input in raw mode (every key, ^C and ^D included, goes to the container's
// terminal, whose line discipline acts on them), the detach keys watched for; the window's
// size followed (SIGWINCH → terminal.resize). The local terminal's mode is restored on every
// way out: the process's exit, a detach, an error, SIGTERM or SIGHUP, this process's exit.
// A process without a terminal given a stdin (`run -i`, `exec -i` without -t) is joined the
// same way, without raw mode or detach keys: standard input (a pipe, a file, a terminal) as it
// comes, its end closing the process's stdin; stdout and stderr each to ours.
import { isApiError } from '@shared/api/api-error';
import type { ApiClient } from '@shared/api/client';
import type { TerminalExec, TerminalExitEvent, TerminalOutputEvent } from '@shared/api/types/containers';
import { StrataError } from '@shared/errors';
import { DetachKeyFilter } from './detach-keys';
import type { Output } from './output';

export interface TerminalClientOptions {
  ref: string;
  exec?: TerminalExec;
  /** Start the container, attached before its program runs (`run -it`, `start -a`). */
  start?: boolean;
  /** Send standard input (`-i`); with a terminal at the far end it must be a terminal too. */
  input: boolean;
  /** Whether the far end is a terminal (`-t`); false: stdio pipes (`-i` alone). */
  terminal: boolean;
  /** The detach sequence (parseDetachKeys); empty: none. */
  detachKeys: Buffer;
}

export type TerminalOutcome = { exitCode: number } | { detached: true; container: string } | { interrupted: number };

/** Size used when standard output is not a terminal (docker's default). */
const DEFAULT_SIZE = { rows: 24, cols: 80 };

/** Whether container `ref` was made with a terminal (`-t`): its attach joins a terminal, else its stdio pipes (`-i` alone). */
export async function hasTerminal(api: ApiClient, ref: string): Promise<boolean> {
  return (await api.call('containers.inspect', { ref })).options.tty === true;
}

/** Refuses input from something that is not a terminal for a terminal (`-it`), as docker does. */
export function checkInputIsTerminal(input: boolean, terminal = true): void {
  if (input && terminal && !process.stdin.isTTY) throw new StrataError('INVALID_ARGUMENT', 'the input device is not a TTY');
}

export async function runTerminal(api: ApiClient, output: Output, options: TerminalClientOptions): Promise<TerminalOutcome> {
  const stdin = process.stdin;
  const stdout = process.stdout;
  const size = () => (stdout.isTTY ? { rows: stdout.rows || DEFAULT_SIZE.rows, cols: stdout.columns || DEFAULT_SIZE.cols } : DEFAULT_SIZE);
  let session: string | undefined;
  const early: (TerminalOutputEvent | TerminalExitEvent)[] = []; // events before the answer that names the session
  let finish!: (outcome: TerminalOutcome | Error) => void;
  const done = new Promise<TerminalOutcome | Error>((resolve) => (finish = resolve));

  const take = (event: TerminalOutputEvent | TerminalExitEvent): void => {
    if (event.session !== session) return;
    if ('data' in event) (event.stream === 'stderr' ? process.stderr : stdout).write(Buffer.from(event.data, 'base64'));
    else if (event.reason === 'exited' && event.exitCode !== null) finish({ exitCode: event.exitCode });
    else finish(new StrataError('UNAVAILABLE', event.message ?? `the terminal session ended (${event.reason})`));
  };
  const hear = (event: TerminalOutputEvent | TerminalExitEvent) => (session === undefined ? early.push(event) : take(event));
  const stopOutput = api.on('terminal.output', hear);
  const stopExit = api.on('terminal.exit', hear);

  // Raw mode is undone however this ends; 'exit' covers a crash past the finally below.
  const raw = options.input && options.terminal && stdin.isTTY;
  const restore = () => {
    if (raw && stdin.isTTY) stdin.setRawMode(false);
  };
  const onSignal = (signal: NodeJS.Signals) => finish({ interrupted: signal === 'SIGHUP' ? 129 : signal === 'SIGINT' ? 130 : 143 });
  const signals: NodeJS.Signals[] = ['SIGTERM', 'SIGHUP', ...(raw ? [] : (['SIGINT'] as NodeJS.Signals[]))];
  for (const signal of signals) process.on(signal, onSignal);
  process.on('exit', restore);

  // Input in order, one call at a time: keys must not overtake each other.
  let sending: Promise<unknown> = Promise.resolve();
  const send = (method: 'terminal.input' | 'terminal.resize' | 'terminal.closeInput', input: Record<string, unknown>) => {
    sending = sending
      .then(() => api.call(method, { session: session!, ...input } as never))
      .catch((error: unknown) => {
        // the session is over: its terminal.exit says how
        if (!isApiError(error) || error.code !== 'NOT_FOUND') finish(error as Error);
      });
  };
  // Detach keys are a terminal's (as docker's): a pipe's bytes all go to the process.
  const filter = new DetachKeyFilter(options.terminal ? options.detachKeys : Buffer.alloc(0));
  const onKeys = (typed: Buffer) => {
    const { forward, detach } = filter.feed(typed);
    if (forward.length) send('terminal.input', { data: forward.toString('base64') });
    if (detach) void sending.then(() => finish({ detached: true, container: options.ref }));
  };
  const onResize = () => send('terminal.resize', size());
  // The end of our input is the end of the process's (a pipe's EOF; a terminal's ^D is typed by its user).
  const onEnd = () => send('terminal.closeInput', {});

  try {
    if (raw) stdin.setRawMode(true);
    const opened = await api.call('terminal.open', { ref: options.ref, ...(options.exec ? { exec: options.exec } : {}), ...(options.start ? { start: true } : {}), ...size() });
    session = opened.session;
    early.splice(0).forEach(take);
    if (stdout.isTTY && options.terminal) stdout.on('resize', onResize);
    if (options.input) {
      stdin.on('data', onKeys);
      if (!options.terminal) stdin.once('end', onEnd);
      stdin.resume();
    }
    const outcome = await done;
    if (outcome instanceof Error) throw outcome;
    if (!('exitCode' in outcome)) await api.call('terminal.close', { session }).catch(() => undefined); // it may have ended meanwhile
    if ('detached' in outcome) output.err(`\r\nstrata: detached from ${options.ref}: it keeps running (strata attach ${options.ref} to come back)\r\n`);
    return outcome;
  } finally {
    restore();
    process.removeListener('exit', restore);
    for (const signal of signals) process.removeListener(signal, onSignal);
    stdin.removeListener('data', onKeys);
    stdin.removeListener('end', onEnd);
    stdin.pause();
    stdout.removeListener('resize', onResize);
    stopOutput();
    stopExit();
  }
}

/** The CLI's status for how a session ended: the process's code, 0 after a detach, 128 + n after a signal here. */
export function outcomeStatus(outcome: TerminalOutcome): number {
  if ('exitCode' in outcome) return outcome.exitCode;
  if ('interrupted' in outcome) return outcome.interrupted;
  return 0;
}
