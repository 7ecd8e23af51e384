/* The device rules a container's cgroup gets, whatever the driver: the rules of
 * linux.resources.devices in order, then the devices every container may use (the list
 * runc and crun append too), so a config that starts with "deny a" still has /dev/null.
 * Neither mknod rule lets a node be opened: `c *:* m` and `b *:* m` let a container make
 * nodes (an image's own /dev entries, CAP_MKNOD as docker keeps it) whose use the rules
 * still decide. The v1 driver writes them to devices.allow/deny; the v2 driver compiles
 * them into an eBPF program (cgroup_v2_devices.c). */
#include <stdio.h>
#include <string.h>

#include "runtime.h"

#define RWM DEV_ACC_ALL
static const struct device_rule default_rules[] = {
    {true, 'c', -1, -1, DEV_ACC_MKNOD}, /* c *:* m */
    {true, 'b', -1, -1, DEV_ACC_MKNOD}, /* b *:* m */
    {true, 'c', 1, 3, RWM},             /* /dev/null */
    {true, 'c', 1, 5, RWM},             /* /dev/zero */
    {true, 'c', 1, 7, RWM},             /* /dev/full */
    {true, 'c', 1, 8, RWM},             /* /dev/random */
    {true, 'c', 1, 9, RWM},             /* /dev/urandom */
    {true, 'c', 5, 0, RWM},             /* /dev/tty */
    {true, 'c', 5, 1, RWM},             /* /dev/console */
    {true, 'c', 5, 2, RWM},             /* /dev/ptmx */
    {true, 'c', 136, -1, RWM},          /* /dev/pts/N */
    {true, 'c', 10, 200, RWM},          /* /dev/net/tun */
};
#define N_DEFAULT (sizeof default_rules / sizeof default_rules[0])

struct device_rule *device_rules_effective(const struct resources *r, size_t *n) {
  *n = 0;
  if (!r->has_device_rules) return NULL; /* no policy asked for: the cgroup keeps its parent's */
  struct device_rule *out = xcalloc(r->n_device_rules + N_DEFAULT, sizeof *out);
  memcpy(out, r->device_rules, r->n_device_rules * sizeof *out);
  memcpy(out + r->n_device_rules, default_rules, sizeof default_rules);
  *n = r->n_device_rules + N_DEFAULT;
  return out;
}

void device_rule_v1(const struct device_rule *d, char *buf, size_t len) {
  if (d->type == 'a') {
    snprintf(buf, len, "a");
    return;
  }
  char maj[24] = "*", min[24] = "*", acc[4];
  size_t k = 0;
  if (d->major >= 0) snprintf(maj, sizeof maj, "%lld", (long long)d->major);
  if (d->minor >= 0) snprintf(min, sizeof min, "%lld", (long long)d->minor);
  if (d->access & DEV_ACC_READ) acc[k++] = 'r';
  if (d->access & DEV_ACC_WRITE) acc[k++] = 'w';
  if (d->access & DEV_ACC_MKNOD) acc[k++] = 'm';
  acc[k] = '\0';
  snprintf(buf, len, "%c %s:%s %s", d->type, maj, min, acc);
}
