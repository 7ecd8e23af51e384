// What every layer of a stack did to one path: which layers wrote it (added, modified),
// which deleted it (a whiteout of it or of a directory above it, or an opaque directory
// above it). The window's file details and `strata layers --history`.
//
// The merged view decides, not a second set of rules: each layer's entries on the path and
// on the directories above it go through MergedView.apply, and what is visible at the path
// before and after each layer is what that layer did. (Only those entries can change the
// path: a deletion or an opaque directory elsewhere reaches other subtrees.)
import type { PathChange, PathHistory } from '@shared/api/types/images';
import type { LayerEntry } from './layer-entry';
import { MergedView } from './layer-index';

const isDeletion = (entry: LayerEntry): boolean => entry.kind === 'whiteout' || entry.change === 'deleted';

/**
 * The layers that changed `relPath` ('' is the root), bottom first. A directory a layer lists
 * again without changing it is left out; so is a whiteout of a path no lower layer had.
 */
export function pathHistory(layers: readonly (readonly LayerEntry[])[], relPath: string): PathHistory {
  const above = ancestorsOf(relPath);
  const view = new MergedView();
  const changes: PathChange[] = [];
  layers.forEach((entries, layer) => {
    const onPath = entries.filter((entry) => entry.path === relPath || above.has(entry.path));
    if (onPath.length === 0) return;
    const before = view.entries.get(relPath);
    view.apply(onPath, layer);
    const after = view.entries.get(relPath);
    if (after && after.layer === layer) {
      if (after.change === 'unchanged') return;
      changes.push({
        layer,
        change: after.change ?? (before ? 'modified' : 'added'),
        kind: after.kind,
        size: after.size,
        mode: after.mode,
        uid: after.uid,
        gid: after.gid,
        ...(after.link === undefined ? {} : { link: after.link }),
      });
    } else if (before && !after) {
      changes.push({ layer, change: 'deleted', ...howDeleted(onPath, relPath) });
    }
  });
  return { path: relPath, changes };
}

/** A deletion: an opaque directory above the path, else a whiteout of the path or of a directory above it. */
function howDeleted(onPath: readonly LayerEntry[], relPath: string): Pick<PathChange, 'how' | 'via'> {
  const opaque = onPath.find((entry) => entry.opaque && !isDeletion(entry) && entry.path !== relPath);
  if (opaque) return { how: 'opaque', via: opaque.path };
  // The index lists a whiteout over a lower path as a deletion of that path; the deepest one decides.
  const whiteout = onPath.filter(isDeletion).sort((a, b) => b.path.length - a.path.length)[0]!;
  return whiteout.path === relPath ? { how: 'deleted' } : { how: 'deleted', via: whiteout.path };
}

/** '' and every directory above `relPath`: 'a/b/c' → '', 'a', 'a/b'. */
function ancestorsOf(relPath: string): Set<string> {
  const out = new Set<string>();
  if (relPath === '') return out;
  out.add('');
  for (let slash = relPath.indexOf('/'); slash >= 0; slash = relPath.indexOf('/', slash + 1)) out.add(relPath.slice(0, slash));
  return out;
}
