// Wasted space: bytes a layer stores that a later layer makes unreachable (rewrites the
// path, deletes it with a whiteout, hides it under an opaque directory). Every copy of
// the image carries them; no container sees them. dive's idea and score, counted exactly.
//
// Where we differ from dive (wagoodman/dive, dive/filetree/efficiency.go), and why:
// - dive scores Σ(smallest size seen per path) / Σ(every size seen per path), so it keeps
//   the *smallest* version of a path as the needed one. A file that grows (10 B, then
//   100 B) wastes 100 B to dive; only the first 10 B are unreachable. We count exactly the
//   hidden versions: all but the last, all of them when the path ends deleted.
// - dive sizes a directory's whiteout by the subtree below it but counts that as the
//   path's only version, so deleting a directory wastes nothing to dive and its bytes are
//   counted twice in the denominator. We hide every file below it, once.
// - dive skips `.wh..wh..opq` markers: an opaque directory hides nothing to it. To us it
//   hides everything lower layers put below it, as overlayfs does.
// - dive counts a hard link's name as a file of size 0 and its target like any file; we
//   count a layer's inode's bytes once, wasted only when its last name is hidden.
// - Our denominator is the content bytes of all layers (each layer's files, whole); dive's
//   is what it saw per path, whiteouts' subtree sizes included.
import type { HiddenHow, ImageWaste, WastedPath } from '@shared/api/types/images';
import type { LayerEntry } from './layer-entry';

/** An inode of one layer: its bytes, and how many of its names are still visible. */
interface Inode {
  bytes: number;
  names: number;
}

interface Version {
  layer: number;
  dir: boolean;
  inode?: Inode;
}

/** The visible version of every path, with a child index so a subtree is found without a scan. */
class Visible {
  readonly versions = new Map<string, Version>();
  private readonly children = new Map<string, Set<string>>();

  set(path: string, version: Version): void {
    this.versions.set(path, version);
    for (let child = path; child !== ''; ) {
      const parent = parentOf(child);
      let set = this.children.get(parent);
      if (!set) this.children.set(parent, (set = new Set()));
      if (set.has(child)) break; // its ancestors are linked already
      set.add(child);
      child = parent;
    }
  }

  /** Removes and returns the versions below `path`, and `path`'s own when `self`. */
  take(path: string, self: boolean): [string, Version][] {
    const out: [string, Version][] = [];
    const own = self ? this.versions.get(path) : undefined;
    if (own) {
      out.push([path, own]);
      this.versions.delete(path);
    }
    const stack = [path];
    while (stack.length > 0) {
      const at = stack.pop()!;
      const below = this.children.get(at);
      if (!below) continue;
      this.children.delete(at);
      for (const child of below) {
        const version = this.versions.get(child);
        if (version) {
          out.push([child, version]);
          this.versions.delete(child);
        }
        stack.push(child);
      }
    }
    return out;
  }
}

function parentOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? '' : path.slice(0, slash);
}

const isDeletion = (entry: LayerEntry): boolean => entry.kind === 'whiteout' || entry.change === 'deleted';

export type WasteCount = Omit<ImageWaste, 'id' | 'layers'> & { layers: { bytes: number; wastedBytes: number }[] };

/**
 * Counts the wasted space of a stack of layers, given each layer's own entries as its
 * index records them (bottom first, with change marks). Pure: the entries are all it reads.
 */
export function countWaste(layers: readonly (readonly LayerEntry[])[]): WasteCount {
  const visible = new Visible();
  const paths = new Map<string, WastedPath>();
  const perLayer = layers.map(() => ({ bytes: 0, wastedBytes: 0 }));

  const hide = (path: string, version: Version, hiddenBy: number, how: HiddenHow): void => {
    if (version.dir) return; // a directory's own metadata holds no bytes
    let bytes = 0;
    if (version.inode && --version.inode.names === 0) bytes = version.inode.bytes;
    let record = paths.get(path);
    if (!record) paths.set(path, (record = { path, bytes: 0, versions: [] }));
    record.bytes += bytes;
    record.versions.push({ layer: version.layer, bytes, hiddenBy, how });
    perLayer[version.layer]!.wastedBytes += bytes;
  };

  layers.forEach((entries, layer) => {
    // What is hidden is what the layers below left visible: opaque directories first (the
    // index also lists what they hide as deletions), then whiteouts.
    for (const entry of entries) {
      if (entry.opaque && !isDeletion(entry)) for (const [path, version] of visible.take(entry.path, false)) hide(path, version, layer, 'opaque');
    }
    for (const entry of entries) {
      if (isDeletion(entry)) for (const [path, version] of visible.take(entry.path, true)) hide(path, version, layer, 'deleted');
    }
    const inodes = layerInodes(entries);
    for (const entry of entries) {
      if (isDeletion(entry)) continue;
      const dir = entry.kind === 'dir';
      const below = visible.versions.get(entry.path);
      // A directory over a directory merges with it; anything else replaces what was there, subtree and all.
      if (below && !(dir && below.dir)) for (const [path, version] of visible.take(entry.path, true)) hide(path, version, layer, 'overwritten');
      const inode = inodes.get(entry.kind === 'hardlink' ? (entry.link ?? entry.path) : entry.path);
      visible.set(entry.path, { layer, dir, inode: dir ? undefined : inode });
    }
    for (const inode of new Set(inodes.values())) perLayer[layer]!.bytes += inode.bytes;
  });

  const totalBytes = perLayer.reduce((sum, own) => sum + own.bytes, 0);
  const wastedBytes = perLayer.reduce((sum, own) => sum + own.wastedBytes, 0);
  const wasted = [...paths.values()].filter((record) => record.bytes > 0).sort((a, b) => b.bytes - a.bytes || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { totalBytes, wastedBytes, efficiency: totalBytes === 0 ? 1 : (totalBytes - wastedBytes) / totalBytes, layers: perLayer, paths: wasted };
}

/** A layer's files keyed by path, hard links sharing their target's inode (the index names the first name). */
function layerInodes(entries: readonly LayerEntry[]): Map<string, Inode> {
  const inodes = new Map<string, Inode>();
  for (const entry of entries) if (entry.kind === 'file' && !isDeletion(entry)) inodes.set(entry.path, { bytes: entry.size, names: 1 });
  for (const entry of entries) {
    if (entry.kind !== 'hardlink' || isDeletion(entry)) continue;
    const target = entry.link ?? entry.path;
    let inode = inodes.get(target);
    if (!inode) inodes.set(target, (inode = { bytes: 0, names: 0 })); // a target not indexed: nothing to count
    inode.names++;
  }
  return inodes;
}
