import path from 'node:path';
import type { JobProgress } from '@shared/api/types/jobs';
import { StrataError } from '@shared/errors';
import type { Command } from '../command';
import { UsageError, expectPositionals } from '../command';
import { STDOUT_CLOSED_EXIT, json, shortId } from '../output';
import { formatBytes } from '@shared/units';

type ExportFormat = 'docker-archive' | 'oci-archive' | 'oci';
// podman's names for the formats; `oci` as import spells the layout directory too.
const FORMATS: Record<string, ExportFormat> = { 'docker-archive': 'docker-archive', 'oci-archive': 'oci-archive', 'oci-dir': 'oci', oci: 'oci' };

export const saveCommand: Command = {
  name: 'save',
  usage: 'save [-o PATH] [--format docker-archive|oci-archive|oci-dir] [--force] IMAGE...',
  options: {
    output: { type: 'string', short: 'o' },
    format: { type: 'string' },
    force: { type: 'boolean' },
    quiet: { type: 'boolean', short: 'q' },
  },
  async run({ api, output, json: asJson }, { values, positionals }) {
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
      const result = await api()
        .runJob(
          'images.save',
          {
            refs: positionals,
            format,
            // `-`: this process's standard output, which only the local engine (in this
            // process) can write; a socket's engine refuses it (UNSUPPORTED: no byte streams
            // in the API yet). A file is a path on the engine's machine: made absolute here.
            output: file === undefined ? '-' : path.resolve(file),
            overwrite: Boolean(values.force),
          },
          { signal: abort.signal, onProgress: showProgress ? (progress) => output.err(`\r\x1b[K${describe(progress)}`) : undefined },
        )
        .catch((error: unknown) => {
          // The archive's reader went away: as quiet an end as a closed pipe anywhere else.
          if (file === undefined && (output.stdoutClosed?.aborted || /\bEPIPE\b/.test((error as Error).message))) return STDOUT_CLOSED_EXIT;
          throw error;
        });
      if (typeof result === 'number') return result;
      if (showProgress) output.err('\r\x1b[K');
      // With the archive on standard output, nothing else may go there.
      if (file === undefined || values.quiet) return;
      if (asJson) return output.out(json(result));
      const names = result.images.map((image) => (image.tags.length ? image.tags.join(', ') : shortId(image.id))).join('; ');
      output.out(`Saved ${result.images.length} image${result.images.length === 1 ? '' : 's'} (${names}) to ${result.output} as ${name}: ${result.blobs} blobs, ${formatBytes(result.bytes)}\n`);
    } finally {
      process.removeListener('SIGINT', onSignal);
    }
  },
};

function describe(progress: JobProgress): string {
  return `${progress.message}: ${formatBytes(progress.bytes ?? 0)} / ${formatBytes(progress.totalBytes ?? 0)}`;
}
