// v2 cpu controller (Documentation/admin-guide/cgroup-v2.rst, "CPU"), read only: the
// runtime writes cpu.weight (shares → weight: cgroup_v2.c) and cpu.max.
//
// cpu.stat    usage_usec / user_usec / system_usec (always, even without the controller),
//             and with it nr_periods / nr_throttled / throttled_usec [/ nr_bursts / burst_usec].
import path from 'node:path';
import { readOptional } from '../files';
import type { CgroupStats } from '../manager';
import { keyed, parseFlatKeyed } from '../parse';

export type CpuStats = Pick<CgroupStats, 'cpuUsageNs' | 'cpuUserNs' | 'cpuSystemNs' | 'cpuPeriods' | 'cpuThrottledPeriods' | 'cpuThrottledNs'>;

export function cpuStatV2(text: string | null): CpuStats {
  const stat = text === null ? null : parseFlatKeyed(text);
  const ns = (key: string): number | null => {
    const usec = keyed(stat, key);
    return usec === null ? null : usec * 1000;
  };
  return {
    cpuUsageNs: ns('usage_usec'),
    cpuUserNs: ns('user_usec'),
    cpuSystemNs: ns('system_usec'),
    cpuPeriods: keyed(stat, 'nr_periods'),
    cpuThrottledPeriods: keyed(stat, 'nr_throttled'),
    cpuThrottledNs: ns('throttled_usec'),
  };
}

export async function readCpuV2(dir: string): Promise<CpuStats> {
  return cpuStatV2(await readOptional(path.join(dir, 'cpu.stat')));
}
