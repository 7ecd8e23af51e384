// v1 cpu controller (Documentation/scheduler/sched-bwc.rst, sched-design-CFS.rst), read
// only (the limits are the runtime's to write):
//
// cpu.shares         relative weight, 2…262144, default 1024
// cpu.cfs_period_us  1 000…1 000 000 µs
// cpu.cfs_quota_us   µs of CPU per period across all CPUs, ≥ 1 000, "-1" = unlimited
// cpu.stat           nr_periods / nr_throttled / throttled_time (ns) [/ nr_bursts / burst_time]
//
// CPU *usage* is not here but in the cpuacct controller (cpuacct.ts), which may be joined
// with cpu (`cpu,cpuacct`) or mounted on its own.
import path from 'node:path';
import { readOptional } from '../files';
import type { CgroupStats } from '../manager';
import { keyed, parseFlatKeyed } from '../parse';

export type CpuThrottleStats = Pick<CgroupStats, 'cpuPeriods' | 'cpuThrottledPeriods' | 'cpuThrottledNs'>;

export function cpuStatV1(text: string | null): CpuThrottleStats {
  const stat = text === null ? null : parseFlatKeyed(text);
  return {
    cpuPeriods: keyed(stat, 'nr_periods'),
    cpuThrottledPeriods: keyed(stat, 'nr_throttled'),
    cpuThrottledNs: keyed(stat, 'throttled_time'),
  };
}

export async function readCpuV1(dir: string): Promise<CpuThrottleStats> {
  return cpuStatV1(await readOptional(path.join(dir, 'cpu.stat')));
}
