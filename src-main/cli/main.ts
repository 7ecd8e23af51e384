// `strata`: the command line over the same engine as the window. One file per command.
import { parseArgs } from 'node:util';
import { isApiError } from '@shared/api/api-error';
import { type ErrorShape, toErrorShape } from '@shared/errors';
import { type Command, UsageError, endOptionsAtFirstPositional } from './command';
import { COMMAND_INDEX, findCommand } from './command-index';
import type { CliConnection } from './connect';
import { type Output, STDOUT_CLOSED_EXIT, isClosedPipe, json, processOutput } from './output';

declare const __STRATA_VERSION__: string;

const GLOBAL_OPTIONS = {
  root: { type: 'string' },
  connection: { type: 'string' },
  json: { type: 'boolean' },
  format: { type: 'string' }, // docker's `--format json`; tables are the default
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
} as const;

export async function main(argv: string[], output: Output = processOutput): Promise<number> {
  const split = commandPosition(argv);
  const name = split < 0 ? undefined : argv[split];
  if (!name && argv.includes('--version')) {
    output.out(`strata version ${__STRATA_VERSION__}\n`);
    return 0;
  }
  const entry = findCommand(name);
  const command = await entry?.load();
  const helpAsked = argv.slice(0, commandHelpEnd(argv, split, command)).some((arg) => arg === '--help' || arg === '-h');
  if (!name || helpAsked) {
    output.out(command ? `usage: strata ${command.usage}\n\n${entry!.summary}\n` : help());
    return name && !command ? 2 : 0;
  }
  if (!command) {
    output.err(`strata: unknown command ${JSON.stringify(name)}\n\n${help()}`);
    return 2;
  }
  let asJson = false;
  let connection: CliConnection | undefined;
  try {
    const options = { ...GLOBAL_OPTIONS, ...(command.options ?? {}) };
    const args = [...argv.slice(0, split), ...argv.slice(split + 1)];
    const parsed = parseArgs({
      args: command.positionalsAfterFirst ? endOptionsAtFirstPositional(args, options) : args,
      options,
      allowPositionals: true,
      strict: true,
    });
    // `import --format` names the source format; everywhere else it is the output format.
    const format = command.options?.format ? undefined : (parsed.values.format as string | undefined);
    if (format !== undefined && format !== 'json' && format !== 'table') {
      throw new UsageError(`--format takes json or table, not ${JSON.stringify(format)}`);
    }
    asJson = Boolean(parsed.values.json) || format === 'json';
    const name = command.name;
    // Loaded here, not at the top: `--version`, `--help` and usage errors load no connection code.
    const { cliConnection } = await import('./connect');
    const open = cliConnection(
      { root: parsed.values.root as string | undefined, connection: parsed.values.connection as string | undefined },
      {
        standardOutput: process.stdout,
        readsOnly: command.readsOnly,
        // A command still running when its engine goes: said, and ended (exit handlers restore a raw terminal).
        onDropped: (why) => {
          output.err(`strata ${name}: lost the connection to the engine (${why}) [UNAVAILABLE]\n`);
          process.exit(1);
        },
      },
    );
    connection = open;
    const code = await command.run({ api: () => open.client(), engine: () => open.engine(), output, json: asJson }, parsed);
    await output.flush?.();
    return stdoutFailure(command, output) ?? (typeof code === 'number' ? code : 0);
  } catch (error) {
    // Writing to standard output after its reader went (save's archive) ends as quietly as printing does.
    if (isClosedPipe(error)) return STDOUT_CLOSED_EXIT;
    if (error instanceof UsageError || (error as NodeJS.ErrnoException).code?.startsWith?.('ERR_PARSE_ARGS')) {
      output.err(`strata ${command.name}: ${(error as Error).message}\nusage: strata ${command.usage}\n`);
      return 2;
    }
    const shape = errorShape(error);
    if (asJson) output.err(json({ error: shape }));
    else output.err(`strata ${command.name}: ${shape.message}${shape.code === 'INTERNAL' ? '' : ` [${shape.code}]`}\n`);
    if (shape.code === 'INTERNAL' && process.env.STRATA_DEBUG) output.err(`${(error as Error).stack}\n`);
    return 1;
  } finally {
    await connection?.close();
  }
}

/** The engine's refusal as it arrived through the API (ApiError), or this process's own error. */
function errorShape(error: unknown): ErrorShape {
  return isApiError(error) ? { code: error.code, message: error.message } : toErrorShape(error);
}

/**
 * When standard output failed: its reader went away (EPIPE) — a normal end, quiet, with the
 * status git and docker give — or another write error, reported as the command's failure.
 */
function stdoutFailure(command: Command, output: Output): number | undefined {
  const signal = output.stdoutClosed;
  if (!signal?.aborted) return undefined;
  if (isClosedPipe(signal.reason)) return STDOUT_CLOSED_EXIT;
  output.err(`strata ${command.name}: cannot write to standard output: ${(signal.reason as Error).message}\n`);
  return 1;
}

/** `--help` counts only before a `run` command's image (after it, it is the container's). */
function commandHelpEnd(argv: string[], split: number, command: Command | undefined): number {
  if (!command?.positionalsAfterFirst) return argv.length;
  const rest = endOptionsAtFirstPositional(argv.slice(split + 1), { ...GLOBAL_OPTIONS, ...(command.options ?? {}) });
  const end = rest.indexOf('--');
  return end < 0 ? argv.length : split + 1 + end;
}

/** The first positional is the command; `--root DIR` and `--connection NAME` may come before it. */
function commandPosition(argv: string[]): number {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--root' || argv[i] === '--connection') i++;
    else if (!argv[i]!.startsWith('-')) return i;
  }
  return -1;
}

function help(): string {
  const width = Math.max(...COMMAND_INDEX.map((entry) => entry.name.length));
  return [
    'usage: strata [--root DIR | --connection NAME] [--json] COMMAND [ARGS]   (strata --version)',
    '',
    'Strata: containers with an honest view of layers and disk.',
    '',
    'Commands:',
    ...COMMAND_INDEX.map((entry) => `  ${entry.name.padEnd(width)}  ${entry.summary}`),
    '',
    'The engine: --root DIR (a store opened in this process), else --connection local|system|rootless, else',
    '$STRATA_HOST (unix:///path/to.sock), else $STRATA_CONNECTION, else as root the local engine, and for',
    'other users the system engine when its socket is there (strata system service), else their rootless',
    'engine (started on demand) when they have a range in /etc/subuid and /etc/subgid, otherwise local.',
    'The local store is --root DIR, else $STRATA_ROOT, else /var/lib/strata (root) or $XDG_DATA_HOME/strata.',
    'Writes keep $STRATA_MIN_FREE free on its filesystem (2g, 10%, 0; default 5%, at most 1 GiB).',
    'Run `strata COMMAND --help` for a command\'s options.',
    '',
  ].join('\n');
}
