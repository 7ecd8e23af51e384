import path from 'node:path';
import type { JobProgress } from '@shared/api/types/jobs';
import { StrataError } from '@shared/errors';
import { IMPORT_FORMATS, type ImportFormat } from '../../engine/images/sources/source';
import type { Command } from '../command';
import { expectPositionals } from '../command';
import { json, shortId } from '../output';
import { formatBytes } from '@shared/units';

export const importCommand: Command = {
  name: 'import',
  usage: 'import [--format oci|oci-archive|docker-archive|rootfs] [-t NAME[:TAG]]... [--name REPOSITORY] [-c INSTRUCTION]... PATH',
  options: {
    format: { type: 'string' },
    tag: { type: 'string', short: 't', multiple: true },
    // An OCI layout's ref names are often tags alone (`1.0`): they go under this repository.
    name: { type: 'string' },
    change: { type: 'string', short: 'c', multiple: true },
    quiet: { type: 'boolean', short: 'q' },
  },
  async run({ api, output, json: asJson }, { values, positionals }) {
    expectPositionals(positionals, 1, 1, this.usage);
    const format = values.format as string | undefined;
    if (format !== undefined && !IMPORT_FORMATS.includes(format as ImportFormat)) {
      throw new StrataError('INVALID_ARGUMENT', `unknown format ${JSON.stringify(format)}: use ${IMPORT_FORMATS.join(', ')}`);
    }
    const showProgress = output.interactive && !asJson && !values.quiet;
    const abort = new AbortController();
    const onSignal = () => abort.abort();
    process.once('SIGINT', onSignal);
    try {
      const imported = await api().runJob(
        'images.import',
        {
          // A path on the engine's machine: this one's, whatever the engine's working directory.
          path: path.resolve(positionals[0]!),
          format: format as ImportFormat | undefined,
          tags: values.tag as string[] | undefined,
          repository: values.name as string | undefined,
          changes: values.change as string[] | undefined,
        },
        { signal: abort.signal, onProgress: showProgress ? (progress) => output.err(`\r\x1b[K${describe(progress)}`) : undefined },
      );
      if (showProgress) output.err('\r\x1b[K');
      if (asJson) return output.out(json(imported));
      for (const image of imported) {
        const reused = image.layers.filter((layer) => layer.reused).length;
        const name = image.tags.length ? image.tags.join(', ') : '<none>';
        output.out(`Loaded image ${shortId(image.id)} (${name}): ${image.layers.length} layers, ${reused} already in the store\n`);
      }
    } finally {
      process.removeListener('SIGINT', onSignal);
    }
  },
};

function describe(progress: JobProgress): string {
  return progress.bytes === undefined ? progress.message : `${progress.message}: ${formatBytes(progress.bytes)}`;
}
