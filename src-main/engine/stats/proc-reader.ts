// Stats without cgroups: a rootless engine on cgroup v1 gives its containers none
// (rootless/cgroup-access.ts), so the sampler reads their processes in /proc instead, behind
// the same CgroupReader interface. A container's processes are those in its init's pid
// namespace (exec'd processes join it too, though the runtime, not the init, is their
// parent); a container sharing the engine's pid namespace falls back to the init and its
// descendants.
//
//   CPU     Σ utime+stime+cutime+cstime (/proc/<pid>/stat, clock ticks): a child's time
//           moves into its parent's cutime when it is reaped, so the sum does not drop
//           when a short-lived process ends (it does when one reaped by a process outside
//           the container goes: the sampler sees a counter going back, a reset, no spike).
//   memory  Σ VmRSS (/proc/<pid>/status): pages shared between processes count once per
//           process, so this is an upper bound of what a cgroup would charge; no page cache.
//   pids    how many processes.
// Everything else (limits, throttling, OOM, block I/O) is null: unknown, as sample.ts says.
// Samples from this reader are labelled `source: 'proc'`.
import fs from 'node:fs';
import { EMPTY_STATS } from '../cgroups/manager';
import type { CgroupReader, CgroupReading } from './cgroup-reader';

/** USER_HZ: the unit of /proc/<pid>/stat's times, 100 on every architecture Linux ships. */
const CLOCK_TICKS_PER_S = 100;
const NS_PER_TICK = 1e9 / CLOCK_TICKS_PER_S;

export interface ProcTimes {
  ppid: number;
  /** utime, stime, cutime, cstime, in clock ticks. */
  user: number;
  system: number;
  /** Start time since boot, clock ticks: a pid reused by another process has another. */
  start: number;
}

/** Fields of /proc/<pid>/stat (proc(5)); the command name may hold spaces and parentheses, so parsing starts after its last ")". */
export function parseProcPidStat(text: string): ProcTimes | null {
  const close = text.lastIndexOf(')');
  if (close < 0) return null;
  // After ") ": state(3) ppid(4) … utime(14) stime(15) cutime(16) cstime(17) … starttime(22).
  const fields = text.slice(close + 2).trim().split(' ');
  const field = (n: number) => Number(fields[n - 3]);
  const times = { ppid: field(4), user: field(14) + field(16), system: field(15) + field(17), start: field(22) };
  return Object.values(times).every(Number.isFinite) ? times : null;
}

/** VmRSS of /proc/<pid>/status in bytes; 0 for a process without one (a zombie, a kernel thread). */
export function parseVmRss(status: string): number {
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  return match ? Number(match[1]) * 1024 : 0;
}

async function readText(file: string): Promise<string | null> {
  try {
    return await fs.promises.readFile(file, 'utf8');
  } catch {
    return null; // gone since it was listed, or not ours to read
  }
}

async function pidNamespace(procRoot: string, pid: number): Promise<string | null> {
  try {
    return await fs.promises.readlink(`${procRoot}/${pid}/ns/pid`);
  } catch {
    return null;
  }
}

export interface ProcReaderOptions {
  /** The container's init pid, by the id the sampler reads (its target's cgroupPath); null when not running. */
  initPid: (id: string) => number | null;
  /** /proc by default (tests point it elsewhere). */
  procRoot?: string;
}

/** A CgroupReader whose "cgroup" is a container's process tree. */
export class ProcReader implements CgroupReader {
  private readonly procRoot: string;
  /** id → init pid and start time of the last reading, and the generation they stand for. */
  private readonly inits = new Map<string, { pid: number; start: number; generation: number }>();

  constructor(private readonly options: ProcReaderOptions) {
    this.procRoot = options.procRoot ?? '/proc';
  }

  async read(id: string): Promise<CgroupReading | null> {
    const init = this.options.initPid(id);
    if (init === null) return null;
    const initStat = await readText(`${this.procRoot}/${init}/stat`);
    const initTimes = initStat === null ? null : parseProcPidStat(initStat);
    if (initTimes === null) return null; // the container has stopped
    const pids = await this.pids(id);
    const [stats, statuses] = await Promise.all([
      Promise.all(pids.map((pid) => readText(`${this.procRoot}/${pid}/stat`))),
      Promise.all(pids.map((pid) => readText(`${this.procRoot}/${pid}/status`))),
    ]);
    let user = 0;
    let system = 0;
    let rss = 0;
    let count = 0;
    stats.forEach((text, i) => {
      const times = text === null ? null : parseProcPidStat(text);
      if (times === null) return;
      count++;
      user += times.user;
      system += times.system;
      rss += parseVmRss(statuses[i] ?? '');
    });
    return {
      stats: { ...EMPTY_STATS, cpuUsageNs: (user + system) * NS_PER_TICK, cpuUserNs: user * NS_PER_TICK, cpuSystemNs: system * NS_PER_TICK, memoryUsage: rss, memoryWorkingSet: rss, pidsCurrent: count },
      generation: this.generationOf(id, init, initTimes.start),
      blkioSource: null,
      source: 'proc',
    };
  }

  /** The container's processes: its init's pid namespace, or the init and its descendants when it has none of its own. */
  async pids(id: string): Promise<number[]> {
    const init = this.options.initPid(id);
    if (init === null) return [];
    const all = (await fs.promises.readdir(this.procRoot).catch(() => [] as string[])).filter((name) => /^\d+$/.test(name)).map(Number);
    const [containerNs, ownNs] = await Promise.all([pidNamespace(this.procRoot, init), pidNamespace(this.procRoot, process.pid)]);
    if (containerNs !== null && containerNs !== ownNs) {
      const namespaces = await Promise.all(all.map((pid) => pidNamespace(this.procRoot, pid)));
      return all.filter((_, i) => namespaces[i] === containerNs);
    }
    return this.descendants(init, all);
  }

  private async descendants(init: number, all: number[]): Promise<number[]> {
    const parents = await Promise.all(all.map(async (pid) => parseProcPidStat((await readText(`${this.procRoot}/${pid}/stat`)) ?? '')?.ppid ?? null));
    const children = new Map<number, number[]>();
    all.forEach((pid, i) => {
      const parent = parents[i];
      if (parent !== null && parent !== undefined) children.set(parent, [...(children.get(parent) ?? []), pid]);
    });
    const out: number[] = [];
    const todo = all.includes(init) ? [init] : [];
    while (todo.length > 0) {
      const pid = todo.pop()!;
      out.push(pid);
      todo.push(...(children.get(pid) ?? []));
    }
    return out;
  }

  /** A new init (the container restarted) is a new generation: its counters started over. */
  private generationOf(id: string, pid: number, start: number): number {
    const last = this.inits.get(id);
    if (last !== undefined && last.pid === pid && last.start === start) return last.generation;
    const generation = (last?.generation ?? 0) + 1;
    this.inits.set(id, { pid, start, generation });
    return generation;
  }

  release(id: string): void {
    this.inits.delete(id);
  }

  close(): void {
    this.inits.clear();
  }
}
