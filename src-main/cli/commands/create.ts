import type { Command } from '../command';
import { UsageError } from '../command';
import { json } from '../output';
import { CONTAINER_FLAGS, CONTAINER_USAGE, containerOptions } from './container-flags';

/** docker's `create`: the container `run` would start, made but not started (`start` runs it). */
export const createCommand: Command = {
  name: 'create',
  usage: `create [-i] [-t] ${CONTAINER_USAGE} IMAGE [COMMAND [ARG...]]`,
  options: {
    ...CONTAINER_FLAGS,
    tty: { type: 'boolean', short: 't' },
    interactive: { type: 'boolean', short: 'i' },
  },
  positionalsAfterFirst: true,
  async run({ api, output, json: asJson }, { values, positionals }) {
    const [image, ...command] = positionals;
    if (!image) throw new UsageError(`usage: strata ${this.usage}`);
    const warn = (message: string) => output.err(`strata create: warning: ${message}\n`);
    const options = { ...containerOptions(values, command, warn), ...(values.tty ? { tty: true } : {}), ...(values.interactive ? { interactive: true } : {}) };
    const created = await api().call('containers.create', { image, options });
    output.out(asJson ? json({ id: created.id, name: created.name }) : `${created.id}\n`);
    return 0;
  },
};
