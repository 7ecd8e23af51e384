// `strata layers`: an image's merged file tree, one layer's own changes (--layer), or the
// space later layers waste (--wasted: dive's efficiency score, counted by the engine).
import type { ImageWaste, TreeNode } from '@shared/api/types/images';
import { StrataError } from '@shared/errors';
import type { Command, CommandContext } from '../command';
import { UsageError, expectPositionals } from '../command';
import { json, modeString, table } from '../output';
import { formatBytes } from '@shared/units';

const MARK = { added: 'A', modified: 'M', deleted: 'D', unchanged: ' ' } as const;

export const layersCommand: Command = {
  name: 'layers',
  usage: 'layers [--layer N|ID] [--depth N] [--json] IMAGE [PATH] | layers --wasted [--json] IMAGE',
  options: { layer: { type: 'string', short: 'l' }, depth: { type: 'string', short: 'd' }, wasted: { type: 'boolean' } },
  async run({ api, output, json: asJson }, { values, positionals }) {
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
