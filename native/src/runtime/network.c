/* Networking the runtime itself does: a new network namespace starts with `lo` down, so
 * nothing inside could reach 127.0.0.1. The init brings it up, as runc and crun do;
 * every other interface is the engine's business. */
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "runtime.h"

/* The interface flags ioctls work on any socket of the namespace; an AF_INET datagram
 * socket is the one every kernel has. */
int net_loopback_up(void) {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return fail_errno("bring up loopback: socket");
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "lo");
  int rc = 0;
  if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0) {
    rc = fail_errno("bring up loopback: read the flags of lo");
  } else if (!(ifr.ifr_flags & IFF_UP)) {
    ifr.ifr_flags |= IFF_UP;
    if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0) rc = fail_errno("bring up loopback: set lo up");
  }
  close(fd);
  return rc;
}
