import type { Command } from '../command';
import { UsageError } from '../command';
import { json } from '../output';

export const execCommand: Command = {
  name: 'exec',
  usage: 'exec [-d] [-e K=V]... [-w DIR] [-u USER] CONTAINER COMMAND [ARG...]',
  summary: "Run a command in a running container (its namespaces, cgroup and root); exits with the command's code",
  options: {
    detach: { type: 'boolean', short: 'd' },
    env: { type: 'string', short: 'e', multiple: true },
    workdir: { type: 'string', short: 'w' },
    user: { type: 'string', short: 'u' },
  },
  positionalsAfterFirst: true,
  async run({ api, output, json: asJson }, { values, positionals }) {
    const [container, ...command] = positionals;
    if (!container || command.length === 0) throw new UsageError(`usage: strata ${this.usage}`);
    // The engine collects the output (a byte stream in the API is still to come) and the
    // command prints it when the process has ended: stdout to stdout, stderr to stderr.
    const result = await api().call('containers.exec', {
      ref: container,
      command,
      env: values.env as string[] | undefined,
      workdir: values.workdir as string | undefined,
      user: values.user as string | undefined,
      detach: Boolean(values.detach),
    });
    if (asJson) output.out(json(result));
    else {
      if (result.stdout) output.out(result.stdout);
      if (result.stderr) output.err(result.stderr);
    }
    return result.exitCode;
  },
};
