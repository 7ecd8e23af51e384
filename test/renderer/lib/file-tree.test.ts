// A layer's file tree in the window (src-renderer/src/lib/file-tree.ts): the rows a folded,
// sorted (names naturally: c2 before c10) or filtered tree shows, the merged view's rows,
// "expand all", and finding a path's node. (Wasted space is counted by the engine:
// test/engine/images/image-waste.test.ts.)
import { describe, expect, it } from 'vitest';
import type { ChangeMark, TreeNode } from '@shared/api/types/images';
import { allDirectories, compareNames, findNode, isFiltering, treeRows, type TreeView } from '../../../src-renderer/src/lib/file-tree';
import { node, root } from '../records';

const ALL_MARKS: ChangeMark[] = ['added', 'modified', 'deleted', 'unchanged'];
const view = (fields: Partial<TreeView> = {}): TreeView => ({ path: '', changes: new Set(ALL_MARKS), sort: 'name', expanded: new Set(), ...fields });
/** Each row as "  name" indented by its depth, with "/" after a folded directory and "/ (open)" after an open one. */
const shown = (rows: ReturnType<typeof treeRows>): string[] =>
  rows.map((row) => `${'  '.repeat(row.depth)}${row.node.name}${row.expandable ? (row.expanded ? '/ (open)' : '/') : ''}`);

// etc/            (unchanged)
//   hosts         added, 20 B
//   passwd        modified, 300 B
// usr/
//   bin/
//     app         added, 5000 B
//   lib/          (empty directory)
// a.txt           unchanged, 100 B
// B.txt           deleted
const tree = (): TreeNode =>
  root([
    node('usr', {}, [node('usr/bin', {}, [node('usr/bin/app', { change: 'added', size: 5000 })]), node('usr/lib', { kind: 'dir' })]),
    node('etc', { change: 'unchanged', size: 320 }, [node('etc/passwd', { change: 'modified', size: 300 }), node('etc/hosts', { change: 'added', size: 20 })]),
    node('B.txt', { change: 'deleted' }),
    node('a.txt', { change: 'unchanged', size: 100 }),
  ]);

describe('treeRows', () => {
  it('shows the top level folded, in name order', () => {
    expect(shown(treeRows(tree(), view()))).toEqual(['a.txt', 'B.txt', 'etc/', 'usr/']);
  });

  it('opens the directories named expanded, children one level deeper', () => {
    const rows = treeRows(tree(), view({ expanded: new Set(['usr', 'usr/bin']) }));
    expect(shown(rows)).toEqual(['a.txt', 'B.txt', 'etc/', 'usr/ (open)', '  bin/ (open)', '    app', '  lib']);
    // An empty directory has nothing to open.
    expect(rows.at(-1)).toMatchObject({ depth: 1, expandable: false, expanded: false });
  });

  it('keeps a directory folded when only a child of it is named expanded', () => {
    expect(shown(treeRows(tree(), view({ expanded: new Set(['usr/bin']) })))).toEqual(['a.txt', 'B.txt', 'etc/', 'usr/']);
  });

  it('sorts by size, largest first, ties by name', () => {
    const rows = treeRows(tree(), view({ sort: 'size', expanded: new Set(['etc']) }));
    expect(shown(rows)).toEqual(['etc/ (open)', '  passwd', '  hosts', 'a.txt', 'B.txt', 'usr/']);
  });

  it('filtered by path, shows the matches and the directories leading to them, opened', () => {
    const rows = treeRows(tree(), view({ path: 'app' }));
    expect(shown(rows)).toEqual(['usr/ (open)', '  bin/ (open)', '    app']);
  });

  it('filtered, a matching directory shows only its matching children', () => {
    // "etc" matches the directory and (by path) both files below it; "pass" only one.
    expect(shown(treeRows(tree(), view({ path: 'etc' })))).toEqual(['etc/ (open)', '  hosts', '  passwd']);
    expect(shown(treeRows(tree(), view({ path: 'pass' })))).toEqual(['etc/ (open)', '  passwd']);
  });

  it('filtered by change, keeps the unchanged directories that lead to a change', () => {
    const rows = treeRows(tree(), view({ changes: new Set<ChangeMark>(['added']) }));
    expect(shown(rows)).toEqual(['etc/ (open)', '  hosts', 'usr/ (open)', '  bin/ (open)', '    app']);
    expect(shown(treeRows(tree(), view({ changes: new Set<ChangeMark>(['deleted']) })))).toEqual(['B.txt']);
  });

  it('counts a node without a mark as unchanged', () => {
    // usr and usr/bin have no mark: with only "unchanged" on they show, and their added file does not.
    const rows = treeRows(tree(), view({ changes: new Set<ChangeMark>(['unchanged']) }));
    expect(shown(rows)).toEqual(['a.txt', 'etc/', 'usr/ (open)', '  bin/', '  lib']);
  });

  it('shows nothing for an empty tree, or when nothing matches', () => {
    expect(treeRows(root([]), view())).toEqual([]);
    expect(treeRows(tree(), view({ path: 'no such file' }))).toEqual([]);
    expect(treeRows(tree(), view({ changes: new Set() }))).toEqual([]);
  });
});

describe('natural order', () => {
  it('compares the numbers in names as numbers, and case only to break a tie', () => {
    const names = ['c10', 'c2', 'C1', 'c1', 'b', 'a10b', 'a9b', 'c01'];
    expect([...names].sort(compareNames)).toEqual(['a9b', 'a10b', 'b', 'C1', 'c01', 'c1', 'c2', 'c10']);
  });

  it('sorts the tree by it, and by size and layer with names breaking ties', () => {
    const data = root([node('data', {}, ['c10', 'c2', 'c1', 'c21'].map((name, i) => node(`data/${name}`, { size: name === 'c21' ? 50 : 10, layer: [3, 1, 3, 2][i] })))]);
    const expanded = new Set(['data']);
    expect(shown(treeRows(data, view({ expanded })))).toEqual(['data/ (open)', '  c1', '  c2', '  c10', '  c21']);
    expect(shown(treeRows(data, view({ expanded, sort: 'size' })))).toEqual(['data/ (open)', '  c21', '  c1', '  c2', '  c10']);
    // By layer: the top layer's first; a node no layer wrote (an implied directory) last.
    expect(shown(treeRows(data, view({ expanded, sort: 'layer' })))).toEqual(['data/ (open)', '  c1', '  c10', '  c21', '  c2']);
  });
});

describe('the merged view', () => {
  it('filters by path only: its marks are each file\'s own layer\'s', () => {
    const merged = view({ changes: undefined });
    expect(isFiltering(merged)).toBe(false);
    expect(shown(treeRows(tree(), merged))).toEqual(['a.txt', 'B.txt', 'etc/', 'usr/']);
    expect(shown(treeRows(tree(), { ...merged, path: 'hosts' }))).toEqual(['etc/ (open)', '  hosts']);
  });
});

describe('findNode', () => {
  it('walks the names of a path; the root for the empty path', () => {
    const t = tree();
    expect(findNode(t, 'usr/bin/app')?.size).toBe(5000);
    expect(findNode(t, '')).toBe(t);
    expect(findNode(t, 'usr/nope')).toBeUndefined();
    expect(findNode(t, 'a.txt/x')).toBeUndefined();
  });
});

describe('isFiltering', () => {
  it('is on with a path, or with any change mark left out', () => {
    expect(isFiltering(view())).toBe(false);
    expect(isFiltering(view({ path: 'x' }))).toBe(true);
    expect(isFiltering(view({ changes: new Set<ChangeMark>(['added', 'modified', 'deleted']) }))).toBe(true);
  });
});

describe('allDirectories', () => {
  it('lists every directory with something in it, not the root, not files', () => {
    expect(allDirectories(tree())).toEqual(['usr', 'usr/bin', 'etc']);
    expect(allDirectories(root([]))).toEqual([]);
  });
});
