import type { Command } from '../command';
import { expectPositionals } from '../command';
import { json } from '../output';

export const inspectCommand: Command = {
  name: 'inspect',
  usage: 'inspect IMAGE...',
  summary: 'Show everything about images, as JSON',
  run({ engine, output }, { positionals }) {
    expectPositionals(positionals, 1, Infinity, this.usage);
    output.out(json(positionals.map((ref) => engine().inspectImage(ref))));
  },
};
