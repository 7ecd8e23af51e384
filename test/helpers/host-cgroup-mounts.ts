// A cgroup hierarchy a test mounts for itself (cgroup-v1-only's net_cls,net_prio, in its
// workspace) is in the host's mount table while it is there: another tool's runtime that
// mirrors the host's cgroup mounts into a container (runc under rootless podman) cannot stat
// it, and its copy of the mount keeps the test's unmount busy. Test files run two at a time,
// so the one that mounts holds this lock across its mount, and the one that runs such a
// runtime holds it around that run.
import fs from 'node:fs';
import { lockFile } from '../../native/lib/index';

const LOCK = '/run/strata-test-host-cgroup-mounts.lock';

/** Waits for the lock; resolves with its release. */
export async function holdHostCgroupMounts(): Promise<() => void> {
  const fd = fs.openSync(LOCK, 'a', 0o600);
  await lockFile(fd, 'exclusive');
  return () => fs.closeSync(fd); // closing the file releases the lock
}
