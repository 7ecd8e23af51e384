// User namespaces: the parent writes uid/gid maps before the init goes on; root in the
// container is an unprivileged id on the host; /dev nodes are binds of the host's.
import fs from 'node:fs';

import { describe, expect, it } from 'vitest';

import type { OciConfig } from '../../../src-main/engine/runtime';
import { inContainer, useWorkspace } from './harness';

const ws = useWorkspace();
// The mapped root is an unprivileged host uid: it must be able to reach the rootfs.
fs.chmodSync(ws.dir, 0o755);

function userns(c: OciConfig, hostId: number): void {
  c.linux.namespaces!.push({ type: 'user' });
  c.linux.uidMappings = [{ containerID: 0, hostID: hostId, size: 65536 }];
  c.linux.gidMappings = [{ containerID: 0, hostID: hostId, size: 65536 }];
}
const hasUserns = fs.existsSync('/proc/self/ns/user') && fs.readFileSync('/proc/sys/user/max_user_namespaces', 'utf8').trim() !== '0';
if (!hasUserns) console.warn('userns: skipped, this kernel has no user namespaces (or max_user_namespaces is 0)');

describe.skipIf(!hasUserns)('user namespaces', () => {
  it('maps container root to an unprivileged host range', async () => {
    const r = await inContainer(
      ws,
      'id -u; id -g; cat /proc/self/uid_map /proc/self/gid_map | tr -s " " | sed "s/^ //"; stat -c %u /bin/busybox; ' +
        'echo data > /dev/null && echo null-ok; hostname; grep NoNewPrivs /proc/self/status',
      (c) => userns(c, 100000),
    );
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('0\n0\n0 100000 65536\n0 100000 65536\n65534\nnull-ok\nstrata-test\nNoNewPrivs:\t1\n');
  });

  it('runs a mapped non-root user', async () => {
    const r = await inContainer(ws, 'id -u; id -G', (c) => {
      c.process.user = { uid: 1000, gid: 1000, additionalGids: [2000] };
      userns(c, 200000);
    });
    expect(r).toEqual({ code: 0, stdout: '1000\n1000 2000\n', stderr: '' });
  });
});
