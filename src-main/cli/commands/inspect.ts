import { isStrataError } from '@shared/errors';
import type { Command } from '../command';
import { expectPositionals } from '../command';
import { json } from '../output';

export const inspectCommand: Command = {
  name: 'inspect',
  usage: 'inspect IMAGE|CONTAINER...',
  summary: 'Show everything about images or containers, as JSON',
  async run({ engine, output }, { positionals }) {
    expectPositionals(positionals, 1, Infinity, this.usage);
    const found: unknown[] = [];
    for (const ref of positionals) {
      try {
        found.push(await engine().inspectImage(ref));
      } catch (error) {
        if (!isStrataError(error, 'NOT_FOUND')) throw error;
        try {
          found.push(await engine().inspectContainer(ref));
        } catch (inner) {
          if (isStrataError(inner, 'NOT_FOUND')) throw error; // "no such image" names the first guess
          throw inner;
        }
      }
    }
    output.out(json(found));
  },
};
