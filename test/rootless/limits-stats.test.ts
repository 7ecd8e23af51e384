// The rootless engine on this host's cgroup v1, as strata-test in its user namespace
// (userns.ts, inner/limits-stats.ts): no cgroup can be delegated, so limits at create and
// update and pause are refused with the reason (and nothing is written), a restart policy
// still updates, the runtime is given no cgroupsPath, and the engine's stats sampler reads
// a real process tree from /proc, its samples labelled `source: 'proc'`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import type { StatsSample } from '@shared/api/types/stats';
import { V1_REASON } from '../../src-main/engine/rootless/cgroup-access';
import { layoutFromMountinfo } from '../../src-main/engine/cgroups/detect';
import fs from 'node:fs';
import { describeRun, removeUserDir, rootlessSkipReason, runInUserNamespace, userDir } from './userns';

const onV1 = layoutFromMountinfo(fs.readFileSync('/proc/self/mountinfo', 'utf8')).version === 'v1';
const skip = rootlessSkipReason() ?? (onV1 ? null : 'this host is not on cgroup v1 (the v2 delegation is the VM lane’s)');
if (skip) console.warn(`rootless limits and stats: skipped — ${skip}`);

interface Refusal {
  code: string;
  message: string;
}

interface LimitsResult {
  access: { kind: string; reason?: string };
  cgroupsPath: { cgroupsPath?: string };
  limits: { memory: Refusal | null; cpusAndPids: Refusal | null };
  update: { memory: Refusal | null; restart: Refusal | null };
  pause: Refusal | null;
  containers: number;
  samples: StatsSample[];
  flat: { pids: number; source: string; memory: number };
  error?: unknown;
}

describe.skipIf(skip !== null)('rootless on cgroup v1: limits and pause refused, stats from /proc', () => {
  let work: string;
  let result: LimitsResult;

  beforeAll(() => {
    work = userDir('limits');
    const run = runInUserNamespace<LimitsResult>(path.join(import.meta.dirname, 'inner', 'limits-stats.ts'), [work]);
    if (run.result === undefined || run.result.error !== undefined) throw new Error(`the namespace script failed:\n${describeRun(run)}`);
    result = run.result;
  }, 180_000);

  afterAll(() => {
    if (work) removeUserDir(work);
  });

  it('gives containers no cgroup', () => {
    expect(result.access).toEqual({ kind: 'none', reason: V1_REASON });
    expect(result.cgroupsPath).toEqual({});
  });

  it('refuses limits at create (nothing written) and update, with the reason', () => {
    expect(result.limits.memory).toEqual({ code: 'UNSUPPORTED', message: `--memory: ${V1_REASON}` });
    expect(result.limits.cpusAndPids).toEqual({ code: 'UNSUPPORTED', message: `--cpus, --pids-limit: ${V1_REASON}` });
    expect(result.containers).toBe(1); // only the container made without limits
    expect(result.update.memory).toEqual({ code: 'UNSUPPORTED', message: `--memory: ${V1_REASON}` });
    expect(result.update.restart).toBeNull();
  });

  it('refuses pause with the reason', () => {
    expect(result.pause).toEqual({ code: 'UNSUPPORTED', message: `pause: ${V1_REASON}` });
  });

  it("samples a container's processes from /proc, labelled so", () => {
    expect(result.samples).toHaveLength(2);
    const [first, second] = result.samples as [StatsSample, StatsSample];
    for (const sample of result.samples) {
      expect(sample.source).toBe('proc');
      expect(sample.pidsCurrent).toBe(3); // the shell, its busy loop and its sleep
      expect(sample.memoryWorkingSet).toBeGreaterThan(0);
      expect(sample.memoryOomKills).toBeNull();
      expect(sample.pidsLimit).toBeNull();
      expect(sample.blkioReadBytes).toBeNull();
    }
    expect(first.cpuPercent).toBeNull(); // nothing to compare with yet
    expect(second.cpuPercent).toBeGreaterThan(0); // the busy loop ran between the two
  });

  it('finds the processes of a tree without a pid namespace of its own (the init and its descendants)', () => {
    expect(result.flat).toMatchObject({ pids: 3, source: 'proc' });
    expect(result.flat.memory).toBeGreaterThan(0);
  });
});
