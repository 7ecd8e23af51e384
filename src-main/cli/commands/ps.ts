import type { ContainerRecord } from '@shared/api/types/containers';
import { formatPort } from '@shared/ports';
import type { Command } from '../command';
import { UsageError, expectPositionals } from '../command';
import { FILTER_KEYS } from '../../engine/containers/container-filters';
import { ago, json, shortId, table, truncate } from '../output';
import { quoteCommand } from '@shared/shell-words';

export const psCommand: Command = {
  name: 'ps',
  readsOnly: true,
  usage: `ps [-a] [-q] [-n N | -l] [-f KEY=VALUE]... [--json]   (KEY: ${FILTER_KEYS.join(', ')})`,
  options: {
    all: { type: 'boolean', short: 'a' },
    quiet: { type: 'boolean', short: 'q' },
    filter: { type: 'string', short: 'f', multiple: true },
    last: { type: 'string', short: 'n' },
    latest: { type: 'boolean', short: 'l' },
  },
  async run({ api, output, json: asJson }, { values, positionals }) {
    expectPositionals(positionals, 0, 0, this.usage);
    const last = values.latest ? 1 : values.last === undefined ? undefined : Number(values.last);
    if (last !== undefined && !(Number.isInteger(last) && last >= 0)) throw new UsageError(`-n takes a whole number, not ${JSON.stringify(values.last)}`);
    const filters = (values.filter as string[] | undefined) ?? [];
    // docker: -n and -l look at every container, running or not.
    let containers = await api().call('containers.list', { all: Boolean(values.all) || last !== undefined, filters });
    if (last !== undefined) containers = containers.slice(0, last);
    if (asJson) return output.out(json(containers));
    if (values.quiet) return output.out(containers.map((c) => `${shortId(c.id)}\n`).join(''));
    output.out(
      table(
        ['CONTAINER ID', 'IMAGE', 'COMMAND', 'CREATED', 'STATUS', 'PORTS', 'NAMES'],
        containers.map((c) => [shortId(c.id), c.image.ref, `"${truncate(quoteCommand(c.options.command ?? []), 20)}"`, ago(c.created), status(c), ports(c), c.name]),
      ),
    );
  },
};

export function status(container: ContainerRecord): string {
  const state = container.state;
  if (state.status === 'running' || state.status === 'paused') return `Up ${ago(state.startedAt).replace(/ ago$/, '')}${state.status === 'paused' ? ' (Paused)' : ''}`;
  // Parts of a start on the host while the record says otherwise (interrupted-start.ts).
  const incomplete = state.leftovers?.length ? ' (start incomplete)' : '';
  if (state.status === 'created') return `Created${incomplete}`;
  const code = state.exitCode ?? (state.signal ? 128 + state.signal : 0);
  return `Exited (${code}) ${ago(state.finishedAt)}${state.oomKilled ? ' (OOMKilled)' : ''}${incomplete}`;
}

/** docker's PORTS: what is published while it runs (`127.0.0.1:8080->80/tcp`), then exposed ports not published. */
function ports(container: ContainerRecord): string {
  const published = container.state.network?.ports ?? [];
  const exposed = (container.exposedPorts ?? []).filter((port) => !published.some((spec) => `${spec.containerPort}/${spec.protocol}` === port));
  return [...published.map(formatPort), ...exposed].join(', ');
}
