import { StrataError } from '@shared/errors';
import type { Credentials } from '../../engine/registry/auth';
import type { PullProgress } from '../../engine/registry/pull';
import type { Command } from '../command';
import { UsageError, expectPositionals } from '../command';
import { bytes, json, shortId } from '../output';

export const pullCommand: Command = {
  name: 'pull',
  usage: 'pull [--platform OS/ARCH[/VARIANT]] [--tls-verify=false] [--creds USER[:PASSWORD]] [-q] NAME[:TAG|@DIGEST]',
  summary: 'Pull an image from a registry (Docker Hub unless the name has one), downloading only the layers the store lacks',
  options: {
    platform: { type: 'string' },
    'tls-verify': { type: 'string' },
    creds: { type: 'string' },
    quiet: { type: 'boolean', short: 'q' },
  },
  async run({ engine, output, json: asJson }, { values, positionals }) {
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
    const onProgress = (progress: PullProgress) => {
      const layer = progress.digest ? shortId(progress.digest) : '';
      switch (progress.step) {
        case 'resolving':
          return draw(progress.message);
        case 'exists':
          return settle(`${layer}: already in the store\n`);
        case 'downloading':
          return draw(`${layer}: downloading ${bytes(progress.bytes ?? 0)} / ${bytes(progress.totalBytes ?? 0)}`);
        case 'downloaded':
          return settle(`${layer}: downloaded ${bytes(progress.totalBytes ?? 0)}\n`);
        default:
          return draw(progress.message);
      }
    };
    const abort = new AbortController();
    const onSignal = () => abort.abort();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    try {
      const pulled = await engine().pullImage(positionals[0]!, {
        ...(values.platform !== undefined ? { platform: values.platform as string } : {}),
        insecure,
        ...(credentials ? { credentials } : {}),
        signal: abort.signal,
        onProgress,
      });
      settle('');
      if (asJson) return output.out(json(pulled));
      const reused = pulled.layers.filter((layer) => layer.reused).length;
      say(`Digest: ${pulled.digest}\n`);
      const name = pulled.tags.length ? pulled.tags.join(', ') : '<none> (pulled by digest: name it with strata tag)';
      output.out(`Pulled ${pulled.reference} (${pulled.platform}): image ${shortId(pulled.id)} as ${name}; ${pulled.layers.length} layers, ${reused} already in the store, ${bytes(pulled.downloadedBytes)} downloaded\n`);
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
function parseCreds(value: string | undefined): Credentials | undefined {
  if (value === undefined) return undefined;
  const colon = value.indexOf(':');
  const username = colon < 0 ? value : value.slice(0, colon);
  const password = colon < 0 ? process.env.STRATA_REGISTRY_PASSWORD : value.slice(colon + 1);
  if (!username) throw new UsageError('--creds takes USER[:PASSWORD]');
  if (password === undefined) throw new StrataError('INVALID_ARGUMENT', `--creds ${username}: give the password as USER:PASSWORD or in $STRATA_REGISTRY_PASSWORD`);
  return { username, password };
}
