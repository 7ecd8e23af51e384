import type { Command } from '../command';
import { expectPositionals } from '../command';
import { json, shortId } from '../output';
import { formatBytes } from '@shared/units';

export const pruneCommand: Command = {
  name: 'prune',
  usage: 'prune [--dry-run]',
  options: { 'dry-run': { type: 'boolean' } },
  async run({ api, output, json: asJson }, { values, positionals }) {
    expectPositionals(positionals, 0, 0, this.usage);
    const dryRun = Boolean(values['dry-run']);
    const result = await api().runJob('images.prune', { dryRun });
    if (asJson) return output.out(json({ dryRun, ...result }));
    const verb = dryRun ? 'Would remove' : 'Removed';
    for (const id of result.images) output.out(`${verb} image ${shortId(id)}\n`);
    output.out(`${verb} ${result.freed.layers.length} layers and ${result.freed.blobs.length} blobs: ${dryRun ? 'would free' : 'freed'} ${formatBytes(result.freed.bytes)}\n`);
  },
};
