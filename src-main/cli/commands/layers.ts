// `strata layers`: an image's merged file tree, one layer's own changes (--layer), what
// every layer did to one path (--history), or the space later layers waste (--wasted:
// dive's efficiency score, counted by the engine).
import type { ImageWaste, PathHistory, TreeNode } from '@shared/api/types/images';
import { StrataError } from '@shared/errors';
import { modeString } from '@shared/file-mode';
import type { Command, CommandContext } from '../command';
import { UsageError, expectPositionals } from '../command';
import { json, table } from '../output';
import { formatBytes } from '@shared/units';

const MARK = { added: 'A', modified: 'M', deleted: 'D', unchanged: ' ' } as const;

export const layersCommand: Command = {
  name: 'layers',
  usage: 'layers [--layer N|ID] [--depth N] [--json] IMAGE [PATH] | layers --history [--json] IMAGE PATH | layers --wasted [--json] IMAGE',
  options: { layer: { type: 'string', short: 'l' }, depth: { type: 'string', short: 'd' }, history: { type: 'boolean' }, wasted: { type: 'boolean' } },
  async run({ api, output, json: asJson }, { values, positionals }) {
    if (values.history) {
      if (values.layer !== undefined || values.depth !== undefined || values.wasted) throw new UsageError('--history takes neither --layer, --depth nor --wasted: it covers every layer');
      expectPositionals(positionals, 2, 2, this.usage);
      return printHistory(output, asJson, await api().call('images.pathHistory', { ref: positionals[0]!, path: positionals[1]! }));
    }
    if (values.wasted) {
      if (values.layer !== undefined || values.depth !== undefined) throw new UsageError('--wasted takes neither --layer nor --depth: it covers every layer');
      expectPositionals(positionals, 1, 1, this.usage);
      return printWaste(output, asJson, await api().call('images.wasted', { ref: positionals[0]! }));
    }
    expectPositionals(positionals, 1, 2, this.usage);
    const depth = values.depth === undefined ? Infinity : Number(values.depth);
    if (!(depth >= 0)) throw new StrataError('INVALID_ARGUMENT', `--depth takes a number, not ${JSON.stringify(values.depth)}`);
    const layer = values.layer as string | undefined;
    // The engine cuts the tree at the depth: only what is shown crosses the connection.
    const { root: node } = await api().call('images.tree', {
      ref: positionals[0]!,
      ...(layer === undefined ? {} : { layer }),
      merged: layer === undefined,
      path: positionals[1] ?? '/',
      ...(Number.isFinite(depth) ? { depth: Math.floor(depth) } : {}),
    });
    if (asJson) return output.out(json(node));
    const lines: string[] = [];
    const walk = (n: TreeNode, level: number) => {
      const mark = n.change ? MARK[n.change] : ' ';
      const link = n.kind === 'symlink' ? ` -> ${n.link}` : n.kind === 'hardlink' ? ` (hard link to /${n.link})` : '';
      const name = (n.path === '' ? '/' : n.name + (n.kind === 'dir' ? '/' : '')) + link;
      const where = layer === undefined && n.layer !== undefined ? `  [${n.layer}]` : '';
      lines.push(`${mark} ${modeString(n.kind, n.mode)} ${formatBytes(n.size).padStart(8)}  ${'  '.repeat(level)}${name}${where}`);
      if (level < depth) for (const child of n.children) walk(child, level + 1);
    };
    walk(node, 0);
    output.out(lines.join('\n') + '\n');
  },
};

/** One line per layer that changed the path: what it wrote, or how it deleted it. */
function printHistory(output: CommandContext['output'], asJson: boolean, history: PathHistory): void {
  if (asJson) return output.out(json(history));
  const rows = history.changes.map((change) => [
    String(change.layer),
    change.change,
    change.kind ? modeString(change.kind, change.mode ?? 0) : '',
    change.uid === undefined ? '' : `${change.uid}:${change.gid}`,
    change.size === undefined ? '' : formatBytes(change.size),
    change.change === 'deleted' ? deletedHow(change.how, change.via) : change.link ? `-> ${change.link}` : '',
  ]);
  output.out(`/${history.path}\n` + table(['LAYER', 'CHANGE', 'MODE', 'OWNER', 'SIZE', 'DETAIL'], rows));
}

function deletedHow(how: PathHistory['changes'][number]['how'], via: string | undefined): string {
  if (how === 'opaque') return `hidden by opaque directory /${via}`;
  return via === undefined ? 'whiteout' : `whiteout of /${via}`;
}

/** The score, the total, and a table of the wasted paths, biggest first. */
function printWaste(output: CommandContext['output'], asJson: boolean, waste: ImageWaste): void {
  if (asJson) return output.out(json(waste));
  // Rounded down: an image that wastes a byte never reads 100.00%.
  const score = (Math.floor(waste.efficiency * 10000) / 100).toFixed(2);
  output.out(`Efficiency: ${score}%\nWasted:     ${formatBytes(waste.wastedBytes)} of ${formatBytes(waste.totalBytes)} in ${waste.layers.length} layer${waste.layers.length === 1 ? '' : 's'}\n`);
  if (waste.paths.length === 0) return output.out('No layer hides what a lower layer stored.\n');
  const rows = waste.paths.map((entry) => [
    '/' + entry.path,
    formatBytes(entry.bytes),
    String(entry.versions.length),
    entry.versions.map((version) => version.layer).join(', '),
    entry.versions.map((version) => `${version.hiddenBy} (${version.how})`).join(', '),
  ]);
  output.out('\n' + table(['PATH', 'WASTED', 'VERSIONS', 'WRITTEN IN', 'HIDDEN BY'], rows));
}
