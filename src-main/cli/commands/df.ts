import type { Command } from '../command';
import { expectPositionals } from '../command';
import { json, shortId, table } from '../output';
import { formatBytes } from '@shared/units';

export const dfCommand: Command = {
  name: 'df',
  usage: 'df [-v] [--json]',
  options: { verbose: { type: 'boolean', short: 'v' } },
  async run({ api, output, json: asJson }, { values, positionals }) {
    expectPositionals(positionals, 0, 0, this.usage);
    const usage = await api().call('disk.usage');
    if (asJson) return output.out(json(usage));
    const sharedLayers = usage.layers.filter((layer) => layer.usedBy.length > 1).length;
    output.out(
      table(
        ['WHAT', 'COUNT', 'SIZE'],
        [
          ['Images (sum of sizes)', String(usage.images.length), formatBytes(usage.logicalBytes)],
          ['Layers on disk', `${usage.layers.length} (${sharedLayers} shared)`, formatBytes(usage.layerBytes)],
          ['Saved by sharing', '', formatBytes(usage.savedBytes)],
          ['Content store (blobs)', '', formatBytes(usage.blobBytes)],
          ['Staging (tmp, pulls)', '', formatBytes(usage.stagingBytes)],
          // what the window's On disk card shows: everything the store takes
          ['On disk in all', '', formatBytes(usage.layerBytes + usage.blobBytes + usage.stagingBytes)],
          ['Reclaimable (prune)', '', formatBytes(usage.reclaimableBytes)],
        ],
      ),
    );
    if (!values.verbose) return;
    output.out('\nImages:\n');
    output.out(
      table(
        ['IMAGE ID', 'TAGS', 'SIZE', 'SHARED SIZE', 'UNIQUE SIZE'],
        usage.images.map((image) => [shortId(image.id), image.tags.join(', ') || '<none>', formatBytes(image.size), formatBytes(image.shared), formatBytes(image.unique)]),
      ),
    );
    output.out('\nLayers:\n');
    output.out(table(['LAYER', 'SIZE', 'IMAGES'], usage.layers.map((layer) => [shortId(layer.chainId), formatBytes(layer.size), String(layer.usedBy.length)])));
  },
};
