import type { Command } from '../command';
import { UsageError } from '../command';
import { DEFAULT_DETACH_KEYS, parseDetachKeys } from '../detach-keys';
import { json } from '../output';
import { checkInputIsTerminal, outcomeStatus, runTerminal } from '../terminal-client';

export const execCommand: Command = {
  name: 'exec',
  usage: 'exec [-d] [-i] [-t] [--detach-keys KEYS] [-e K=V]... [-w DIR] [-u USER] CONTAINER COMMAND [ARG...]',
  options: {
    detach: { type: 'boolean', short: 'd' },
    tty: { type: 'boolean', short: 't' },
    interactive: { type: 'boolean', short: 'i' },
    'detach-keys': { type: 'string' },
    env: { type: 'string', short: 'e', multiple: true },
    workdir: { type: 'string', short: 'w' },
    user: { type: 'string', short: 'u' },
  },
  positionalsAfterFirst: true,
  async run({ api, output, json: asJson }, { values, positionals }) {
    const [container, ...command] = positionals;
    if (!container || command.length === 0) throw new UsageError(`usage: strata ${this.usage}`);
    const env = values.env as string[] | undefined;
    const workdir = values.workdir as string | undefined;
    const user = values.user as string | undefined;
    if ((values.tty || values.interactive) && !values.detach) {
      // -t: a terminal session of the API, the process on a terminal of its own; -i alone: the
      // same session with stdio pipes (standard input in, stdout and stderr apart)
      const terminal = Boolean(values.tty);
      checkInputIsTerminal(Boolean(values.interactive), terminal);
      const detachKeys = parseDetachKeys((values['detach-keys'] as string | undefined) ?? DEFAULT_DETACH_KEYS);
      const exec = { command, env, workdir, user, ...(terminal ? {} : { tty: false }) };
      const outcome = await runTerminal(api(), output, { ref: container, exec, input: Boolean(values.interactive), terminal, detachKeys });
      return outcomeStatus(outcome);
    }
    // Without a terminal the engine collects the output and the command prints it when the
    // process has ended: stdout to stdout, stderr to stderr.
    const result = await api().call('containers.exec', { ref: container, command, env, workdir, user, detach: Boolean(values.detach) });
    if (asJson) output.out(json(result));
    else {
      if (result.stdout) output.out(result.stdout);
      if (result.stderr) output.err(result.stderr);
    }
    return result.exitCode;
  },
};
