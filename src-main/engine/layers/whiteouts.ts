// OCI layer tars mark deletions with `.wh.` files; overlayfs marks them with 0/0 character
// devices and an "opaque" xattr. Unpacking converts the first into the second.

export const WHITEOUT_PREFIX = '.wh.';
export const OPAQUE_MARKER = '.wh..wh..opq';
/** Only this process may set overlay xattrs: the same names in an archive are dropped. */
export const OVERLAY_XATTR_PREFIX = 'trusted.overlay.';
export const OPAQUE_XATTR = 'trusted.overlay.opaque';

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
