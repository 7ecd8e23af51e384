/*
 * rtnl — the few rtnetlink requests the engine's bridge network needs, as plain C for the
 * addon (binding.cc): links (veth pairs, bridges; up, master, delete, look-up), IPv4
 * addresses, the default route, and a dump of the IPv4 routes.
 *
 * Same convention as fsops.h: 0 (or a value ≥ 0) on success, -errno on failure, never
 * touching JavaScript. A socket is bound to the network namespace of the thread that
 * opened it, for its whole life: that is how netattach.c talks to a container's
 * namespace without entering it for more than one socket() call.
 */
#ifndef STRATA_RTNL_H
#define STRATA_RTNL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct rtnl {
  int fd;
  uint32_t seq;
};

/* A NETLINK_ROUTE socket in the calling thread's network namespace. */
int rtnl_open(struct rtnl *nl);
void rtnl_close(struct rtnl *nl);

/* The index of link `name`, and its kind ("veth", "bridge", "" for a device without
 * one) into `kind` when not NULL. -ENODEV when there is none. */
int rtnl_link_index(struct rtnl *nl, const char *name, char *kind, size_t kind_size);

/* A veth pair: `name` here, `peer` in the namespace `peer_netns_fd` (-1: here too). */
int rtnl_add_veth(struct rtnl *nl, const char *name, const char *peer, int peer_netns_fd);

/* A bridge named `name`, down, without IP addresses, with the link address `mac` (6
 * bytes): set, not random, so the kernel never moves it to a port's (see netattach.c). */
int rtnl_add_bridge(struct rtnl *nl, const char *name, const unsigned char *mac);

/* Sets the link address (6 bytes) of link `index`. */
int rtnl_link_set_mac(struct rtnl *nl, int index, const unsigned char *mac);

/* Sets the link up and, when `master` > 0, enslaves it to that link (a bridge). */
int rtnl_link_up(struct rtnl *nl, int index, int master);

int rtnl_link_del(struct rtnl *nl, int index);

/* `address`/`prefix` (network byte order) on the link. */
int rtnl_addr_add(struct rtnl *nl, int index, uint32_t address, int prefix);

/* The default route through `gateway` (network byte order) out of link `index`. */
int rtnl_route_default(struct rtnl *nl, int index, uint32_t gateway);

/* Every IPv4 route with a destination, of every table: `each` gets its destination
 * (network byte order), prefix length and outgoing link index (0: none). */
typedef void (*rtnl_route_fn)(void *ctx, uint32_t dst, int prefix, int oif);
int rtnl_routes4(struct rtnl *nl, rtnl_route_fn each, void *ctx);

#ifdef __cplusplus
}
#endif

#endif /* STRATA_RTNL_H */
