import type { TreeNode } from '../../engine/layers/layer-index';
import { StrataError } from '@shared/errors';
import type { Command } from '../command';
import { expectPositionals } from '../command';
import { bytes, json, modeString } from '../output';

const MARK = { added: 'A', modified: 'M', deleted: 'D', unchanged: ' ' } as const;

export const layersCommand: Command = {
  name: 'layers',
  usage: 'layers [--layer N|ID] [--depth N] [--json] IMAGE [PATH]',
  summary: 'Show the file tree of an image (merged) or of one layer (--layer: what that layer added, modified, deleted)',
  options: { layer: { type: 'string', short: 'l' }, depth: { type: 'string', short: 'd' } },
  run({ engine, output, json: asJson }, { values, positionals }) {
    expectPositionals(positionals, 1, 2, this.usage);
    const depth = values.depth === undefined ? Infinity : Number(values.depth);
    if (!(depth >= 0)) throw new StrataError('INVALID_ARGUMENT', `--depth takes a number, not ${JSON.stringify(values.depth)}`);
    const layer = values.layer as string | undefined;
    const { tree, layer: position } = engine().imageTree(positionals[0]!, { layer, merged: layer === undefined });
    const at = positionals[1] ?? '/';
    const node = tree.find(at);
    if (!node) throw new StrataError('NOT_FOUND', `${at}: not in ${layer === undefined ? 'the image' : `layer ${position}`}`);
    if (asJson) return output.out(json(prune(node, depth)));
    const lines: string[] = [];
    const walk = (n: TreeNode, level: number) => {
      const mark = n.change ? MARK[n.change] : ' ';
      const link = n.kind === 'symlink' ? ` -> ${n.link}` : n.kind === 'hardlink' ? ` (hard link to /${n.link})` : '';
      const name = (n.path === '' ? '/' : n.name + (n.kind === 'dir' ? '/' : '')) + link;
      const where = layer === undefined && n.layer !== undefined ? `  [${n.layer}]` : '';
      lines.push(`${mark} ${modeString(n.kind, n.mode)} ${bytes(n.size).padStart(7)}  ${'  '.repeat(level)}${name}${where}`);
      if (level < depth) for (const child of n.children) walk(child, level + 1);
    };
    walk(node, 0);
    output.out(lines.join('\n') + '\n');
  },
};

function prune(node: TreeNode, depth: number): TreeNode {
  return { ...node, children: depth > 0 ? node.children.map((child) => prune(child, depth - 1)) : [] };
}
