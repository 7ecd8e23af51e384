import type { ExportFormat, ExportProgress } from '../../engine/images/export-image';
import { StrataError } from '@shared/errors';
import type { Command } from '../command';
import { UsageError, expectPositionals } from '../command';
import { bytes, json, shortId } from '../output';

// podman's names for the formats; `oci` as import spells the layout directory too.
const FORMATS: Record<string, ExportFormat> = { 'docker-archive': 'docker-archive', 'oci-archive': 'oci-archive', 'oci-dir': 'oci', oci: 'oci' };

export const saveCommand: Command = {
  name: 'save',
  usage: 'save [-o PATH] [--format docker-archive|oci-archive|oci-dir] [--force] IMAGE...',
  summary: 'Export images to a docker-archive (the default, as docker save), an oci-archive or an OCI layout directory',
  options: {
    output: { type: 'string', short: 'o' },
    format: { type: 'string' },
    force: { type: 'boolean' },
    quiet: { type: 'boolean', short: 'q' },
  },
  async run({ engine, output, json: asJson }, { values, positionals }) {
    expectPositionals(positionals, 1, Infinity, this.usage);
    const name = (values.format as string | undefined) ?? 'docker-archive';
    const format = FORMATS[name];
    if (!format) throw new StrataError('INVALID_ARGUMENT', `unknown format ${JSON.stringify(name)}: use docker-archive, oci-archive or oci-dir`);
    const file = values.output as string | undefined;
    if (file === undefined) {
      // As docker save: an archive goes to standard output only when that is not a terminal.
      if (format === 'oci') throw new UsageError('an oci-dir is a directory: give it with -o PATH');
      if (process.stdout.isTTY) throw new UsageError('refusing to write an image archive to a terminal: use -o FILE or redirect the output');
    }
    const showProgress = output.interactive && !asJson && !values.quiet;
    const abort = new AbortController();
    const onSignal = () => abort.abort();
    process.once('SIGINT', onSignal);
    try {
      const result = await engine().exportImages(positionals, {
        format,
        // process.stdout copes with a non-blocking pipe; ending it only flushes, never closes fd 1.
        output: file ?? process.stdout,
        overwrite: Boolean(values.force),
        signal: abort.signal,
        onProgress: showProgress ? (progress) => output.err(`\r\x1b[K${describe(progress)}`) : undefined,
      });
      if (showProgress) output.err('\r\x1b[K');
      // With the archive on standard output, nothing else may go there.
      if (file === undefined || values.quiet) return;
      if (asJson) return output.out(json(result));
      const names = result.images.map((image) => (image.tags.length ? image.tags.join(', ') : shortId(image.id))).join('; ');
      output.out(`Saved ${result.images.length} image${result.images.length === 1 ? '' : 's'} (${names}) to ${result.output} as ${name}: ${result.blobs} blobs, ${bytes(result.bytes)}\n`);
    } finally {
      process.removeListener('SIGINT', onSignal);
    }
  },
};

function describe(progress: ExportProgress): string {
  return `${progress.role} ${shortId(progress.digest)} (${progress.done + 1} of ${progress.total}): ${bytes(progress.bytes)} / ${bytes(progress.size)}`;
}
