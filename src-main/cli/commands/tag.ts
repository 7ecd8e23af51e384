import type { Command } from '../command';
import { expectPositionals } from '../command';
import { json } from '../output';

export const tagCommand: Command = {
  name: 'tag',
  usage: 'tag IMAGE TARGET',
  async run({ api, output, json: asJson }, { positionals }) {
    expectPositionals(positionals, 2, 2, this.usage);
    const { tag } = await api().call('images.tag', { source: positionals[0]!, target: positionals[1]! });
    if (asJson) output.out(json({ tag }));
  },
};
