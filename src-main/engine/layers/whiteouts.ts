// OCI layer tars mark deletions with `.wh.` files; overlayfs marks them with 0/0 character
// devices and an "opaque" xattr. Unpacking converts the first into the second.
//
// The xattr has two spellings: `trusted.overlay.*` (only the host's root may set or read
// trusted.*) and, for overlay mounted with `userxattr` inside a user namespace (Linux 5.11),
// `user.overlay.*`. The store's mode (store/store-mode.ts) decides which one its layers use:
// the engine's privilege, which a store opened by the other engine is refused for.
import { type Privilege, enginePrivilege } from '../rootless/privilege';

export const WHITEOUT_PREFIX = '.wh.';
export const OPAQUE_MARKER = '.wh..wh..opq';
/** Only this process may set overlay xattrs: either spelling in an archive, or an upper dir, is dropped. */
export const OVERLAY_XATTR_PREFIXES = ['trusted.overlay.', 'user.overlay.'] as const;

/** Whether `name` is one of overlayfs's own xattrs, in either spelling. */
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
