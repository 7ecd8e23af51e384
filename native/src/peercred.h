/*
 * peercred — who is at the other end of a connected Unix socket, for the N-API binding
 * (binding.cc): the system engine's socket admits root and members of group `strata`.
 *
 * Same convention as fsops.h: 0 on success or -errno, never touching JavaScript.
 */
#ifndef STRATA_PEERCRED_H
#define STRATA_PEERCRED_H

#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

struct strata_peer {
  pid_t pid;
  uid_t uid;
  gid_t gid;
};

/* getsockopt(SO_PEERCRED): the credentials the peer had when it connect()ed (the kernel
 * records them then; they do not follow later setuid calls). A socket that is not a
 * connected Unix socket gives -ENOTCONN or -ENOTSOCK, as the kernel says. */
int strata_peer_credentials(int fd, struct strata_peer *peer);

/* getsockopt(SO_PEERGROUPS) (Linux 4.13+): the peer's supplementary groups at connect
 * time. *groups receives a malloc()ed array the caller frees (NULL when there are none),
 * *count its length. A kernel without SO_PEERGROUPS gives -ENOPROTOOPT. */
int strata_peer_groups(int fd, gid_t **groups, size_t *count);

#ifdef __cplusplus
}
#endif

#endif /* STRATA_PEERCRED_H */
