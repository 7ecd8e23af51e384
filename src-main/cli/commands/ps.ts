import type { ContainerRecord } from '../../engine/containers/container';
import type { Command } from '../command';
import { expectPositionals } from '../command';
import { ago, json, shortId, table, truncate } from '../output';

export const psCommand: Command = {
  name: 'ps',
  usage: 'ps [-a] [-q] [--json]',
  summary: 'List containers (running ones; -a for all)',
  options: { all: { type: 'boolean', short: 'a' }, quiet: { type: 'boolean', short: 'q' } },
  run({ engine, output, json: asJson }, { values, positionals }) {
    expectPositionals(positionals, 0, 0, this.usage);
    const containers = engine().listContainers({ all: Boolean(values.all) });
    if (asJson) return output.out(json(containers));
    if (values.quiet) return output.out(containers.map((c) => `${shortId(c.id)}\n`).join(''));
    output.out(
      table(
        ['CONTAINER ID', 'IMAGE', 'COMMAND', 'CREATED', 'STATUS', 'NAMES'],
        containers.map((c) => [shortId(c.id), c.image.ref, truncate(JSON.stringify((c.options.command ?? []).join(' ')), 22), ago(c.created), status(c), c.name]),
      ),
    );
  },
};

export function status(container: ContainerRecord): string {
  const state = container.state;
  if (state.status === 'running' || state.status === 'paused') return `Up ${ago(state.startedAt).replace(/ ago$/, '')}${state.status === 'paused' ? ' (Paused)' : ''}`;
  if (state.status === 'created') return 'Created';
  const code = state.exitCode ?? (state.signal ? 128 + state.signal : 0);
  return `Exited (${code}) ${ago(state.finishedAt)}${state.oomKilled ? ' (OOMKilled)' : ''}`;
}
