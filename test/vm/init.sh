#!/bin/sh
# The VM's /init (pid 1), in two stages.
#
# 1. In the initramfs: copy it into a tmpfs and switch_root there. The kernel's rootfs is
#    the root of the initial mount namespace and pivot_root(2) refuses to move it, so a
#    container runtime cannot pivot out of it (runc has --no-pivot for that case; Strata's
#    runtime always pivots).
# 2. On the tmpfs: /proc, /sys, devtmpfs, the unified cgroup hierarchy alone at
#    /sys/fs/cgroup (as on a systemd host booted with cgroup v2), every controller enabled
#    in the root's subtree_control (what systemd does), the modules, then the scenarios.
#    Every line the lane reads starts with "VM-LANE "; the last one is "VM-LANE end".
export PATH=/usr/bin:/bin:/usr/sbin:/sbin
export LD_LIBRARY_PATH=/lib/x86_64-linux-gnu

if [ "$1" != stage2 ]; then
  mount -t proc proc /proc
  mount -t tmpfs -o mode=0755 root /newroot
  for entry in /*; do
    case "$entry" in /newroot|/proc|/sys|/dev) ;; *) cp -a "$entry" /newroot/ ;; esac
  done
  mkdir -p /newroot/proc /newroot/sys /newroot/dev
  umount /proc
  exec switch_root /newroot /init stage2
fi

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts -o newinstance,ptmxmode=0666 devpts /dev/pts
mount -t tmpfs -o mode=1777 shm /dev/shm
mount -t tmpfs -o mode=1777 tmp /tmp
mount -t tmpfs -o mode=0755 run /run
mount -t cgroup2 cgroup2 /sys/fs/cgroup
echo "VM-LANE kernel $(uname -r)"

while read -r module; do
  insmod "$module" || echo "VM-LANE log insmod $module failed"
done < /vm/modules

controllers=$(cat /sys/fs/cgroup/cgroup.controllers)
for controller in $controllers; do
  echo "+$controller" > /sys/fs/cgroup/cgroup.subtree_control || echo "VM-LANE log cannot enable $controller"
done
echo "VM-LANE controllers $(cat /sys/fs/cgroup/cgroup.subtree_control)"

# The disk the device scenario opens: its node is made by devtmpfs once virtio_blk probes it.
for _ in 1 2 3 4 5 6 7 8 9 10; do [ -e /sys/block/vda/dev ] && break; sleep 0.5; done
ip link set lo up 2>/dev/null

cd /strata
node /vm/scenarios.js
echo "VM-LANE end $?"
sync
poweroff -f
