// OCI layer tars mark deletions with `.wh.` files; overlayfs marks them with 0/0 character
// devices and an "opaque" xattr. Unpacking converts the first into the second.
//
// The xattr has two spellings: `trusted.overlay.*` (only the host's root may set or read
// trusted.*) and, for overlay mounted with `userxattr` inside a user namespace (Linux 5.11),
// `user.overlay.*`. The store's mode (store/store-mode.ts) decides which one its layers use:
// the engine's privilege, which a store opened by the other engine is refused for.
//
// An upper dir (a container's, a build step's) is written by whatever mounted it. The rootless
// engine may mount with fuse-overlayfs (containers/fuse-overlay.ts), which writes a notation of
// its own besides overlayfs's: an opaque directory has `user.fuseoverlayfs.opaque=y` (it may
// not set trusted.*) and a `.wh..wh..opq` file; where it may not mknod, a deletion is a
// `.wh.<name>` file; and a directory made where a lower one was deleted also gets a 0/0 device
// named `.wh..opq` (its own bookkeeping). `upperNotation` says what an upper dir may hold.
import { type Privilege, enginePrivilege } from '../rootless/privilege';

export const WHITEOUT_PREFIX = '.wh.';
export const OPAQUE_MARKER = '.wh..wh..opq';
/** fuse-overlayfs's own xattrs (origin, opaque): never content. */
const FUSE_OVERLAY_XATTR_PREFIX = 'user.fuseoverlayfs.';
/** Only this process may set overlay xattrs: any spelling in an archive, or an upper dir, is dropped. */
export const OVERLAY_XATTR_PREFIXES = ['trusted.overlay.', 'user.overlay.', FUSE_OVERLAY_XATTR_PREFIX] as const;

/** Whether `name` is one of overlayfs's (or fuse-overlayfs's) own xattrs, in any spelling. */
export function isOverlayXattr(name: string): boolean {
  return OVERLAY_XATTR_PREFIXES.some((prefix) => name.startsWith(prefix));
}

/** The opaque-directory xattr as this engine's overlay mounts read it. */
export function opaqueXattr(privilege: Privilege = enginePrivilege()): string {
  return privilege === 'root' ? 'trusted.overlay.opaque' : 'user.overlay.opaque';
}

export type WhiteoutKind =
  | { kind: 'opaque' } // every lower entry below this entry's directory is hidden
  | { kind: 'whiteout'; target: string } // the lower entry `target` (a basename) is deleted
  | { kind: 'meta' } // other `.wh..wh.` names are aufs bookkeeping, not content
  | { kind: 'none' };

export function classifyWhiteout(basename: string): WhiteoutKind {
  if (basename === OPAQUE_MARKER) return { kind: 'opaque' };
  if (basename.startsWith(WHITEOUT_PREFIX + WHITEOUT_PREFIX)) return { kind: 'meta' };
  if (basename.startsWith(WHITEOUT_PREFIX)) return { kind: 'whiteout', target: basename.slice(WHITEOUT_PREFIX.length) };
  return { kind: 'none' };
}

/** How an upper dir this engine's mounts wrote marks what it hides below. */
export interface UpperNotation {
  /** The xattrs whose value `y` makes a directory opaque. */
  opaqueXattrs: readonly string[];
  /**
   * fuse-overlayfs's file notation: a `.wh..wh..opq` entry makes its directory opaque, a
   * `.wh.<name>` regular file deletes `<name>`, and no `.wh.` name is content.
   */
  whiteoutFiles: boolean;
}

/** Root mounts the kernel's overlay only; the rootless engine may mount fuse-overlayfs too. */
export function upperNotation(privilege: Privilege = enginePrivilege()): UpperNotation {
  if (privilege === 'root') return { opaqueXattrs: [opaqueXattr(privilege)], whiteoutFiles: false };
  return { opaqueXattrs: [opaqueXattr(privilege), `${FUSE_OVERLAY_XATTR_PREFIX}opaque`], whiteoutFiles: true };
}

export type UpperName = { kind: 'content' } | { kind: 'opaque' } | { kind: 'whiteout'; target: string } | { kind: 'bookkeeping' };

/**
 * What an entry of an upper dir stands for by its name: content, unless the notation has
 * fuse-overlayfs's files and the name is a `.wh.` one — then `opaque` (its directory hides
 * the lower one), the deletion of `target` (a regular file only), or fuse-overlayfs's own
 * bookkeeping (anything else, such as its `.wh..opq` device).
 */
export function classifyUpperName(basename: string, isFile: boolean, notation: UpperNotation): UpperName {
  if (!notation.whiteoutFiles || !basename.startsWith(WHITEOUT_PREFIX)) return { kind: 'content' };
  const meaning = classifyWhiteout(basename);
  if (meaning.kind === 'opaque') return meaning;
  if (meaning.kind === 'whiteout' && isFile && !['', '.', '..'].includes(meaning.target)) return meaning;
  return { kind: 'bookkeeping' };
}
