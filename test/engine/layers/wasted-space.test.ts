// countWaste on hand-made layer entries, marked as the importer marks them: the cases a
// crafted image makes awkward (a directory replaced by a file, a path deleted and added
// again, whiteouts of nothing).
import { describe, expect, it } from 'vitest';
import type { LayerEntry } from '../../../src-main/engine/layers/layer-entry';
import { MergedView, markChanges } from '../../../src-main/engine/layers/layer-index';
import { countWaste } from '../../../src-main/engine/layers/wasted-space';

const dir = (path: string): LayerEntry => ({ path, kind: 'dir', size: 0, mode: 0o755, uid: 0, gid: 0, mtime: 0 });
const file = (path: string, size: number): LayerEntry => ({ path, kind: 'file', size, mode: 0o644, uid: 0, gid: 0, mtime: 0 });
const whiteout = (path: string): LayerEntry => ({ path, kind: 'whiteout', size: 0, mode: 0, uid: 0, gid: 0, mtime: 0 });

/** Each layer marked against the merged view of those below, as the index stores it. */
function marked(layers: LayerEntry[][]): LayerEntry[][] {
  const view = new MergedView();
  return layers.map((entries, index) => {
    const out = markChanges(entries, view);
    view.apply(out, index);
    return out;
  });
}

describe('countWaste', () => {
  it('a file where a directory was hides the whole directory', () => {
    const waste = countWaste(marked([[dir('opt'), file('opt/a', 30), file('opt/b/c', 20)], [file('opt', 5)]]));
    expect(waste).toMatchObject({ totalBytes: 55, wastedBytes: 50 });
    expect(waste.paths.map((entry) => [entry.path, entry.bytes, entry.versions[0]!.how])).toEqual([
      ['opt/a', 30, 'overwritten'],
      ['opt/b/c', 20, 'overwritten'],
    ]);
  });

  it('a path added, deleted and added again wastes its first version only', () => {
    const waste = countWaste(marked([[file('x', 64)], [whiteout('x')], [file('x', 8)]]));
    expect(waste).toMatchObject({ totalBytes: 72, wastedBytes: 64 });
    expect(waste.paths).toEqual([{ path: 'x', bytes: 64, versions: [{ layer: 0, bytes: 64, hiddenBy: 1, how: 'deleted' }] }]);
  });

  it('whiteouts of nothing, directories and empty files waste nothing; no layers score 1', () => {
    const waste = countWaste(marked([[dir('d'), file('empty', 0)], [whiteout('ghost'), whiteout('d'), whiteout('empty')]]));
    expect(waste).toMatchObject({ totalBytes: 0, wastedBytes: 0, efficiency: 1, paths: [] });
    expect(countWaste([])).toMatchObject({ totalBytes: 0, wastedBytes: 0, efficiency: 1, paths: [], layers: [] });
  });
});
