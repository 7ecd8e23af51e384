// Pure helpers over a layer's file tree (images.tree): the rows a filtered, sorted,
// partly expanded tree shows. Names sort as people read them: c2 before c10, a.txt
// before B.txt. (Wasted space is the engine's: images.wasted.)
import type { ChangeMark, TreeNode } from '@shared/api/types/images';

export interface TreeRow {
  node: TreeNode;
  depth: number;
  expandable: boolean;
  expanded: boolean;
}

/** name; size, largest first; layer, the layer that last wrote it, top first (the merged view). */
export type TreeSort = 'name' | 'size' | 'layer';

export interface TreeView {
  /** Lower-case text the path must contain. */
  path: string;
  /** The change marks to show; undefined shows every row (the merged view, whose marks are each file's own layer's). */
  changes?: ReadonlySet<ChangeMark>;
  sort: TreeSort;
  expanded: ReadonlySet<string>;
}

/** Numbers inside names compare as numbers; case and accents only break ties. */
const NAMES = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

/** a before B, c2 before c10; names equal but for case keep a fixed order. */
export function compareNames(a: string, b: string): number {
  return NAMES.compare(a, b) || (a < b ? -1 : a > b ? 1 : 0);
}

/** Whether a node itself passes the filters. */
function matches(node: TreeNode, view: TreeView): boolean {
  return (!view.path || node.path.toLowerCase().includes(view.path)) && (!view.changes || view.changes.has(node.change ?? 'unchanged'));
}

export function isFiltering(view: TreeView): boolean {
  return view.path !== '' || (view.changes !== undefined && view.changes.size < 4);
}

function orderOf(sort: TreeSort): (a: TreeNode, b: TreeNode) => number {
  if (sort === 'size') return (a, b) => b.size - a.size || compareNames(a.name, b.name);
  if (sort === 'layer') return (a, b) => (b.layer ?? -1) - (a.layer ?? -1) || compareNames(a.name, b.name);
  return (a, b) => compareNames(a.name, b.name);
}

/**
 * The rows to show, depth first. Unfiltered, a directory shows its children when expanded;
 * filtered, only what matches (and the directories leading to it) shows, opened.
 */
export function treeRows(root: TreeNode, view: TreeView): TreeRow[] {
  const rows: TreeRow[] = [];
  const filtered = isFiltering(view);
  const memo = new Map<TreeNode, boolean>();
  const anyMatch = (node: TreeNode): boolean => {
    let found = memo.get(node);
    if (found === undefined) memo.set(node, (found = matches(node, view) || node.children.some(anyMatch)));
    return found;
  };
  const compare = orderOf(view.sort);
  const walk = (node: TreeNode, depth: number): void => {
    if (filtered && !anyMatch(node)) return;
    const children = filtered ? node.children.filter(anyMatch) : node.children;
    const expanded = filtered ? children.length > 0 : view.expanded.has(node.path);
    rows.push({ node, depth, expandable: node.children.length > 0, expanded });
    if (expanded) for (const child of [...children].sort(compare)) walk(child, depth + 1);
  };
  for (const child of [...root.children].sort(compare)) walk(child, 0);
  return rows;
}

/** Every path of a tree, for "expand all". */
export function allDirectories(root: TreeNode): string[] {
  const out: string[] = [];
  const walk = (node: TreeNode): void => {
    if (node.children.length === 0) return;
    if (node.path) out.push(node.path);
    node.children.forEach(walk);
  };
  walk(root);
  return out;
}

/** The node at `path` ('' = the root), or undefined when the tree has none there. */
export function findNode(root: TreeNode, path: string): TreeNode | undefined {
  if (path === '') return root;
  let node: TreeNode | undefined = root;
  for (const name of path.split('/')) {
    node = node.children.find((child) => child.name === name);
    if (!node) return undefined;
  }
  return node;
}
