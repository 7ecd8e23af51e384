// `strata attach`: the local terminal joined to a running tty container's own terminal (the
// screen it shows now first, from the shim's scrollback); detach keys leave it running. A
// container run with -i alone: standard input to its stdin, its stdout and stderr to ours.
import type { Command } from '../command';
import { expectPositionals } from '../command';
import { DEFAULT_DETACH_KEYS, parseDetachKeys } from '../detach-keys';
import { checkInputIsTerminal, hasTerminal, outcomeStatus, runTerminal } from '../terminal-client';

export const attachCommand: Command = {
  name: 'attach',
  usage: 'attach [--no-stdin] [--detach-keys KEYS] CONTAINER',
  options: {
    'no-stdin': { type: 'boolean' },
    'detach-keys': { type: 'string' },
  },
  async run({ api, output }, { values, positionals }) {
    expectPositionals(positionals, 1, 1, this.usage);
    const input = !values['no-stdin'];
    const terminal = await hasTerminal(api(), positionals[0]!);
    checkInputIsTerminal(input, terminal);
    const detachKeys = parseDetachKeys((values['detach-keys'] as string | undefined) ?? DEFAULT_DETACH_KEYS);
    return outcomeStatus(await runTerminal(api(), output, { ref: positionals[0]!, input, terminal, detachKeys }));
  },
};
