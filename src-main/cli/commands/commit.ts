import type { Command } from '../command';
import { expectPositionals } from '../command';
import { json } from '../output';

export const commitCommand: Command = {
  name: 'commit',
  usage: 'commit [-m MESSAGE] [-a AUTHOR] [-c INSTRUCTION]... [--pause=false] CONTAINER [NAME[:TAG]]',
  options: {
    message: { type: 'string', short: 'm' },
    author: { type: 'string', short: 'a' },
    change: { type: 'string', short: 'c', multiple: true },
    pause: { type: 'string', short: 'p' },
  },
  async run({ api, output, json: asJson }, { values, positionals }) {
    expectPositionals(positionals, 1, 2, this.usage);
    const pause = values.pause as string | undefined;
    const image = await api().runJob('containers.commit', {
      ref: positionals[0]!,
      tag: positionals[1],
      message: values.message as string | undefined,
      author: values.author as string | undefined,
      changes: values.change as string[] | undefined,
      pause: pause === undefined ? true : pause !== 'false',
    });
    output.out(asJson ? json(image) : `${image.id}\n`);
  },
};
