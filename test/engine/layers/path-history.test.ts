// What every layer did to one path, on hand-made layer entries marked as an import marks
// them: written, rewritten, deleted by a whiteout of it or of a directory above it, hidden
// by an opaque directory, written again; a directory listed again unchanged is no change.
import { describe, expect, it } from 'vitest';
import type { LayerEntry } from '../../../src-main/engine/layers/layer-entry';
import { MergedView, markChanges } from '../../../src-main/engine/layers/layer-index';
import { pathHistory } from '../../../src-main/engine/layers/path-history';

const dir = (path: string, extra: Partial<LayerEntry> = {}): LayerEntry => ({ path, kind: 'dir', size: 0, mode: 0o755, uid: 0, gid: 0, mtime: 0, ...extra });
const file = (path: string, size: number, extra: Partial<LayerEntry> = {}): LayerEntry => ({ path, kind: 'file', size, mode: 0o644, uid: 0, gid: 0, mtime: 0, ...extra });
const whiteout = (path: string): LayerEntry => ({ path, kind: 'whiteout', size: 0, mode: 0, uid: 0, gid: 0, mtime: 0 });

/** Layers marked bottom up, as the importer writes their indexes. */
function stack(...layers: LayerEntry[][]): LayerEntry[][] {
  const view = new MergedView();
  return layers.map((entries, index) => {
    const marked = markChanges(entries, view);
    view.apply(marked, index);
    return marked;
  });
}

const summary = (layers: LayerEntry[][], path: string) => pathHistory(layers, path).changes.map(({ layer, change, how, via }) => [layer, change, how, via].filter((part) => part !== undefined).join(' '));

describe('pathHistory', () => {
  const layers = stack(
    [dir('etc'), file('etc/conf', 10), dir('usr'), dir('usr/lib'), file('usr/lib/a', 100)],
    [dir('etc'), file('etc/conf', 20, { mode: 0o600, uid: 1000, gid: 100 })], // etc listed again, unchanged
    [whiteout('etc/conf'), dir('usr/lib', { opaque: true }), file('usr/lib/b', 5)],
    [file('etc/conf', 30)],
    [whiteout('etc')],
  );

  it('gives what each layer wrote: kind, size, mode, owner', () => {
    expect(pathHistory(layers, 'etc/conf').changes.slice(0, 2)).toEqual([
      { layer: 0, change: 'added', kind: 'file', size: 10, mode: 0o644, uid: 0, gid: 0 },
      { layer: 1, change: 'modified', kind: 'file', size: 20, mode: 0o600, uid: 1000, gid: 100 },
    ]);
  });

  it('tells a whiteout of the path from one of a directory above it', () => {
    expect(summary(layers, 'etc/conf')).toEqual(['0 added', '1 modified', '2 deleted deleted', '3 added', '4 deleted deleted etc']);
  });

  it('tells what an opaque directory hid, and leaves out a directory listed again unchanged', () => {
    expect(summary(layers, 'usr/lib/a')).toEqual(['0 added', '2 deleted opaque usr/lib']);
    expect(summary(layers, 'usr/lib/b')).toEqual(['2 added']);
    expect(summary(layers, 'usr/lib')).toEqual(['0 added', '2 modified']); // made opaque
    expect(summary(layers, 'etc')).toEqual(['0 added', '4 deleted deleted']);
  });

  it('gives nothing for a path no layer has, nor for a whiteout of nothing', () => {
    expect(pathHistory(layers, 'nope').changes).toEqual([]);
    expect(pathHistory(stack([dir('a')], [whiteout('a/ghost')]), 'a/ghost').changes).toEqual([]);
  });

  it('agrees with the merged view at every layer', () => {
    for (const path of ['etc', 'etc/conf', 'usr', 'usr/lib', 'usr/lib/a', 'usr/lib/b']) {
      const changes = pathHistory(layers, path).changes;
      layers.forEach((_, top) => {
        const last = changes.filter((change) => change.layer <= top).at(-1);
        const visible = MergedView.of(layers.slice(0, top + 1)).entries.get(path);
        expect(visible ? { layer: visible.layer, size: visible.size } : undefined, `${path} at layer ${top}`).toEqual(
          last && last.change !== 'deleted' ? { layer: last.layer, size: last.size } : undefined,
        );
      });
    }
  });
});
