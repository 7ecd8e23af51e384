import type { Command } from '../command';
import { expectPositionals } from '../command';
import { json } from '../output';

export const diffCommand: Command = {
  name: 'diff',
  usage: 'diff CONTAINER',
  summary: "What a container changed in its read-write layer: A added, C changed, D deleted",
  async run({ engine, output, json: asJson }, { positionals }) {
    expectPositionals(positionals, 1, 1, this.usage);
    const changes = await engine().diffContainer(positionals[0]!);
    output.out(asJson ? json(changes) : changes.map((change) => `${change.kind} ${change.path}\n`).join(''));
  },
};
