// One path of one layer, as the layer index records it.
import type { EntryKind, ChangeMark } from '@shared/api/types/images';

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

/** Wire types, declared once in src-shared. */
export type { EntryKind, ChangeMark };
