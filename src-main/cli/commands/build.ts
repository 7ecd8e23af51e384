import path from 'node:path';
import type { JobOutputLine } from '@shared/api/types/jobs';
import { parseBuildArgs } from '../../engine/build/variables';
import { parseNetworkMode } from '../../engine/containers/options';
import type { Command } from '../command';
import { expectPositionals } from '../command';
import { json, shortId } from '../output';

export const buildCommand: Command = {
  name: 'build',
  usage: 'build [-t NAME[:TAG]]... [-f CONTAINERFILE] [--build-arg NAME[=VALUE]]... [--no-cache] [--target STAGE] [--network bridge|slirp4netns|pasta|host|none] [-q] CONTEXT',
  options: {
    tag: { type: 'string', short: 't', multiple: true },
    file: { type: 'string', short: 'f' },
    'build-arg': { type: 'string', multiple: true },
    'no-cache': { type: 'boolean' },
    target: { type: 'string' },
    network: { type: 'string' },
    quiet: { type: 'boolean', short: 'q' },
  },
  async run({ api, output, json: asJson }, { values, positionals }) {
    expectPositionals(positionals, 1, 1, this.usage);
    // `--build-arg NAME` takes the value from this environment, as docker does.
    const buildArgs = parseBuildArgs((values['build-arg'] as string[] | undefined) ?? [], process.env);
    // Progress is for people: on stdout as docker and buildah print it, on stderr beside --json.
    // When the reader of stdout goes (`build . | head`), the build still runs to its end,
    // silently: docker's CLI would die and BuildKit cancel the solve, but the image and its
    // tags are what was asked for — only the progress text is lost (main then exits 141).
    const say = (text: string) => {
      if (values.quiet) return;
      if (asJson) output.err(text);
      else output.out(text);
    };
    const abort = new AbortController();
    const onSignal = () => abort.abort();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    try {
      const result = await api().runJob(
        'images.build',
        {
          // Paths on the engine's machine: this one's, made absolute.
          contextDir: path.resolve(positionals[0]!),
          ...(values.file !== undefined ? { containerfile: path.resolve(values.file as string) } : {}),
          tags: (values.tag as string[] | undefined) ?? [],
          buildArgs,
          noCache: Boolean(values['no-cache']),
          ...(values.target !== undefined ? { target: values.target as string } : {}),
          ...(values.network !== undefined ? { network: parseNetworkMode(values.network as string) } : {}),
        },
        { signal: abort.signal, onOutput: (lines) => lines.forEach((line) => say(describe(line))) },
      );
      if (asJson) return output.out(json(result));
      for (const tag of result.tags) say(`Successfully tagged ${tag}\n`);
      output.out(`${result.id.replace(/^sha256:/, '')}\n`);
    } finally {
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
    }
  },
};

/** A line of the build's output as buildah prints it. */
function describe(line: JobOutputLine): string {
  switch (line.kind) {
    case 'step':
    case 'stdout':
    case 'stderr':
      return `${line.text}\n`;
    case 'step-done':
      if (line.cached) return `--> Using cache${line.layer ? ` ${shortId(line.layer)}` : ''}\n`;
      return line.layer ? `--> ${shortId(line.layer)}\n` : '';
    case 'warning':
    case 'note':
      return `${line.kind === 'warning' ? 'WARNING' : 'NOTE'}: ${line.text}\n`;
  }
}
