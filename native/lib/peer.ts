// Who is at the other end of a connected Unix socket: the kernel's record of the peer's
// pid, uid, gid and supplementary groups at the moment it connected. Node exposes none of
// it; the system engine's socket (src-main/server/unix-socket-server.ts) admits by it.
import { call, checkFd } from './call';
import { native } from './load';

export interface PeerCredentials {
  pid: number;
  uid: number;
  /** The peer's primary group. */
  gid: number;
  /** Its supplementary groups (SO_PEERGROUPS); null on a kernel older than 4.13, which cannot tell. */
  groups: number[] | null;
}

/**
 * getsockopt(SO_PEERCRED) and getsockopt(SO_PEERGROUPS) on `fd`, a connected Unix socket
 * (an accepted one: net.Socket's `_handle.fd`). A socket that is not a Unix one, or not
 * connected, throws the kernel's ENOTSOCK / ENOTCONN / EINVAL as a NativeSystemError.
 */
export function peerCredentials(fd: number): PeerCredentials {
  checkFd(fd);
  return call(() => native().peerCredentials(fd));
}
