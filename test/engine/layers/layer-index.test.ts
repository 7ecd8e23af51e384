// The layer index logic on hand-made entries: marks, opaque directories, merged views, trees.
import { describe, expect, it } from 'vitest';
import type { LayerEntry } from '../../../src-main/engine/layers/layer-entry';
import { LayerTree, MergedView, markChanges, markChangesAsync } from '../../../src-main/engine/layers/layer-index';
import { normalizeEntryName, resolveWithin } from '../../../src-main/engine/layers/safe-path';
import { LoopBudget } from '../../../src-main/engine/store/loop-budget';

const dir = (path: string, extra: Partial<LayerEntry> = {}): LayerEntry => ({ path, kind: 'dir', size: 0, mode: 0o755, uid: 0, gid: 0, mtime: 0, ...extra });
const file = (path: string, size: number, extra: Partial<LayerEntry> = {}): LayerEntry => ({ path, kind: 'file', size, mode: 0o644, uid: 0, gid: 0, mtime: 0, ...extra });
const whiteout = (path: string): LayerEntry => ({ path, kind: 'whiteout', size: 0, mode: 0, uid: 0, gid: 0, mtime: 0 });

const base = [dir('etc'), file('etc/a', 10), file('etc/b', 20), dir('usr'), dir('usr/lib'), file('usr/lib/x', 100), file('usr/lib/y', 200)];

describe('markChanges', () => {
  const lower = MergedView.of([base]);
  const top = markChanges([dir('etc'), file('etc/a', 11), whiteout('etc/b'), file('etc/c', 5), dir('usr/lib', { opaque: true }), file('usr/lib/y', 1), dir('usr', { mode: 0o700 })], lower);
  const mark = (path: string) => top.find((entry) => entry.path === path)?.change;

  it('marks added, modified, deleted and unchanged', () => {
    expect(mark('etc')).toBe('unchanged');
    expect(mark('etc/a')).toBe('modified');
    expect(mark('etc/b')).toBe('deleted');
    expect(mark('etc/c')).toBe('added');
    expect(mark('usr')).toBe('modified'); // its mode changed
  });

  it('records what an opaque directory hides as deleted, keeping what the layer rewrote', () => {
    expect(mark('usr/lib')).toBe('modified');
    expect(mark('usr/lib/x')).toBe('deleted');
    expect(mark('usr/lib/y')).toBe('modified');
    expect(top.find((entry) => entry.path === 'usr/lib/x')?.size).toBe(100);
  });

  it('marks the same when it gives the loop back between entries (the import\'s way)', async () => {
    const entries = [dir('etc'), file('etc/a', 11), whiteout('etc/b'), file('etc/c', 5), dir('usr/lib', { opaque: true }), file('usr/lib/y', 1), dir('usr', { mode: 0o700 })];
    // A budget of 0 ms is always spent: it pauses at every step.
    expect(await markChangesAsync(entries, lower, new LoopBudget(0))).toEqual(top);
  });

  it('merges: deletions applied, the top layer wins, each path knows its layer', () => {
    const merged = MergedView.of([base, top]);
    expect([...merged.entries.keys()].sort()).toEqual(['etc', 'etc/a', 'etc/c', 'usr', 'usr/lib', 'usr/lib/y']);
    expect(merged.entries.get('etc/a')).toMatchObject({ size: 11, layer: 1 });
    expect(merged.entries.get('etc')?.layer).toBe(0); // listed again by the top layer, unchanged
    expect(merged.entries.get('usr')?.layer).toBe(1); // its mode changed
  });

  it('merges the same when it takes the entries over (an import), and copies them otherwise', () => {
    const copied = MergedView.of([base, top]);
    const owned = new MergedView();
    const lowerEntries = base.map((entry) => ({ ...entry }));
    const topEntries = top.map((entry) => ({ ...entry }));
    owned.apply(lowerEntries, 0, { owned: true });
    owned.apply(topEntries, 1, { owned: true });
    expect(owned.entries).toEqual(copied.entries);
    expect(owned.entries.get('etc/a')).toBe(topEntries.find((entry) => entry.path === 'etc/a')); // the same object, given its layer
    expect(base.every((entry) => !('layer' in entry))).toBe(true); // not owned: left as they were
  });

  it('a deleted directory takes its subtree with it', () => {
    const merged = MergedView.of([base, [whiteout('usr')]]);
    expect([...merged.entries.keys()].sort()).toEqual(['etc', 'etc/a', 'etc/b']);
  });
});

describe('LayerTree', () => {
  it('rolls sizes and counts up, sorts children, ignores deletions in sizes', () => {
    const tree = new LayerTree([...base, { ...file('etc/gone', 999), change: 'deleted' as const }]);
    expect(tree.root.size).toBe(330);
    expect(tree.find('/etc/')?.size).toBe(30);
    expect(tree.find('usr')?.count).toBe(3);
    expect(tree.find('etc')!.children.map((child) => child.name)).toEqual(['a', 'b', 'gone']);
    expect(tree.find('nope')).toBeUndefined();
  });

  it('makes parents that the entries only imply', () => {
    const tree = new LayerTree([file('a/b/c', 7)]);
    expect(tree.find('a/b')).toMatchObject({ kind: 'dir', size: 7, count: 1 });
  });
});

describe('normalizeEntryName', () => {
  it.each([
    ['./usr//bin/', 'usr/bin'],
    ['.', ''],
    ['./', ''],
    ['a/./b', 'a/b'],
  ])('%j → %j', (input, expected) => expect(normalizeEntryName(input)).toBe(expected));

  it.each(['/etc/passwd', '../x', 'a/../../b', 'a/..', 'a\0b'])('refuses %j', (input) => {
    expect(() => normalizeEntryName(input)).toThrow(/refusing/);
  });
});

describe('resolveWithin', () => {
  it.each([
    ['a/b', '../c/d', 'a/c/d'],
    ['a', './x', 'a/x'],
    ['', 'x/../y', 'y'],
  ])('%j + %j → %j', (dir, target, expected) => expect(resolveWithin(dir, target, 'link')).toBe(expected));

  it.each([
    ['a', '../../x'],
    ['', '..'],
    ['a', '/etc/passwd'],
  ])('refuses %j + %j', (dir, target) => {
    expect(() => resolveWithin(dir, target, 'link')).toThrow(/refusing link/);
  });
});
