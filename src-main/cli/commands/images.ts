import type { Command } from '../command';
import { expectPositionals } from '../command';
import { ago, json, shortId, table } from '../output';
import { formatBytes } from '@shared/units';

export const imagesCommand: Command = {
  name: 'images',
  readsOnly: true,
  usage: 'images [--json]',
  async run({ api, output, json: asJson }, { positionals }) {
    expectPositionals(positionals, 0, 0, this.usage);
    const images = await api().call('images.list');
    if (asJson) return output.out(json(images.map(({ history: _history, ...image }) => image)));
    const rows = images.flatMap((image) => {
      const tags = image.tags.length ? image.tags : ['<none>:<none>'];
      return tags.map((tag) => {
        const colon = tag.lastIndexOf(':');
        return [tag.slice(0, colon), tag.slice(colon + 1), shortId(image.id), ago(image.created), formatBytes(image.size), String(image.layers.length)];
      });
    });
    output.out(table(['REPOSITORY', 'TAG', 'IMAGE ID', 'CREATED', 'SIZE', 'LAYERS'], rows));
  },
};
