import type { Command } from '../command';
import { expectPositionals } from '../command';
import { ago, json, shortId, table, truncate } from '../output';
import { formatBytes } from '@shared/units';

export const historyCommand: Command = {
  name: 'history',
  usage: 'history [--no-trunc] [--json] IMAGE',
  options: { 'no-trunc': { type: 'boolean' } },
  async run({ api, output, json: asJson }, { values, positionals }) {
    expectPositionals(positionals, 1, 1, this.usage);
    const image = await api().call('images.inspect', { ref: positionals[0]! });
    let layer = 0;
    const rows = image.history.map((entry) => {
      const own = entry.empty_layer ? undefined : image.layers[layer++];
      return { created: entry.created, createdBy: entry.created_by ?? '', comment: entry.comment ?? '', emptyLayer: Boolean(entry.empty_layer), layer: own?.chainId, size: own?.size ?? 0 };
    });
    // Images without history still have layers: show them rather than nothing.
    while (layer < image.layers.length) {
      const own = image.layers[layer++]!;
      rows.push({ created: undefined, createdBy: '', comment: '', emptyLayer: false, layer: own.chainId, size: own.size });
    }
    rows.reverse();
    if (asJson) return output.out(json(rows));
    const width = values['no-trunc'] ? Infinity : 60;
    output.out(
      table(
        ['LAYER', 'CREATED', 'CREATED BY', 'SIZE', 'COMMENT'],
        rows.map((row) => [row.layer ? shortId(row.layer) : '<missing>', ago(row.created), truncate(row.createdBy, width), formatBytes(row.size), row.comment]),
      ),
    );
  },
};
