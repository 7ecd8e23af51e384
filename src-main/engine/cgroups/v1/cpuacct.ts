// v1 cpuacct controller (Documentation/admin-guide/cgroup-v1/cpuacct.rst): CPU time used
// by the cgroup and its descendants.
//
// cpuacct.usage       total ns
// cpuacct.usage_user  ns in user mode   } since Linux 4.7
// cpuacct.usage_sys   ns in kernel mode }
// cpuacct.stat        "user N / system N" in USER_HZ ticks — the fallback for older kernels
import path from 'node:path';
import { readOptional } from '../files';
import type { CgroupStats } from '../manager';
import { keyed, parseFlatKeyed, parseSingle } from '../parse';

/** USER_HZ is 100 on every Linux architecture the engine runs on: one tick is 10 ms. */
const NS_PER_TICK = 10_000_000;

export type CpuUsageStats = Pick<CgroupStats, 'cpuUsageNs' | 'cpuUserNs' | 'cpuSystemNs'>;

export interface CpuacctFiles {
  usage: string | null;
  usageUser: string | null;
  usageSys: string | null;
  stat: string | null;
}

export function cpuacctStats(files: CpuacctFiles): CpuUsageStats {
  const ticks = files.stat === null ? null : parseFlatKeyed(files.stat);
  const fromTicks = (key: string): number | null => {
    const n = keyed(ticks, key);
    return n === null ? null : n * NS_PER_TICK;
  };
  return {
    cpuUsageNs: parseSingle(files.usage),
    cpuUserNs: parseSingle(files.usageUser) ?? fromTicks('user'),
    cpuSystemNs: parseSingle(files.usageSys) ?? fromTicks('system'),
  };
}

export async function readCpuacct(dir: string): Promise<CpuUsageStats> {
  const [usage, usageUser, usageSys, stat] = await Promise.all(
    ['cpuacct.usage', 'cpuacct.usage_user', 'cpuacct.usage_sys', 'cpuacct.stat'].map((f) => readOptional(path.join(dir, f))),
  );
  return cpuacctStats({ usage: usage ?? null, usageUser: usageUser ?? null, usageSys: usageSys ?? null, stat: stat ?? null });
}
