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
  async run({ engine, output, json: asJson }, { values, positionals }) {
    const [container, ...command] = positionals;
    if (!container || command.length === 0) throw new UsageError(`usage: strata ${this.usage}`);
    const options = {
      command,
      env: values.env as string[] | undefined,
      workdir: values.workdir as string | undefined,
      user: values.user as string | undefined,
      detach: Boolean(values.detach),
    };
    if (asJson) {
      const result = await engine().execContainer(container, options, 'pipe');
      output.out(json(result));
      return result.exitCode;
    }
    return (await engine().execContainer(container, options, 'inherit')).exitCode;
  },
};
