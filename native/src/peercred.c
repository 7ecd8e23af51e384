/*
 * peercred — SO_PEERCRED and SO_PEERGROUPS (see peercred.h).
 */
#define _GNU_SOURCE
#include "peercred.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/socket.h>

#ifndef SO_PEERGROUPS
#define SO_PEERGROUPS 59 /* <asm-generic/socket.h>; older libc headers lack it */
#endif

int strata_peer_credentials(int fd, struct strata_peer *peer) {
  struct ucred cred;
  socklen_t len = sizeof(cred);
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) return -errno;
  if (len != sizeof(cred)) return -EPROTO;
  peer->pid = cred.pid;
  peer->uid = cred.uid;
  peer->gid = cred.gid;
  return 0;
}

int strata_peer_groups(int fd, gid_t **groups, size_t *count) {
  *groups = NULL;
  *count = 0;
  /* Ask with a guess; the kernel answers ERANGE with the size it needs. A peer may have
   * up to NGROUPS_MAX (65536) groups, so the guess is small and the retry exact. */
  socklen_t len = 64 * sizeof(gid_t);
  for (int attempt = 0; attempt < 2; attempt++) {
    gid_t *buffer = malloc(len ? len : sizeof(gid_t));
    if (!buffer) return -ENOMEM;
    socklen_t got = len;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, buffer, &got) == 0) {
      if (got == 0) {
        free(buffer);
        return 0;
      }
      *groups = buffer;
      *count = got / sizeof(gid_t);
      return 0;
    }
    int error = errno;
    free(buffer);
    if (error != ERANGE) return -error;
    len = got; /* the size the kernel needs */
  }
  return -ERANGE;
}
