import { isApiError } from '@shared/api/api-error';
import type { Command } from '../command';
import { expectPositionals } from '../command';
import { json } from '../output';

export const inspectCommand: Command = {
  name: 'inspect',
  readsOnly: true,
  usage: 'inspect IMAGE|CONTAINER...',
  async run({ api, output }, { positionals }) {
    expectPositionals(positionals, 1, Infinity, this.usage);
    const found: unknown[] = [];
    for (const ref of positionals) {
      try {
        found.push(await api().call('images.inspect', { ref }));
      } catch (error) {
        if (!isApiError(error, 'NOT_FOUND')) throw error;
        try {
          found.push(await api().call('containers.inspect', { ref }));
        } catch (inner) {
          if (isApiError(inner, 'NOT_FOUND')) throw error; // "no such image" names the first guess
          throw inner;
        }
      }
    }
    output.out(json(found));
  },
};
