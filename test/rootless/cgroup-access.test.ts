// Where a rootless engine's containers may have cgroups (rootless/cgroup-access.ts), decided
// on fixture trees: a systemd user session on cgroup v2 (test/fixtures/cgroupfs/v2-delegated,
// copied and given owners as systemd's Delegate=yes gives them), and the refusals' wording.
// The real machine (hybrid v1) is covered by limits.test.ts in a user namespace.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CgroupLayout } from '../../src-main/engine/cgroups/detect';
import {
  type CgroupAccess, V1_REASON, V2_UNDELEGATED_REASON, cgroupAccessFrom, cgroupParent, cgroupsPathOption, checkCgroupFor, checkLimitsAllowed, findDelegatedCgroup, unifiedCgroupPath,
} from '../../src-main/engine/rootless/cgroup-access';

const FIXTURES = path.resolve(import.meta.dirname, '..', 'fixtures', 'cgroupfs');
const PROC_SELF_CGROUP = fs.readFileSync(path.join(FIXTURES, 'v2-delegated-proc-self-cgroup.txt'), 'utf8');
const SERVICE = 'user.slice/user-1000.slice/user@1000.service';
const USER = 1000;
const asRoot = process.getuid?.() === 0;

let tree: string;

beforeEach(() => {
  tree = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-cgroup-access-'));
  fs.cpSync(path.join(FIXTURES, 'v2-delegated'), tree, { recursive: true });
});

afterEach(() => {
  fs.rmSync(tree, { recursive: true, force: true });
});

/** What systemd's Delegate=yes does: the user owns the service's cgroup, the files that delegate it, and everything below. */
function delegate(rel: string, uid: number): void {
  const walk = (dir: string) => {
    fs.chownSync(dir, uid, uid);
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const abs = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(abs);
      else fs.chownSync(abs, uid, uid);
    }
  };
  walk(path.join(tree, rel));
}

describe('the delegated subtree of a systemd user session (cgroup v2)', () => {
  it('reads the process’s unified path from /proc/self/cgroup, and none on a v1-only line set', () => {
    expect(unifiedCgroupPath(PROC_SELF_CGROUP)).toBe(`${SERVICE}/app.slice/strata.scope`);
    expect(unifiedCgroupPath('4:memory:/x\n1:name=systemd:/\n')).toBeNull();
    expect(unifiedCgroupPath('9:name=systemd:/\n0::/\n')).toBe('');
  });

  it.skipIf(!asRoot)('finds the nearest cgroup the user owns that hands controllers down, walking up from its leaf', () => {
    delegate(SERVICE, USER);
    // strata.scope holds the engine's processes and app.slice hands nothing down: the service does.
    expect(findDelegatedCgroup(tree, `${SERVICE}/app.slice/strata.scope`, USER)).toEqual({ path: SERVICE, controllers: ['cpu', 'memory', 'pids'] });
    fs.writeFileSync(path.join(tree, SERVICE, 'app.slice', 'cgroup.subtree_control'), 'memory pids\n');
    expect(findDelegatedCgroup(tree, `${SERVICE}/app.slice/strata.scope`, USER)).toEqual({ path: `${SERVICE}/app.slice`, controllers: ['memory', 'pids'] });
  });

  it.skipIf(!asRoot)('finds none when the session is not delegated, or only part of it is the user’s', () => {
    expect(findDelegatedCgroup(tree, `${SERVICE}/app.slice/strata.scope`, USER)).toBeNull();
    delegate(`${SERVICE}/app.slice`, USER); // the slice is the user's, but it hands nothing down and the service is root's
    expect(findDelegatedCgroup(tree, `${SERVICE}/app.slice/strata.scope`, USER)).toBeNull();
    delegate(SERVICE, USER);
    fs.chownSync(path.join(tree, SERVICE, 'cgroup.subtree_control'), 0, 0); // the directory alone is not a delegation
    expect(findDelegatedCgroup(tree, `${SERVICE}/app.slice/strata.scope`, USER)).toBeNull();
  });

  it.skipIf(!asRoot)('puts a rootless engine’s containers under <delegated>/strata; v1, or v2 without delegation, gives them none', () => {
    delegate(SERVICE, USER);
    const v2 = { version: 'v2', mountPoint: tree } as const;
    const access = cgroupAccessFrom({ privilege: 'rootless', layout: v2, procCgroup: PROC_SELF_CGROUP, uid: USER });
    expect(access).toEqual({ kind: 'delegated', parent: `${SERVICE}/strata`, controllers: ['cpu', 'memory', 'pids'] });
    expect(cgroupsPathOption(access, 'abc')).toEqual({ cgroupsPath: `/${SERVICE}/strata/abc` });
    expect(cgroupParent(access)).toBe(`${SERVICE}/strata`);
    expect(cgroupAccessFrom({ privilege: 'rootless', layout: v2, procCgroup: PROC_SELF_CGROUP, uid: 4242 })).toEqual({ kind: 'none', reason: V2_UNDELEGATED_REASON });
    const v1: CgroupLayout = { version: 'v1', controllers: { memory: '/sys/fs/cgroup/memory' }, hierarchies: ['/sys/fs/cgroup/memory'], unified: null };
    const none = cgroupAccessFrom({ privilege: 'rootless', layout: v1, procCgroup: PROC_SELF_CGROUP, uid: USER });
    expect(none).toEqual({ kind: 'none', reason: V1_REASON });
    expect(cgroupsPathOption(none, 'abc')).toEqual({});
    expect(cgroupAccessFrom({ privilege: 'root', layout: v1, procCgroup: '', uid: 0 })).toEqual({ kind: 'full', parent: 'strata' });
  });
});

describe('limits and pause without a cgroup', () => {
  const none = { kind: 'none', reason: V1_REASON } as const;

  it('refuses every limit with the reason, and lets "unlimited" and no limit through', () => {
    expect(() => checkLimitsAllowed(none, { memory: 64 << 20, pidsLimit: 10 })).toThrow(
      expect.objectContaining({ code: 'UNSUPPORTED', message: `--memory, --pids-limit: ${V1_REASON}` }),
    );
    expect(() => checkLimitsAllowed(none, { cpus: 0.5 })).toThrow(/--cpus: rootless on cgroup v1/);
    expect(() => checkLimitsAllowed(none, {})).not.toThrow();
    expect(() => checkLimitsAllowed(none, { memorySwap: -1, pidsLimit: 0 })).not.toThrow();
    expect(() => checkCgroupFor(none, 'pause')).toThrow(expect.objectContaining({ code: 'UNSUPPORTED', message: `pause: ${V1_REASON}` }));
  });

  it('under a delegation, refuses only the limits whose controller it does not hand down', () => {
    const delegated: CgroupAccess = { kind: 'delegated', parent: `${SERVICE}/strata`, controllers: ['memory', 'pids'] };
    expect(() => checkLimitsAllowed(delegated, { memory: 64 << 20, pidsLimit: 10 })).not.toThrow();
    expect(() => checkLimitsAllowed(delegated, { cpus: 1 })).toThrow(/--cpus: the delegated cgroup .* does not hand down the cpu controller/);
    expect(() => checkCgroupFor(delegated, 'pause')).not.toThrow();
  });
});
