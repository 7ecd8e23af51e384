import type { JobOutputLine, JobProgress } from '@shared/api/types/jobs';
import { StrataError } from '@shared/errors';
import type { Command } from '../command';
import { UsageError, expectPositionals } from '../command';
import { json, shortId } from '../output';
import { formatBytes } from '@shared/units';

export const pullCommand: Command = {
  name: 'pull',
  usage: 'pull [--platform OS/ARCH[/VARIANT]] [--tls-verify=false] [--creds USER[:PASSWORD]] [-q] NAME[:TAG|@DIGEST]',
  options: {
    platform: { type: 'string' },
    'tls-verify': { type: 'string' },
    creds: { type: 'string' },
    quiet: { type: 'boolean', short: 'q' },
  },
  async run({ api, output, json: asJson }, { values, positionals }) {
    expectPositionals(positionals, 1, 1, this.usage);
    const insecure = parseTlsVerify(values['tls-verify'] as string | undefined) === false;
    const credentials = parseCreds(values.creds as string | undefined);
    // One line per layer as it is settled (on stdout, as docker prints them; on stderr beside
    // --json); the bytes of the layer downloading now are redrawn in place on a terminal.
    const say = (text: string) => {
      if (values.quiet) return;
      if (asJson) output.err(text);
      else output.out(text);
    };
    const live = output.interactive && !values.quiet;
    let drawn = false;
    const draw = (text: string) => {
      if (!live) return;
      output.err(`\r\x1b[K${text}`);
      drawn = true;
    };
    const settle = (text: string) => {
      if (drawn) output.err('\r\x1b[K');
      drawn = false;
      say(text);
    };
    // What is redrawn comes as progress (throttled: only the latest counts); each layer
    // settled comes as a line of the job's output (every one arrives).
    const onProgress = (progress: JobProgress) => {
      if (progress.step === 'downloading') return draw(`${progress.message} ${formatBytes(progress.bytes ?? 0)} / ${formatBytes(progress.totalBytes ?? 0)}`);
      if (progress.step !== 'exists' && progress.step !== 'downloaded') draw(progress.message);
    };
    const onOutput = (lines: JobOutputLine[]) => {
      for (const line of lines) {
        const layer = line.layer ? shortId(line.layer) : '';
        settle(line.cached ? `${layer}: already in the store\n` : `${layer}: downloaded ${formatBytes(line.bytes ?? 0)}\n`);
      }
    };
    const abort = new AbortController();
    const onSignal = () => abort.abort();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    try {
      const pulled = await api().runJob(
        'images.pull',
        {
          reference: positionals[0]!,
          ...(values.platform !== undefined ? { platform: values.platform as string } : {}),
          insecure,
          ...(credentials ? { credentials } : {}),
        },
        { signal: abort.signal, onProgress, onOutput },
      );
      settle('');
      if (asJson) return output.out(json(pulled));
      const reused = pulled.layers.filter((layer) => layer.reused).length;
      say(`Digest: ${pulled.digest}\n`);
      const name = pulled.tags.length ? pulled.tags.join(', ') : '<none> (pulled by digest: name it with strata tag)';
      output.out(`Pulled ${pulled.reference} (${pulled.platform}): image ${shortId(pulled.id)} as ${name}; ${pulled.layers.length} layers, ${reused} already in the store, ${formatBytes(pulled.downloadedBytes)} downloaded\n`);
    } finally {
      if (drawn) output.err('\r\x1b[K');
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
    }
  },
};

/** `--tls-verify=false` (podman's spelling); true is the default. */
function parseTlsVerify(value: string | undefined): boolean {
  if (value === undefined || value === 'true') return true;
  if (value === 'false') return false;
  throw new UsageError(`--tls-verify takes =true or =false, not ${JSON.stringify(value)}`);
}

/** `USER:PASSWORD`, or `USER` with the password from $STRATA_REGISTRY_PASSWORD (kept out of the process list). */
function parseCreds(value: string | undefined): { username: string; password: string } | undefined {
  if (value === undefined) return undefined;
  const colon = value.indexOf(':');
  const username = colon < 0 ? value : value.slice(0, colon);
  const password = colon < 0 ? process.env.STRATA_REGISTRY_PASSWORD : value.slice(colon + 1);
  if (!username) throw new UsageError('--creds takes USER[:PASSWORD]');
  if (password === undefined) throw new StrataError('INVALID_ARGUMENT', `--creds ${username}: give the password as USER:PASSWORD or in $STRATA_REGISTRY_PASSWORD`);
  return { username, password };
}
