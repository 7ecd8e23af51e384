// v2 cpu controller (Documentation/admin-guide/cgroup-v2.rst, "CPU").
//
// cpu.weight  1…10000, default 100 (v1 shares are converted: resources.ts sharesToWeight)
// cpu.max     "$MAX $PERIOD": quota µs or "max", then the period; "max 100000" by default.
//             Writing "$MAX" alone keeps the period.
// cpu.stat    usage_usec / user_usec / system_usec (always, even without the controller),
//             and with it nr_periods / nr_throttled / throttled_usec [/ nr_bursts / burst_usec].
import path from 'node:path';
import { StrataError } from '@shared/errors';
import { readOptional, writeValue } from '../files';
import type { CgroupResources, CgroupStats } from '../manager';
import { keyed, parseFlatKeyed } from '../parse';
import { DEFAULT_CPU_PERIOD, cfsBandwidth, sharesToWeight } from '../resources';

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

/** Parses cpu.max: quota null when "max". */
export function parseCpuMax(text: string): { quota: number | null; period: number } {
  const [max, period] = text.trim().split(/\s+/);
  const quota = max === 'max' ? null : Number(max);
  const p = Number(period ?? DEFAULT_CPU_PERIOD);
  if ((quota !== null && !Number.isFinite(quota)) || !Number.isFinite(p)) {
    throw new StrataError('INTERNAL', `unexpected cpu.max ${JSON.stringify(text.trim())}`);
  }
  return { quota, period: p };
}

/** The cpu.max line for a quota (null = unlimited) and period. */
export function cpuMaxValue(quota: number | null, period: number): string {
  return `${quota === null ? 'max' : quota} ${period}`;
}

export async function applyCpuV2(dir: string, r: CgroupResources): Promise<void> {
  if (r.cpuShares !== undefined) await writeValue(path.join(dir, 'cpu.weight'), sharesToWeight(r.cpuShares));
  const { quota, period } = cfsBandwidth(r);
  if (quota === undefined && period === undefined) return;
  const file = path.join(dir, 'cpu.max');
  let value: string;
  if (period === undefined) {
    value = quota === null ? 'max' : String(quota); // keeps the period the cgroup has
  } else if (quota === undefined) {
    // A new period alone: the quota has to be written with it, so keep the current one.
    const current = await readOptional(file);
    value = cpuMaxValue(current === null ? null : parseCpuMax(current).quota, period);
  } else {
    value = cpuMaxValue(quota, period);
  }
  await writeValue(file, value);
}
