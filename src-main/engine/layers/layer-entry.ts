// One path of one layer, as the layer index records it.

export type EntryKind = 'file' | 'dir' | 'symlink' | 'hardlink' | 'char' | 'block' | 'fifo' | 'whiteout';

/**
 * What this layer did to the path, relative to the layers below: added it, modified it
 * (replaced or changed metadata), deleted it (whiteout, or hidden by an opaque directory),
 * or — for directories only — kept it unchanged while changing something inside.
 */
export type ChangeMark = 'added' | 'modified' | 'deleted' | 'unchanged';

export interface LayerEntry {
  path: string; // relative, normalised, '/'-separated, no leading slash
  kind: EntryKind;
  size: number; // content bytes of files; 0 for everything else (hardlinks share their target's)
  mode: number; // permission bits (07777)
  uid: number;
  gid: number;
  mtime: number; // seconds since the epoch
  link?: string; // symlink target, or the layer path a hardlink points to
  opaque?: boolean; // a directory that hides everything below it in lower layers
  change?: ChangeMark;
}
