/* A container's network namespace and veth, made through rtnetlink; see netattach.h.
 *
 * The namespace is made by this pool thread itself: a network namespace belongs to a
 * thread, not to the process, so unshare(CLONE_NEWNET) moves only this thread, which
 * binds /proc/thread-self/ns/net onto the file (as `ip netns add` does), opens a netlink
 * socket there — a socket stays in the namespace it was made in — and goes back with
 * setns before doing anything else. No child process, no exec. */
#define _GNU_SOURCE
#include "netattach.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/random.h>
#include <unistd.h>

#define THREAD_NETNS "/proc/thread-self/ns/net"

static int failed(const char **step, const char *what, int rc) {
  *step = what;
  return rc;
}

/* The thread must be back in the engine's namespace before it runs anyone else's work:
 * a pool thread left in a container's namespace would open every later socket there.
 * setns to a namespace we hold an fd of, with the privilege we just used, does not fail;
 * if it ever did, going on would be worse than stopping. */
static void return_to(int own) {
  if (setns(own, CLONE_NEWNET) < 0) {
    fprintf(stderr, "strata: cannot return a thread to the engine's network namespace: %s\n", strerror(errno));
    abort();
  }
}

static void release_netns(const char *file) {
  umount2(file, MNT_DETACH);
  unlink(file);
}

/* A new namespace bound on `file`; `inside` is a socket in it and `*ns_fd` an fd of it. */
static int new_netns(const char *file, struct rtnl *inside, int *ns_fd, const char **step) {
  int own = open(THREAD_NETNS, O_RDONLY | O_CLOEXEC);
  if (own < 0) return failed(step, "open " THREAD_NETNS, -errno);
  int fd = open(file, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) {
    int rc = -errno;
    close(own);
    return failed(step, "open", rc);
  }
  close(fd);
  if (unshare(CLONE_NEWNET) < 0) {
    int rc = -errno;
    close(own);
    unlink(file);
    return failed(step, "unshare", rc);
  }
  int rc = 0;
  if (mount(THREAD_NETNS, file, NULL, MS_BIND, NULL) < 0) rc = failed(step, "mount", -errno);
  if (rc == 0 && (rc = rtnl_open(inside)) < 0) failed(step, "socket", rc);
  if (rc == 0 && (*ns_fd = open(THREAD_NETNS, O_RDONLY | O_CLOEXEC)) < 0) rc = failed(step, "open " THREAD_NETNS, -errno);
  return_to(own);
  close(own);
  if (rc < 0) {
    rtnl_close(inside);
    release_netns(file);
  }
  return rc;
}

/* The peer's link address, made of its IPv4 address (02:53 then the four bytes: locally
 * administered, unicast). An address is used again by the next container once one is
 * removed; with a random MAC the host and the other containers would keep the old one in
 * their ARP caches and send the new container's first packets nowhere for seconds, until
 * the entry went stale and was probed again. The same IP always comes with the same MAC. */
static void mac_of(uint32_t address, unsigned char mac[6]) {
  const unsigned char *ip = (const unsigned char *)&address; /* network order: a.b.c.d */
  mac[0] = 0x02;
  mac[1] = 0x53;
  memcpy(mac + 2, ip, 4);
}

/* Inside the namespace: lo and the peer up, its link address and address, the default route. */
static int configure_inside(struct rtnl *in, const struct net_attach *a, const char **step) {
  int lo = rtnl_link_index(in, "lo", NULL, 0);
  if (lo < 0) return failed(step, "rtnetlink find lo", lo);
  int rc = rtnl_link_up(in, lo, 0);
  if (rc < 0) return failed(step, "rtnetlink set lo up", rc);
  int peer = rtnl_link_index(in, a->peer, NULL, 0);
  if (peer < 0) return failed(step, "rtnetlink find the veth peer", peer);
  unsigned char mac[6];
  mac_of(a->address, mac);
  if ((rc = rtnl_link_set_mac(in, peer, mac)) < 0) return failed(step, "rtnetlink set the veth peer's address", rc);
  if ((rc = rtnl_addr_add(in, peer, a->address, a->prefix)) < 0) return failed(step, "rtnetlink add address", rc);
  if ((rc = rtnl_link_up(in, peer, 0)) < 0) return failed(step, "rtnetlink set the veth peer up", rc);
  if ((rc = rtnl_route_default(in, peer, a->gateway)) < 0) return failed(step, "rtnetlink add default route", rc);
  return 0;
}

int net_attach(const struct net_attach *a, const char **step) {
  struct rtnl host, in = {.fd = -1, .seq = 0};
  int rc = rtnl_open(&host);
  if (rc < 0) return failed(step, "socket", rc);
  int bridge = rtnl_link_index(&host, a->bridge, NULL, 0);
  if (bridge < 0) {
    rtnl_close(&host);
    return failed(step, "rtnetlink find the bridge", bridge);
  }
  int ns_fd = -1;
  if ((rc = new_netns(a->netns_file, &in, &ns_fd, step)) < 0) {
    rtnl_close(&host);
    return rc;
  }
  int veth = -1;
  rc = rtnl_add_veth(&host, a->host_veth, a->peer, ns_fd);
  if (rc < 0) failed(step, "rtnetlink add veth", rc);
  if (rc == 0 && (veth = rtnl_link_index(&host, a->host_veth, NULL, 0)) < 0) rc = failed(step, "rtnetlink find the veth", veth);
  if (rc == 0) rc = configure_inside(&in, a, step);
  if (rc == 0 && (rc = rtnl_link_up(&host, veth, bridge)) < 0) failed(step, "rtnetlink attach the veth to the bridge", rc);
  if (rc < 0 && veth > 0) rtnl_link_del(&host, veth); /* its peer goes with it */
  close(ns_fd);
  rtnl_close(&in);
  rtnl_close(&host);
  if (rc < 0) release_netns(a->netns_file);
  return rc;
}

/* A namespace with only `lo` (up), for a driver that connects it itself: slirp4netns
 * makes its tap device in it. Made by a thread of its own that ends there, not by the
 * pool thread: the rootless engine is root only in its user namespace, and setns back
 * to the host's network namespace (owned by the initial user namespace) is EPERM for
 * it — a pool thread could never return (new_netns' return_to would abort). */
struct netns_job {
  const char *file;
  const char *step;
  int rc;
};

static void *netns_thread(void *arg) {
  struct netns_job *job = arg;
  int fd = open(job->file, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) {
    job->rc = failed(&job->step, "open", -errno);
    return NULL;
  }
  close(fd);
  if (unshare(CLONE_NEWNET) < 0) {
    job->rc = failed(&job->step, "unshare", -errno);
    unlink(job->file);
    return NULL;
  }
  if (mount(THREAD_NETNS, job->file, NULL, MS_BIND, NULL) < 0) {
    job->rc = failed(&job->step, "mount", -errno);
    unlink(job->file);
    return NULL;
  }
  struct rtnl in = {.fd = -1, .seq = 0};
  int rc = rtnl_open(&in);
  if (rc < 0) failed(&job->step, "socket", rc);
  int lo = rc < 0 ? rc : rtnl_link_index(&in, "lo", NULL, 0);
  if (rc == 0 && lo < 0) rc = failed(&job->step, "rtnetlink find lo", lo);
  if (rc == 0 && (rc = rtnl_link_up(&in, lo, 0)) < 0) failed(&job->step, "rtnetlink set lo up", rc);
  if (in.fd >= 0) rtnl_close(&in);
  if (rc < 0) release_netns(job->file);
  job->rc = rc;
  return NULL; /* the thread ends in the new namespace: nothing else ever runs on it */
}

int net_netns_create(const char *netns_file, const char **step) {
  struct netns_job job = {netns_file, "pthread_create", 0};
  pthread_t thread;
  int rc = pthread_create(&thread, NULL, netns_thread, &job);
  if (rc != 0) return failed(step, "pthread_create", -rc);
  pthread_join(thread, NULL);
  *step = job.step;
  return job.rc;
}

/* A bridge whose link address the kernel chose follows its ports: it takes the lowest of
 * theirs, and changes as containers come and go — the gateway's MAC changing under every
 * container's ARP cache (and under a test that sends frames to it). A random, locally
 * administered unicast address set at creation stays (Docker sets one too). */
int net_bridge_create(const char *name, uint32_t address, int prefix, const char **step) {
  unsigned char mac[6];
  if (getrandom(mac, sizeof mac, 0) != (ssize_t)sizeof mac) return failed(step, "getrandom", -errno);
  mac[0] = (unsigned char)((mac[0] & 0xfe) | 0x02);
  struct rtnl nl;
  int rc = rtnl_open(&nl);
  if (rc < 0) return failed(step, "socket", rc);
  int index = -1;
  if ((rc = rtnl_add_bridge(&nl, name, mac)) < 0) failed(step, "rtnetlink add bridge", rc);
  if (rc == 0 && (index = rtnl_link_index(&nl, name, NULL, 0)) < 0) rc = failed(step, "rtnetlink find the bridge", index);
  if (rc == 0 && (rc = rtnl_addr_add(&nl, index, address, prefix)) < 0) failed(step, "rtnetlink add address", rc);
  if (rc == 0 && (rc = rtnl_link_up(&nl, index, 0)) < 0) failed(step, "rtnetlink set the bridge up", rc);
  if (rc < 0 && index > 0) rtnl_link_del(&nl, index);
  rtnl_close(&nl);
  return rc;
}

int net_link_set_mac(const char *name, const unsigned char *mac, const char **step) {
  struct rtnl nl;
  int rc = rtnl_open(&nl);
  if (rc < 0) return failed(step, "socket", rc);
  int index = rtnl_link_index(&nl, name, NULL, 0);
  if (index < 0) rc = failed(step, "rtnetlink find link", index);
  else if ((rc = rtnl_link_set_mac(&nl, index, mac)) < 0) failed(step, "rtnetlink set link address", rc);
  rtnl_close(&nl);
  return rc;
}

int net_link_delete(const char *name, const char *kind, const char **step) {
  struct rtnl nl;
  int rc = rtnl_open(&nl);
  if (rc < 0) return failed(step, "socket", rc);
  char found[32];
  int index = rtnl_link_index(&nl, name, found, sizeof found);
  if (index == -ENODEV) rc = 0;
  else if (index < 0) rc = failed(step, "rtnetlink find link", index);
  else if (kind && strcmp(found, kind) != 0) rc = failed(step, "rtnetlink delete link", -EEXIST);
  else if ((rc = rtnl_link_del(&nl, index)) == -ENODEV) rc = 0; /* gone in between */
  else if (rc < 0) failed(step, "rtnetlink delete link", rc);
  else rc = 1;
  rtnl_close(&nl);
  return rc;
}

int net_routes4(rtnl_route_fn each, void *ctx, const char **step) {
  struct rtnl nl;
  int rc = rtnl_open(&nl);
  if (rc < 0) return failed(step, "socket", rc);
  if ((rc = rtnl_routes4(&nl, each, ctx)) < 0) failed(step, "rtnetlink dump routes", rc);
  rtnl_close(&nl);
  return rc;
}
