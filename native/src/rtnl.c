/* rtnetlink requests for the bridge network; see rtnl.h for the convention.
 *
 * One request a message, each acknowledged (NLM_F_ACK) before the next: the kernel's
 * answer is the errno, and a netlink round trip costs microseconds, against the
 * milliseconds of starting `ip`. Messages are built in a fixed buffer: the largest (a
 * veth with its peer) is a few hundred bytes. */
#define _GNU_SOURCE
#include "rtnl.h"

#include <errno.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define REQUEST_SIZE 1024
#define REPLY_SIZE 32768

struct request {
  union {
    struct nlmsghdr header;
    char bytes[REQUEST_SIZE];
  } u;
};

static struct nlmsghdr *start(struct request *r, uint16_t type, uint16_t flags, const void *body, size_t body_len) {
  memset(r, 0, sizeof *r);
  struct nlmsghdr *h = &r->u.header;
  h->nlmsg_type = type;
  h->nlmsg_flags = NLM_F_REQUEST | flags;
  h->nlmsg_len = NLMSG_LENGTH(body_len);
  memcpy(NLMSG_DATA(h), body, body_len);
  return h;
}

/* Appends an attribute; the buffer is sized for every message built here, so running
 * out is a bug, reported as EMSGSIZE rather than written past. */
static struct rtattr *put(struct nlmsghdr *h, int *overflow, uint16_t type, const void *data, size_t len) {
  size_t at = NLMSG_ALIGN(h->nlmsg_len);
  if (at + RTA_SPACE(len) > REQUEST_SIZE) {
    *overflow = 1;
    return NULL;
  }
  struct rtattr *a = (struct rtattr *)((char *)h + at);
  a->rta_type = type;
  a->rta_len = (unsigned short)RTA_LENGTH(len);
  if (len) memcpy(RTA_DATA(a), data, len);
  h->nlmsg_len = (uint32_t)(at + RTA_SPACE(len));
  return a;
}

static struct rtattr *put_str(struct nlmsghdr *h, int *overflow, uint16_t type, const char *s) {
  return put(h, overflow, type, s, strlen(s) + 1);
}

static struct rtattr *put_u32(struct nlmsghdr *h, int *overflow, uint16_t type, uint32_t v) {
  return put(h, overflow, type, &v, sizeof v);
}

/* A nested attribute is closed by setting its length to everything appended since. */
static void end_nest(struct nlmsghdr *h, struct rtattr *nest) {
  if (nest) nest->rta_len = (unsigned short)((char *)h + h->nlmsg_len - (char *)nest);
}

int rtnl_open(struct rtnl *nl) {
  nl->seq = 0;
  nl->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (nl->fd < 0) return -errno;
  struct sockaddr_nl local = {.nl_family = AF_NETLINK};
  if (bind(nl->fd, (struct sockaddr *)&local, sizeof local) < 0) {
    int rc = -errno;
    close(nl->fd);
    nl->fd = -1;
    return rc;
  }
  return 0;
}

void rtnl_close(struct rtnl *nl) {
  if (nl->fd >= 0) close(nl->fd);
  nl->fd = -1;
}

static int send_request(struct rtnl *nl, struct nlmsghdr *h) {
  h->nlmsg_seq = ++nl->seq;
  struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
  ssize_t n;
  do n = sendto(nl->fd, h, h->nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof kernel);
  while (n < 0 && errno == EINTR);
  if (n < 0) return -errno;
  return 0;
}

/* Reads the answers to the last request: for each message of ours that is not an error
 * or the end of a dump, `each` (when given) is called; the ACK's errno is returned. */
static int receive(struct rtnl *nl, int (*each)(struct nlmsghdr *, void *), void *ctx) {
  static __thread char reply[REPLY_SIZE] __attribute__((aligned(NLMSG_ALIGNTO)));
  for (;;) {
    ssize_t n;
    do n = recv(nl->fd, reply, sizeof reply, 0);
    while (n < 0 && errno == EINTR);
    if (n < 0) return -errno;
    size_t left = (size_t)n;
    for (struct nlmsghdr *h = (struct nlmsghdr *)reply; NLMSG_OK(h, left); h = NLMSG_NEXT(h, left)) {
      if (h->nlmsg_seq != nl->seq) continue; /* a late answer to an earlier request */
      if (h->nlmsg_type == NLMSG_DONE) return 0;
      if (h->nlmsg_type == NLMSG_ERROR) {
        const struct nlmsgerr *err = NLMSG_DATA(h);
        return err->error; /* 0 is the ACK, else -errno */
      }
      if (each) {
        int rc = each(h, ctx);
        if (rc < 0) return rc;
      }
    }
  }
}

static int talk(struct rtnl *nl, struct nlmsghdr *h, int overflow) {
  if (overflow) return -EMSGSIZE;
  int rc = send_request(nl, h);
  return rc < 0 ? rc : receive(nl, NULL, NULL);
}

struct link_query {
  int index;
  char *kind;
  size_t kind_size;
};

static int on_link(struct nlmsghdr *h, void *ctx) {
  struct link_query *q = ctx;
  if (h->nlmsg_type != RTM_NEWLINK) return 0;
  const struct ifinfomsg *ifi = NLMSG_DATA(h);
  q->index = ifi->ifi_index;
  int len = (int)IFLA_PAYLOAD(h);
  for (struct rtattr *a = IFLA_RTA(ifi); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
    if (a->rta_type != IFLA_LINKINFO || !q->kind) continue;
    int inner = (int)RTA_PAYLOAD(a);
    for (struct rtattr *b = RTA_DATA(a); RTA_OK(b, inner); b = RTA_NEXT(b, inner)) {
      if (b->rta_type != IFLA_INFO_KIND) continue;
      size_t n = RTA_PAYLOAD(b) < q->kind_size - 1 ? RTA_PAYLOAD(b) : q->kind_size - 1;
      memcpy(q->kind, RTA_DATA(b), n);
      q->kind[n] = '\0';
    }
  }
  return 0;
}

int rtnl_link_index(struct rtnl *nl, const char *name, char *kind, size_t kind_size) {
  struct request r;
  struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC};
  int overflow = 0;
  struct nlmsghdr *h = start(&r, RTM_GETLINK, NLM_F_ACK, &ifi, sizeof ifi);
  put_str(h, &overflow, IFLA_IFNAME, name);
  if (overflow) return -EMSGSIZE;
  if (strlen(name) >= IFNAMSIZ) return -EINVAL;
  struct link_query q = {.index = 0, .kind = kind, .kind_size = kind_size};
  if (kind && kind_size) kind[0] = '\0';
  int rc = send_request(nl, h);
  if (rc == 0) rc = receive(nl, on_link, &q);
  if (rc < 0) return rc;
  return q.index > 0 ? q.index : -ENODEV;
}

static int add_link(struct rtnl *nl, const char *name, const char *kind, const unsigned char *mac, const char *peer, int peer_netns_fd) {
  struct request r;
  struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC};
  int overflow = 0;
  struct nlmsghdr *h = start(&r, RTM_NEWLINK, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, &ifi, sizeof ifi);
  put_str(h, &overflow, IFLA_IFNAME, name);
  if (mac) put(h, &overflow, IFLA_ADDRESS, mac, 6);
  struct rtattr *info = put(h, &overflow, IFLA_LINKINFO, NULL, 0);
  put_str(h, &overflow, IFLA_INFO_KIND, kind);
  if (peer) {
    struct rtattr *data = put(h, &overflow, IFLA_INFO_DATA, NULL, 0);
    /* VETH_INFO_PEER carries an ifinfomsg of its own, then the peer's attributes. */
    struct rtattr *p = put(h, &overflow, VETH_INFO_PEER, &ifi, sizeof ifi);
    put_str(h, &overflow, IFLA_IFNAME, peer);
    if (peer_netns_fd >= 0) put_u32(h, &overflow, IFLA_NET_NS_FD, (uint32_t)peer_netns_fd);
    end_nest(h, p);
    end_nest(h, data);
  }
  end_nest(h, info);
  return talk(nl, h, overflow);
}

int rtnl_add_veth(struct rtnl *nl, const char *name, const char *peer, int peer_netns_fd) {
  if (strlen(name) >= IFNAMSIZ || strlen(peer) >= IFNAMSIZ) return -EINVAL;
  return add_link(nl, name, "veth", NULL, peer, peer_netns_fd);
}

int rtnl_add_bridge(struct rtnl *nl, const char *name, const unsigned char *mac) {
  if (strlen(name) >= IFNAMSIZ) return -EINVAL;
  return add_link(nl, name, "bridge", mac, NULL, -1);
}

int rtnl_link_set_mac(struct rtnl *nl, int index, const unsigned char *mac) {
  struct request r;
  struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC, .ifi_index = index};
  int overflow = 0;
  struct nlmsghdr *h = start(&r, RTM_NEWLINK, NLM_F_ACK, &ifi, sizeof ifi);
  put(h, &overflow, IFLA_ADDRESS, mac, 6);
  return talk(nl, h, overflow);
}

int rtnl_link_up(struct rtnl *nl, int index, int master) {
  struct request r;
  struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC, .ifi_index = index, .ifi_flags = IFF_UP, .ifi_change = IFF_UP};
  int overflow = 0;
  struct nlmsghdr *h = start(&r, RTM_NEWLINK, NLM_F_ACK, &ifi, sizeof ifi);
  if (master > 0) put_u32(h, &overflow, IFLA_MASTER, (uint32_t)master);
  return talk(nl, h, overflow);
}

int rtnl_link_del(struct rtnl *nl, int index) {
  struct request r;
  struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC, .ifi_index = index};
  return talk(nl, start(&r, RTM_DELLINK, NLM_F_ACK, &ifi, sizeof ifi), 0);
}

int rtnl_addr_add(struct rtnl *nl, int index, uint32_t address, int prefix) {
  struct request r;
  struct ifaddrmsg ifa = {.ifa_family = AF_INET, .ifa_prefixlen = (unsigned char)prefix, .ifa_scope = RT_SCOPE_UNIVERSE, .ifa_index = (unsigned)index};
  int overflow = 0;
  struct nlmsghdr *h = start(&r, RTM_NEWADDR, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, &ifa, sizeof ifa);
  put(h, &overflow, IFA_LOCAL, &address, sizeof address);
  put(h, &overflow, IFA_ADDRESS, &address, sizeof address);
  return talk(nl, h, overflow);
}

int rtnl_route_default(struct rtnl *nl, int index, uint32_t gateway) {
  struct request r;
  struct rtmsg rtm = {.rtm_family = AF_INET, .rtm_table = RT_TABLE_MAIN, .rtm_protocol = RTPROT_BOOT, .rtm_scope = RT_SCOPE_UNIVERSE, .rtm_type = RTN_UNICAST};
  int overflow = 0;
  struct nlmsghdr *h = start(&r, RTM_NEWROUTE, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, &rtm, sizeof rtm);
  put(h, &overflow, RTA_GATEWAY, &gateway, sizeof gateway);
  put_u32(h, &overflow, RTA_OIF, (uint32_t)index);
  return talk(nl, h, overflow);
}

struct route_walk {
  rtnl_route_fn each;
  void *ctx;
};

static int on_route(struct nlmsghdr *h, void *ctx) {
  struct route_walk *w = ctx;
  if (h->nlmsg_type != RTM_NEWROUTE) return 0;
  const struct rtmsg *rtm = NLMSG_DATA(h);
  if (rtm->rtm_family != AF_INET || rtm->rtm_dst_len == 0) return 0;
  uint32_t dst = 0;
  int oif = 0, len = (int)RTM_PAYLOAD(h);
  for (struct rtattr *a = RTM_RTA(rtm); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
    if (a->rta_type == RTA_DST && RTA_PAYLOAD(a) == sizeof dst) memcpy(&dst, RTA_DATA(a), sizeof dst);
    if (a->rta_type == RTA_OIF && RTA_PAYLOAD(a) == sizeof(uint32_t)) memcpy(&oif, RTA_DATA(a), sizeof oif);
  }
  w->each(w->ctx, dst, rtm->rtm_dst_len, oif);
  return 0;
}

int rtnl_routes4(struct rtnl *nl, rtnl_route_fn each, void *ctx) {
  struct request r;
  struct rtmsg rtm = {.rtm_family = AF_INET};
  struct nlmsghdr *h = start(&r, RTM_GETROUTE, NLM_F_DUMP, &rtm, sizeof rtm);
  int rc = send_request(nl, h);
  if (rc < 0) return rc;
  struct route_walk w = {each, ctx};
  return receive(nl, on_route, &w);
}
