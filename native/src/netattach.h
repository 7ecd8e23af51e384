/*
 * netattach — a container's place on a bridge, made in one call without helper processes
 * (what `unshare --net=FILE`, `nsenter … ip -batch` and `ip link set … master` did): a new
 * network namespace kept by a bind mount on a file, a veth pair with one end inside,
 * the address and default route there, the host end on the bridge. And the bridge
 * itself, link removal and the route table, for bridge.ts.
 *
 * Convention of fsops.h: 0 or -errno, and `*step` names what failed (for the error's
 * `syscall`). No JavaScript; runs on a libuv pool thread.
 */
#ifndef STRATA_NETATTACH_H
#define STRATA_NETATTACH_H

#include <stdint.h>

#include "rtnl.h"

#ifdef __cplusplus
extern "C" {
#endif

struct net_attach {
  const char *netns_file; /* made (or reused when empty) and the namespace bound on it */
  const char *host_veth;  /* the host end's name */
  const char *peer;       /* the end inside, "eth0" */
  const char *bridge;     /* an existing bridge the host end joins */
  uint32_t address;       /* inside, network byte order */
  int prefix;
  uint32_t gateway; /* the default route's, network byte order */
};

/* All of it or nothing: on failure the veth is removed, the namespace unmounted and
 * the file removed. */
int net_attach(const struct net_attach *a, const char **step);

/* A new network namespace bound on `netns_file` with `lo` up and nothing else; on failure
 * the file is unmounted and removed. */
int net_netns_create(const char *netns_file, const char **step);

/* A bridge `name` with `address`/`prefix` on it, up, and a random link address of its
 * own, set; removed again when a step fails. -EEXIST when a link of that name is there. */
int net_bridge_create(const char *name, uint32_t address, int prefix, const char **step);

/* Sets the link address of `name` to `mac` (6 bytes): a bridge made without one set keeps
 * its current address from then on. */
int net_link_set_mac(const char *name, const unsigned char *mac, const char **step);

/* Removes link `name` when it is there and, if `kind` is not NULL, of that kind ("veth"):
 * 1 when removed, 0 when there was none, -EEXIST when one of another kind has the name. */
int net_link_delete(const char *name, const char *kind, const char **step);

/* The IPv4 routes of every table, as rtnl_routes4 gives them. */
int net_routes4(rtnl_route_fn each, void *ctx, const char **step);

#ifdef __cplusplus
}
#endif

#endif /* STRATA_NETATTACH_H */
