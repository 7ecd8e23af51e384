import type { RemoveResult } from '@shared/api/types/images';
import type { Command } from '../command';
import { expectPositionals } from '../command';
import { json } from '../output';
import { countOf, formatBytes } from '@shared/units';

export const rmiCommand: Command = {
  name: 'rmi',
  usage: 'rmi [-f] IMAGE...',
  options: { force: { type: 'boolean', short: 'f' } },
  async run({ api, output, json: asJson }, { values, positionals }) {
    expectPositionals(positionals, 1, Infinity, this.usage);
    const results: RemoveResult[] = [];
    for (const ref of positionals) results.push(await api().call('images.remove', { ref, force: Boolean(values.force) }));
    if (asJson) return output.out(json(results));
    for (const result of results) {
      for (const tag of result.untagged) output.out(`Untagged: ${tag}\n`);
      if (result.kept.length) output.out(`The image keeps ${result.kept.join(', ')}\n`);
      for (const id of result.deleted) output.out(`Deleted: ${id}\n`);
      if (result.freed.layers.length) output.out(`Freed ${formatBytes(result.freed.bytes)} (${countOf(result.freed.layers.length, 'layer')}, ${countOf(result.freed.blobs.length, 'blob')})\n`);
    }
  },
};
