// The cgroup v2 driver on a fixture tree in the kernel's file formats (this host runs
// v1 for cpu, memory and pids, so v2 is checked on files, through the runtime's
// cgroup-setup test verb with STRATA_CGROUP_ROOT and STRATA_CGROUP_DRIVER=v2). The v2
// device program runs on the real kernel: device-rules.test.ts.
import fs from 'node:fs';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import { SHARES_TO_WEIGHT } from '../../fixtures/cgroupfs/shares-to-weight';
import { runRuntime, runtimeFailure } from '../../../src-main/engine/runtime';
import { useWorkspace } from './harness';

const ws = useWorkspace();
const LEAF_FILES: Record<string, string> = {
  'cgroup.controllers': '',
  'cgroup.subtree_control': '',
  'cgroup.procs': '',
  'cgroup.kill': '',
  'cgroup.freeze': '0',
  'cpu.max': 'max 100000',
  'cpu.weight': '100',
  'cpuset.cpus': '',
  'cpuset.mems': '',
  'memory.max': 'max',
  'memory.low': '0',
  'memory.swap.max': 'max',
  'memory.events': 'low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\noom_group_kill 0\n',
  'pids.max': 'max',
};

/** A v2 tree: root with every controller, strata/ and strata/<id>/ as the kernel shows them. */
function fixture(id: string): string {
  const root = fs.mkdtempSync(path.join(ws.dir, 'cgroup2-'));
  const all = 'cpuset cpu io memory hugetlb pids rdma misc\n';
  for (const dir of [root, path.join(root, 'strata'), path.join(root, 'strata', id)]) {
    fs.mkdirSync(dir, { recursive: true });
    for (const [f, v] of Object.entries(LEAF_FILES)) fs.writeFileSync(path.join(dir, f), v);
    fs.writeFileSync(path.join(dir, 'cgroup.controllers'), all);
  }
  return root;
}

const env = (root: string): NodeJS.ProcessEnv => ({ ...process.env, STRATA_CGROUP_ROOT: root, STRATA_CGROUP_DRIVER: 'v2' });

describe('cgroup v2 driver (fixture tree)', () => {
  it('enables controllers down the path and writes the v2 files', async () => {
    const id = ws.id('v2');
    const root = fixture(id);
    const bundle = ws.bundle((c) => {
      c.linux.resources = {
        memory: { limit: 64 * 1024 * 1024, reservation: 16 * 1024 * 1024, swap: 96 * 1024 * 1024 },
        cpu: { shares: 512, quota: 50000, period: 100000, cpus: '0-1', mems: '0' },
        pids: { limit: 50 },
      };
    });
    const r = await ws.rt(['cgroup-setup', '--bundle', bundle, '--pid', '4321', id], { env: env(root) });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const leaf = (f: string): string => fs.readFileSync(path.join(root, 'strata', id, f), 'utf8');
    // io too: the stats read io.stat of every container, limited or not
    expect(fs.readFileSync(path.join(root, 'cgroup.subtree_control'), 'utf8')).toBe('+cpu +cpuset +io +memory +pids');
    expect(fs.readFileSync(path.join(root, 'strata/cgroup.subtree_control'), 'utf8')).toBe('+cpu +cpuset +io +memory +pids');
    expect(leaf('memory.max')).toBe(String(64 * 1024 * 1024));
    expect(leaf('memory.low')).toBe(String(16 * 1024 * 1024));
    expect(leaf('memory.swap.max')).toBe(String(32 * 1024 * 1024)); // OCI swap is memory+swap
    expect(leaf('cpu.weight')).toBe('59'); // shares 512 (see the table test below)
    expect(leaf('cpu.max')).toBe('50000 100000');
    expect(leaf('cpuset.cpus')).toBe('0-1');
    expect(leaf('cpuset.mems')).toBe('0');
    expect(leaf('pids.max')).toBe('50');
    expect(leaf('cgroup.procs')).toBe('4321');
  });

  it('enables the controllers the stats read without any limit (not cpuset), and only those the parent has', async () => {
    const id = ws.id('v2stats');
    const root = fixture(id);
    const r = await ws.rt(['cgroup-setup', '--bundle', ws.bundle((c) => (c.linux.resources = {})), id], { env: env(root) });
    expect(r.stderr).toBe('');
    expect(fs.readFileSync(path.join(root, 'strata/cgroup.subtree_control'), 'utf8')).toBe('+cpu +io +memory +pids');
    // a parent that delegates fewer: what it has, and no error for the others
    fs.writeFileSync(path.join(root, 'strata/cgroup.controllers'), 'cpu memory\n');
    fs.writeFileSync(path.join(root, 'strata/cgroup.subtree_control'), '');
    const again = await ws.rt(['cgroup-setup', '--bundle', ws.bundle((c) => (c.linux.resources = {})), id], { env: env(root) });
    expect(again.stderr).toBe('');
    expect(fs.readFileSync(path.join(root, 'strata/cgroup.subtree_control'), 'utf8')).toBe('+cpu +memory');
  });

  it('writes "max" for unlimited values and a period alone as "max <period>"', async () => {
    const id = ws.id('v2max');
    const root = fixture(id);
    const bundle = ws.bundle((c) => {
      c.linux.resources = { memory: { limit: -1, swap: -1 }, cpu: { period: 250000 }, pids: { limit: -1 } };
    });
    const r = await ws.rt(['cgroup-setup', '--bundle', bundle, id], { env: env(root) });
    expect(r.stderr).toBe('');
    const leaf = (f: string): string => fs.readFileSync(path.join(root, 'strata', id, f), 'utf8');
    expect([leaf('memory.max'), leaf('memory.swap.max'), leaf('cpu.max'), leaf('pids.max')]).toEqual(['max', 'max', 'max 250000', 'max']);
    expect(leaf('cgroup.procs')).toBe(''); // no pid given: nothing joined
  });

  it('refuses a swap limit without a memory limit, and a missing controller, naming the field', async () => {
    const id = ws.id('v2bad');
    const root = fixture(id);
    const b1 = ws.bundle((c) => (c.linux.resources = { memory: { swap: 1024 * 1024 * 1024 } }));
    const r1 = await ws.rt(['cgroup-setup', '--bundle', b1, id], { env: env(root) });
    expect(r1.code).not.toBe(0);
    expect(r1.stderr).toBe('linux.resources.memory.swap: a swap limit needs a memory limit on cgroup v2\n');
    fs.writeFileSync(path.join(root, 'cgroup.controllers'), 'cpu io memory\n');
    const b2 = ws.bundle((c) => (c.linux.resources = { pids: { limit: 5 } }));
    const r2 = await ws.rt(['cgroup-setup', '--bundle', b2, id], { env: env(root) });
    expect(r2.code).not.toBe(0);
    expect(r2.stderr).toBe(`linux.resources: the pids controller is not available in ${root}\n`);
  });

  it('without swap accounting (no memory.swap.max) a swap limit is UNSUPPORTED naming file and value; unlimited swap is no error', async () => {
    const id = ws.id('v2noswap');
    const root = fixture(id);
    fs.rmSync(path.join(root, 'strata', id, 'memory.swap.max'));
    const limited = ws.bundle((c) => (c.linux.resources = { memory: { limit: 64 * 1024 * 1024, swap: 96 * 1024 * 1024 } }));
    const r = await runRuntime(['cgroup-setup', '--bundle', limited, id], { root: ws.root, env: env(root) });
    const failure = runtimeFailure(r.stderr, r.code);
    expect(failure.code).toBe('UNSUPPORTED');
    expect(failure.message).toContain('memory.swap.max');
    expect(failure.message).toContain(String(32 * 1024 * 1024)); // OCI swap is memory+swap: 32 MiB of swap
    expect(fs.existsSync(path.join(root, 'strata', id, 'memory.swap.max'))).toBe(false); // not created

    const unlimited = ws.bundle((c) => (c.linux.resources = { memory: { limit: 32 * 1024 * 1024, swap: -1 } }));
    const ok = await ws.rt(['cgroup-setup', '--bundle', unlimited, id], { env: env(root) });
    expect(ok.stderr).toBe('');
    expect(fs.readFileSync(path.join(root, 'strata', id, 'memory.max'), 'utf8')).toBe(String(32 * 1024 * 1024));
  });

  it('a limit file the kernel does not provide is UNSUPPORTED naming it (v2 limit writes are classed, not INTERNAL)', async () => {
    const id = ws.id('v2nofile');
    const root = fixture(id);
    fs.rmSync(path.join(root, 'strata', id, 'pids.max'));
    const b = ws.bundle((c) => (c.linux.resources = { pids: { limit: 5 } }));
    const r = await runRuntime(['cgroup-setup', '--bundle', b, id], { root: ws.root, env: env(root) });
    const failure = runtimeFailure(r.stderr, r.code);
    expect(failure.code).toBe('UNSUPPORTED');
    expect(failure.message).toContain('pids.max');
  });

  it('converts cpu shares to cpu.weight as the shared table says (the one conversion in Strata)', async () => {
    const id = ws.id('v2weight');
    const root = fixture(id);
    const got: [number, number][] = [];
    for (const [shares] of SHARES_TO_WEIGHT) {
      const bundle = ws.bundle((c) => (c.linux.resources = { cpu: { shares } }));
      const r = await ws.rt(['cgroup-setup', '--bundle', bundle, id], { env: env(root) });
      expect(r.stderr).toBe('');
      got.push([shares, Number(fs.readFileSync(path.join(root, 'strata', id, 'cpu.weight'), 'utf8'))]);
    }
    expect(got).toEqual(SHARES_TO_WEIGHT);
  });
});
