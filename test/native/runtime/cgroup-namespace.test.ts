// The cgroup namespace and the `cgroup` mount: the namespace's root is the container's
// own cgroup (the init unshares it once it is in that cgroup), so /proc/self/cgroup says
// "/" inside and a cgroup mount at /sys/fs/cgroup shows the container's cgroup only. v2 is
// checked on the cgroup2 tree this hybrid host mounts at /sys/fs/cgroup/unified
// (STRATA_CGROUP_ROOT + STRATA_CGROUP_DRIVER=v2); v1 on the host's controllers.
import fs from 'node:fs';
import path from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import type { OciConfig } from '../../../src-main/engine/runtime';
import { runContainer, useWorkspace } from './harness';
import { cgroupLayout } from '../../helpers/cgroups';

const ws = useWorkspace();
// the cgroup2 tree, found by detection: /sys/fs/cgroup on a v2 host, the hybrid mount (/sys/fs/cgroup/unified here) on a v1 one
const layout = cgroupLayout();
const UNIFIED = layout.version === 'v2' ? layout.mountPoint : (layout.unified ?? '/sys/fs/cgroup/unified');
const v2Env: NodeJS.ProcessEnv = { ...process.env, STRATA_CGROUP_ROOT: UNIFIED, STRATA_CGROUP_DRIVER: 'v2' };
const hasUnified = fs.existsSync(path.join(UNIFIED, 'cgroup.procs'));
const hasV1Pids = fs.existsSync('/sys/fs/cgroup/pids/cgroup.procs');
if (!hasUnified) console.warn(`cgroup-namespace: the cgroup v2 part skipped, no cgroup2 tree at ${UNIFIED}`);
if (!hasV1Pids) console.warn('cgroup-namespace: the cgroup v1 part skipped, this host has no v1 pids hierarchy');
const unifiedParentExisted = fs.existsSync(path.join(UNIFIED, 'strata'));

// What the container sees: its v2 line of /proc/self/cgroup, whether the host's strata
// parent shows under the mount, and how many processes the mount's root cgroup holds —
// counted by the shell itself, so the count is the shell alone (a `cat | wc` pipeline
// counted 2 or 3 as the second fork came before or after the read).
const SCRIPT = 'grep "^0::" /proc/self/cgroup; [ -e /sys/fs/cgroup/strata ] && echo host-tree; n=0; while read -r pid; do n=$((n+1)); done < /sys/fs/cgroup/cgroup.procs; echo $n';

function withCgroupMount(c: OciConfig, cgroupns: boolean): void {
  c.process.args = ['sh', '-c', SCRIPT];
  if (cgroupns) c.linux.namespaces!.push({ type: 'cgroup' });
  c.mounts!.push({ destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'ro'] });
}

async function run(edit: (c: OciConfig) => void, env?: NodeJS.ProcessEnv) {
  const bundle = ws.bundle(edit);
  return runContainer(ws, bundle, ws.id(`ns-${path.basename(bundle)}`), undefined, env);
}

afterAll(() => {
  const parent = path.join(UNIFIED, 'strata');
  if (fs.existsSync(parent)) expect(fs.readdirSync(parent).filter((e) => e.startsWith(ws.id('')))).toEqual([]);
  if (!unifiedParentExisted && fs.existsSync(parent)) {
    try {
      fs.rmdirSync(parent);
    } catch {
      // busy: another suite's containers are in it now
    }
  }
});

describe.skipIf(!hasUnified)('cgroup v2 (the unified tree)', () => {
  it('with a cgroup namespace, /sys/fs/cgroup is the container’s own cgroup2 view', async () => {
    const r = await run((c) => withCgroupMount(c, true), v2Env);
    expect(r.stderr).toBe('');
    // the namespace is rooted at the container's cgroup; its only process is the shell
    expect(r.stdout).toBe('0::/\n1\n');
  });

  it('without one, the mount is a bind of the container’s cgroup, not the host’s tree', async () => {
    const r = await run((c) => withCgroupMount(c, false), v2Env);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^0::\/strata\/[^\n]+\n1\n$/);
  });
});

describe.skipIf(!hasV1Pids)('cgroup v1 (this host’s controllers)', () => {
  it('a cgroup namespace is rooted at the container’s cgroup in every hierarchy', async () => {
    const r = await run((c) => {
      c.process.args = ['sh', '-c', 'grep -E ":(pids|memory):" /proc/self/cgroup | cut -d: -f3'];
      c.linux.namespaces!.push({ type: 'cgroup' });
    });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('/\n/\n');
  });
});
