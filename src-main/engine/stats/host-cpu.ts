// The host's CPU time, the denominator of `docker stats` CPU %: /proc/stat (proc(5)).
//
//   cpu  511136 472 245610 2602380 19008 0 7852 0 0 0
//   cpu0 241999 261 114030 1330341 3188 0 3209 0 0 0
//   cpu1 …
//
// The `cpu` line sums every CPU, in USER_HZ ticks: user nice system idle iowait irq softirq
// steal guest guest_nice. Like docker (daemon/stats), the total is the first seven fields:
// steal is time the hypervisor took from us, and guest/guest_nice are already counted in
// user/nice. /proc/stat lists only online CPUs, so its `cpuN` lines are the online count
// (what sysconf(_SC_NPROCESSORS_ONLN), docker's `online_cpus`, returns).
import path from 'node:path';
import type { FileReader } from './open-files';

/** USER_HZ is 100 on every Linux architecture the engine runs on (x86, arm, riscv, ppc, s390). */
export const USER_HZ = 100;
const NS_PER_TICK = 1e9 / USER_HZ;

export interface HostCpu {
  /** CPU time of all online CPUs together since boot, ns (user…softirq). */
  totalNs: number;
  onlineCpus: number;
}

/** The totals from /proc/stat text; null when it has no well-formed `cpu` line. */
export function parseProcStat(text: string): HostCpu | null {
  let totalTicks: number | null = null;
  let onlineCpus = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith('cpu')) {
      // The cpu lines come first; stop at `intr`, which can be many kilobytes long.
      if (totalTicks !== null) break;
      continue;
    }
    const fields = line.trim().split(/\s+/);
    const name = fields[0]!;
    if (name === 'cpu') {
      const first7 = fields.slice(1, 8).map(Number);
      if (first7.length < 7 || first7.some((n) => !Number.isFinite(n))) return null;
      totalTicks = first7.reduce((sum, n) => sum + n, 0);
    } else if (/^cpu\d+$/.test(name)) {
      onlineCpus++;
    }
  }
  if (totalTicks === null) return null;
  // A kernel that printed no per-CPU lines still has at least one CPU.
  return { totalNs: totalTicks * NS_PER_TICK, onlineCpus: Math.max(onlineCpus, 1) };
}

export function procStatPath(procRoot = '/proc'): string {
  return path.join(procRoot, 'stat');
}

export async function readHostCpu(files: FileReader, procRoot = '/proc'): Promise<HostCpu | null> {
  const text = await files.read(procStatPath(procRoot));
  return text === null ? null : parseProcStat(text);
}
