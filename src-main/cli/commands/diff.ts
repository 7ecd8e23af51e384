import type { Command } from '../command';
import { expectPositionals } from '../command';
import { json } from '../output';

export const diffCommand: Command = {
  name: 'diff',
  usage: 'diff CONTAINER',
  async run({ api, output, json: asJson }, { positionals }) {
    expectPositionals(positionals, 1, 1, this.usage);
    const changes = await api().call('containers.diff', { ref: positionals[0]! });
    output.out(asJson ? json(changes) : changes.map((change) => `${change.kind} ${change.path}\n`).join(''));
  },
};
