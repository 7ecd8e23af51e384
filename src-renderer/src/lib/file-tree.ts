// Pure helpers over a layer's file tree (images.tree): the rows a filtered, sorted,
// partly expanded tree shows. (Wasted space is the engine's: images.wasted.)
import type { ChangeMark, TreeNode } from '@shared/api/types/images';

export interface TreeRow {
  node: TreeNode;
  depth: number;
  expandable: boolean;
  expanded: boolean;
}

export interface TreeView {
  /** Lower-case text the path must contain. */
  path: string;
  changes: ReadonlySet<ChangeMark>;
  sort: 'name' | 'size';
  expanded: ReadonlySet<string>;
}

/** Whether a node itself passes the filters. */
function matches(node: TreeNode, view: TreeView): boolean {
  return (!view.path || node.path.toLowerCase().includes(view.path)) && view.changes.has(node.change ?? 'unchanged');
}

export function isFiltering(view: TreeView): boolean {
  return view.path !== '' || view.changes.size < 4;
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
  const order = (children: TreeNode[]): TreeNode[] =>
    [...children].sort((a, b) => (view.sort === 'size' ? b.size - a.size : 0) || a.name.localeCompare(b.name));
  const walk = (node: TreeNode, depth: number): void => {
    if (filtered && !anyMatch(node)) return;
    const children = filtered ? node.children.filter(anyMatch) : node.children;
    const expanded = filtered ? children.length > 0 : view.expanded.has(node.path);
    rows.push({ node, depth, expandable: node.children.length > 0, expanded });
    if (expanded) for (const child of order(children)) walk(child, depth + 1);
  };
  for (const child of order(root.children)) walk(child, 0);
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
