// The sampler's cgroup reader: the few files a sample needs, kept open (open-files.ts) and
// parsed by the cgroup drivers' own pure parsers, so both agree on every format.
//
// Files come in two tiers. The fast tier is read at every tick: the counters and gauges a
// chart draws. The slow tier is read on the first reading, every `slowEvery` readings
// (10 s at 1 Hz; each cgroup at its own phase, so 100 containers do not all take the slow
// tier at the same tick) and right after the cgroup was created anew: limits (they change
// only by `update`), OOM counters (the shim records an OOM kill in the container's state
// at once anyway), and on v1 the choice of block I/O file and, for a container without a
// CPU quota, cpu.stat (its throttling counters cannot move without one). And a cgroup
// whose CPU time did not move since its last reading is read for that and its I/O only
// (readMany says why). That keeps an idle v1 container at 1–2 reads per tick where the
// driver's stats() opens and reads ~17 files; and the files of every container go out in
// one batch per tick (readMany). On v1 the parent's cpuacct.usage, which counts every
// container's CPU time, is read first (and the parent's recursive blkio file a quiet
// container is probed with): when they have not moved since a container's last reading,
// it ran nothing and wrote nothing back, and is not read at all — an idle machine reads
// one or two files for every quiet container together (in the batch that also carries the
// sampler's /proc files, so it costs no extra trip to the pool).
//
//   fast, v1  cpuacct.usage  memory.usage_in_bytes  memory.stat  pids.current
//             [cpu.stat with a quota]  [the blkio file, once it has counted bytes]
//   slow, v1  memory.limit_in_bytes  memory.oom_control  pids.max  cpu.cfs_quota_us
//             [cpu.stat without a quota]  [the three blkio files, until one has counted]
//   fast, v2  cpu.stat  memory.current  memory.stat  pids.current  io.stat
//   slow, v2  memory.max  memory.events  pids.max
import path from 'node:path';
import type { CgroupLayout } from '../cgroups/detect';
import { parsePidList } from '../cgroups/files';
import { type CgroupStats, EMPTY_STATS } from '../cgroups/manager';
import { DEFAULT_PARENT, cgroupComponents, underParent } from '../cgroups/paths';
import { parseLimit } from '../cgroups/parse';
import { type BlkioStats, parseIoServiceBytes } from '../cgroups/v1/blkio';
import { cpuStatV1 } from '../cgroups/v1/cpu';
import { cpuacctStats } from '../cgroups/v1/cpuacct';
import { memoryStatsV1 } from '../cgroups/v1/memory';
import { pidsStats } from '../cgroups/v1/pids';
import { cpuStatV2 } from '../cgroups/v2/cpu';
import { ioStatV2 } from '../cgroups/v2/io';
import { memoryStatsV2 } from '../cgroups/v2/memory';
import type { CgroupReader, CgroupReading } from './cgroup-reader';
import { OpenFiles, type ReadResult, readOnce } from './open-files';

/** v1 block I/O byte counters, in the order docker falls back through them. */
export const V1_BLKIO_FILES = [
  'blkio.throttle.io_service_bytes_recursive',
  'blkio.bfq.io_service_bytes_recursive',
  'blkio.io_service_bytes_recursive',
] as const;

export interface CgroupFileReaderOptions {
  /** The engine's parent cgroup (`strata`). */
  parent?: string;
  /** Read the slow tier every this many readings (10). */
  slowEvery?: number;
  /** The kept files; shared with the sampler's /proc reads so one bound covers all. */
  files?: OpenFiles;
}

type Texts = Record<string, string | null>;
/** Files to read, by the key the parsers look them up with; `occasional` for the slow tier's. */
type Plan = Array<[key: string, file: string, occasional: boolean]>;

type V1Dirs = Record<'cpuacct' | 'cpu' | 'memory' | 'pids' | 'blkio', string | null>;
/** The directory of each controller for one cgroup (null: this machine lacks it), or the v2 one. */
type ControllerDirs = { v1: V1Dirs } | { v2: string };

/** What the slow tier last found, kept between its readings. */
interface SlowState {
  texts: Texts;
  /** v1: a CFS quota is set, so cpu.stat's throttling counters move and are read at every tick. */
  quota: boolean;
  /** v1: index into V1_BLKIO_FILES of the file the bytes come from; null if none exists. */
  blkioIndex: number | null;
  /**
   * v1: that file has counted bytes, so it is the one for good: the fast tier reads it at
   * every tick and the others are not read again. Until then the three are read at the
   * slow tier only — on many kernels they stay at 0 for the life of the container (see
   * cgroups/v1/blkio.ts), and reading zeros every second would be waste.
   */
  blkioSettled: boolean;
  /** v1: the chosen file's text as the slow tier last read it. */
  blkioText: string | null;
  /** v1: blkio files this kernel does not have (absent once, absent for good): not asked for again. */
  blkioAbsent: readonly number[];
}

interface PathState {
  dirs: ControllerDirs;
  readings: number;
  /** Which of every `slowEvery` readings takes the slow tier. */
  phase: number;
  generation: number;
  slow: SlowState | null;
  /** The limits changed (limitsChanged): the slow tier is read at the next reading, whatever its turn. */
  limitsDue?: boolean;
  /** The fast tier's files, and the tick's whole plan when the slow tier is due: worked out again only when the slow tier changes them. */
  fastPlan: Plan;
  fullPlan: Plan;
  /** What a quiet cgroup is read for (its CPU time and I/O counters) and the rest of the fast tier; see readMany. */
  probePlan: Plan;
  restPlan: Plan;
  /** The fast tier's texts at the last full reading, and that reading. */
  lastTexts: Texts | null;
  last: CgroupReading | null;
  /** v1: the parent's counters its probe stands for, as read just before its last reading (null: none). */
  parentSignature: string | null;
}

/** One cgroup's part of a tick: its state, and what was read. */
interface Pending {
  index: number;
  state: PathState;
  texts: Texts;
}

export class CgroupFileReader implements CgroupReader {
  readonly files: OpenFiles;
  private readonly parent: string;
  private readonly slowEvery: number;
  private readonly state = new Map<string, PathState>();
  private nextPhase = 0;
  /** v1: the parent's directory in the cpuacct and blkio hierarchies, whose counters include every container's. */
  private readonly parentDirs: { cpuacct: string; blkio: string | null } | null;

  constructor(
    private readonly layout: CgroupLayout,
    options: CgroupFileReaderOptions = {},
  ) {
    this.parent = options.parent ?? DEFAULT_PARENT;
    this.slowEvery = Math.max(1, options.slowEvery ?? 10);
    this.files = options.files ?? new OpenFiles();
    const parentRel = cgroupComponents(this.parent, 'cgroup parent');
    const mounts = layout.version === 'v1' ? layout.controllers : {};
    this.parentDirs = mounts.cpuacct === undefined ? null : { cpuacct: path.join(mounts.cpuacct, ...parentRel), blkio: mounts.blkio === undefined ? null : path.join(mounts.blkio, ...parentRel) };
  }

  limitsChanged(cgroup: string): void {
    const state = this.state.get(cgroup);
    if (state) state.limitsDue = true;
  }

  async read(cgroup: string): Promise<CgroupReading | null> {
    const [result] = await this.readMany([cgroup]);
    if (result instanceof Error) throw result;
    return result ?? null;
  }

  /**
   * Reads many cgroups in one batch: every fast-tier file of every cgroup, and the
   * slow-tier files of the cgroups whose turn it is. (A cgroup found created anew needs
   * its slow tier read again from scratch: a second, small batch.) Per cgroup: its
   * reading, null if it does not exist, or the error that kept it from being read.
   */
  async readMany(cgroups: readonly string[]): Promise<Array<CgroupReading | null | Error>> {
    const out = new Array<CgroupReading | null | Error>(cgroups.length).fill(null);
    const states = cgroups.map((cgroup, i) => {
      try {
        return this.stateOf(cgroup);
      } catch (error) {
        out[i] = error as Error;
        return null;
      }
    });
    const due = states.map((state) => state !== null && (state.slow === null || state.limitsDue === true || state.readings % this.slowEvery === state.phase));
    states.forEach((state, i) => {
      if (state !== null && due[i]) state.limitsDue = false;
    });
    // A cgroup whose CPU time has not moved since its last reading ran nothing: its memory
    // and pids are as they were (but for what the kernel does on its own, such as reclaim,
    // which the full reading at its slow-tier turn catches within `slowEvery` readings). So
    // its CPU time goes first, with the I/O counters (writeback moves them without the
    // cgroup running), and the rest of its fast tier only if the CPU time moved: an idle
    // container costs one or two files a tick, not four or five, and no parsing.
    const probing = states.map((state, i) => state !== null && !due[i] && state.lastTexts !== null && state.probePlan.length > 0);
    // Nothing ran and nothing was written back anywhere under the parent since a cgroup's
    // last reading: a probed cgroup is quiet without a read. (The parent's files are read
    // before any cgroup's, so a reading is at least as new as the parent's counters stored with it.)
    const parentTexts = await this.readParentFiles(states);
    const signatures = this.parentSignatures(states, parentTexts);
    const quiet = new Set<number>();
    probing.forEach((probed, i) => probed && signatures[i] !== null && states[i]!.parentSignature === signatures[i] && quiet.add(i));
    const tickPlans = states.map((state, i) => (state === null || quiet.has(i) ? [] : probing[i] ? state.probePlan : due[i] ? state.fullPlan : state.fastPlan));
    const read = await this.readPlans(tickPlans);
    const moved: number[] = [];
    read.forEach(({ texts, results }, i) => {
      const state = states[i]!;
      if (!probing[i] || quiet.has(i) || results.some((r) => r.error !== undefined || r.reopened || r.text === null)) return;
      const last = state.lastTexts!;
      if (texts[state.probePlan[0]![0]] !== last[state.probePlan[0]![0]]) moved.push(i);
      else if (state.probePlan.every(([key]) => texts[key] === last[key])) quiet.add(i);
      else read[i]!.texts = { ...last, ...texts }; // only the I/O counters moved
    });
    if (moved.length > 0) {
      const rest = await this.readPlans(moved.map((i) => states[i]!.restPlan));
      moved.forEach((i, k) => {
        Object.assign(read[i]!.texts, rest[k]!.texts);
        read[i]!.results.push(...rest[k]!.results);
      });
    }

    const pending: Pending[] = [];
    const afresh: Pending[] = [];
    read.forEach(({ texts, results }, i) => {
      const state = states[i] ?? null;
      if (state === null) return;
      if (quiet.has(i)) {
        // Quiet: the last reading stands.
        state.readings++;
        out[i] = state.last;
        return;
      }
      const failed = results.find((r) => r.error !== undefined);
      if (failed) {
        out[i] = failed.error instanceof Error ? failed.error : new Error(String(failed.error));
        return;
      }
      // On v2, cpu.stat exists in every cgroup, controller or not: without it there is none.
      const gone = 'v2' in state.dirs ? texts.cpuStat === null : results.every((r) => r.text === null);
      if (gone) {
        // The container stopped: nothing of it is worth keeping open.
        this.release(cgroups[i]!);
        return;
      }
      const each = { index: i, state, texts };
      pending.push(each);
      if (results.some((r) => r.reopened && r.text !== null)) {
        // Created anew (a restart): counters start over, and so does what the slow tier knew.
        state.generation++;
        state.slow = null;
        afresh.push(each);
      } else if (due[i]) {
        this.applySlow(state, texts);
      }
    });
    if (afresh.length > 0) {
      const slow = await this.readPlans(afresh.map(({ state }) => slowPlan(state.dirs, null)));
      afresh.forEach(({ state, texts }, i) => this.applySlow(state, Object.assign(texts, slow[i]!.texts)));
    }

    for (const { index, state, texts } of pending) {
      state.readings++;
      const slow = state.slow!;
      const v2 = 'v2' in state.dirs;
      state.lastTexts = texts;
      out[index] = state.last = {
        stats: v2 ? statsV2(texts, slow) : statsV1(texts, slow),
        generation: state.generation,
        // v1: named only once the file has counted bytes; the switch from "nothing counted
        // yet" to a file that counts is a discontinuity for the rates, not I/O.
        blkioSource: v2 ? 'io.stat' : slow.blkioSettled && slow.blkioIndex !== null ? V1_BLKIO_FILES[slow.blkioIndex]! : null,
      };
    }
    // Stored for the probe each cgroup has now (a slow reading may have changed it), from
    // what the parent read before: a file not read then is not read now (it would be newer
    // than the reading), and the next tick probes instead.
    const stored = this.parentSignatures(states, parentTexts);
    states.forEach((state, i) => {
      if (state !== null) state.parentSignature = out[i] === null || out[i] instanceof Error ? null : stored[i]!;
    });
    return out;
  }

  /** v1: the parent's files the cgroups' probes stand for — cpuacct.usage, and each blkio file probed with — read now. */
  private async readParentFiles(states: ReadonlyArray<PathState | null>): Promise<Map<string, string | null>> {
    const dirs = this.parentDirs;
    const texts = new Map<string, string | null>();
    if (dirs === null) return texts;
    const files = new Set([path.join(dirs.cpuacct, 'cpuacct.usage')]);
    for (const state of states) {
      const blkio = state?.probePlan.find(([key]) => key === 'blkio');
      if (blkio !== undefined && dirs.blkio !== null) files.add(path.join(dirs.blkio, path.basename(blkio[1])));
    }
    const read = await this.files.readBatch([...files]);
    [...files].forEach((file, i) => texts.set(file, read[i]!.text));
    return texts;
  }

  /**
   * Per cgroup, the parent's counters its probe stands for, as one string, from `texts`
   * (readParentFiles); null on v2, or when one was not read or could not be.
   */
  private parentSignatures(states: ReadonlyArray<PathState | null>, texts: ReadonlyMap<string, string | null>): Array<string | null> {
    const dirs = this.parentDirs;
    const cpu = dirs === null ? null : (texts.get(path.join(dirs.cpuacct, 'cpuacct.usage')) ?? null);
    if (dirs === null || cpu === null) return states.map(() => null);
    return states.map((state) => {
      const blkio = state?.probePlan.find(([key]) => key === 'blkio');
      if (blkio === undefined) return cpu;
      const io = dirs.blkio === null ? null : (texts.get(path.join(dirs.blkio, path.basename(blkio[1]))) ?? null);
      return io === null ? null : `${cpu}\n${io}`;
    });
  }

  async pids(cgroup: string): Promise<number[]> {
    const { dirs } = this.stateOf(cgroup);
    // v1: the first hierarchy that lists any (a process may sit in some hierarchies' root).
    const candidates = 'v2' in dirs ? [dirs.v2] : [dirs.v1.pids, dirs.v1.memory, dirs.v1.cpu, dirs.v1.cpuacct];
    for (const dir of candidates) {
      if (dir === null) continue;
      const text = await readOnce(path.join(dir, 'cgroup.procs'));
      const pids = text === null ? [] : parsePidList(text);
      if (pids.length > 0) return pids;
    }
    return [];
  }

  release(cgroup: string): void {
    let dirs: ControllerDirs;
    try {
      dirs = this.state.get(cgroup)?.dirs ?? this.dirsOf(cgroup);
    } catch {
      return; // not a valid path: nothing was ever opened for it
    }
    this.state.delete(cgroup);
    for (const dir of 'v2' in dirs ? [dirs.v2] : Object.values(dirs.v1)) if (dir !== null) this.files.releaseDir(dir);
  }

  close(): void {
    this.state.clear();
    this.files.close();
  }

  private stateOf(cgroup: string): PathState {
    let state = this.state.get(cgroup);
    if (state === undefined) {
      // Validated and joined once, not at every tick.
      const dirs = this.dirsOf(cgroup);
      const fast = fastPlan(dirs, null);
      state = { dirs, readings: 0, phase: this.nextPhase++ % this.slowEvery, generation: 0, slow: null, ...plans(fast, slowPlan(dirs, null)), lastTexts: null, last: null, parentSignature: null };
      this.state.set(cgroup, state);
    }
    return state;
  }

  private dirsOf(cgroup: string): ControllerDirs {
    const rel = underParent(this.parent, cgroup);
    if (this.layout.version === 'v2') return { v2: path.join(this.layout.mountPoint, rel) };
    const { controllers } = this.layout;
    const dir = (controller: string): string | null => {
      const mount = controllers[controller];
      return mount === undefined ? null : path.join(mount, rel);
    };
    return { v1: { cpuacct: dir('cpuacct'), cpu: dir('cpu'), memory: dir('memory'), pids: dir('pids'), blkio: dir('blkio') } };
  }

  /** Every file of every plan in one batch; each plan's texts by key, and its raw results. */
  private async readPlans(plans: Plan[]): Promise<Array<{ texts: Texts; results: ReadResult[] }>> {
    const flat = plans.flat();
    const results = await this.files.readBatch(
      flat.map(([, file]) => file),
      // The slow tier's files are kept open too while there is room: read one tick in ten, they matter less.
      { occasional: flat.map(([, , occasional]) => occasional) },
    );
    let at = 0;
    return plans.map((plan) => {
      const mine = results.slice(at, (at += plan.length));
      const texts: Texts = {};
      plan.forEach(([key], i) => (texts[key] = mine[i]!.text));
      return { texts, results: mine };
    });
  }

  /** Takes in what the slow tier just read (`texts` holds this reading's fast and slow files). */
  private applySlow(state: PathState, texts: Texts): void {
    if ('v2' in state.dirs) {
      state.slow = { texts, quota: true, blkioIndex: null, blkioSettled: true, blkioText: null, blkioAbsent: [] };
      return;
    }
    // cpu.cfs_quota_us: "-1" (no quota) parses as null; a number is a quota.
    const quota = typeof parseLimit(texts.cfsQuota ?? null) === 'number';
    const blkio = this.chooseBlkio(state.dirs.v1, texts, state.slow);
    const before = state.slow;
    state.slow = { texts, quota, ...blkio };
    // This reading's bytes come from the file blkioSource names.
    texts.blkio = blkio.blkioText;
    // The plans follow from the quota and the blkio choice: made again only when those changed.
    const samePlans = before !== null && before.quota === quota && before.blkioIndex === blkio.blkioIndex && before.blkioSettled === blkio.blkioSettled && before.blkioAbsent.join() === blkio.blkioAbsent.join();
    if (!samePlans) Object.assign(state, plans(fastPlan(state.dirs, state.slow), slowPlan(state.dirs, state.slow)));
  }

  /**
   * The v1 file the block I/O bytes come from: the first that has counted anything, else
   * the first that exists — as the driver's pickBlkio decides.
   */
  private chooseBlkio(dirs: V1Dirs, texts: Texts, previous: SlowState | null): Pick<SlowState, 'blkioIndex' | 'blkioSettled' | 'blkioText' | 'blkioAbsent'> {
    if (previous?.blkioSettled && previous.blkioIndex !== null) {
      return { blkioIndex: previous.blkioIndex, blkioSettled: true, blkioText: texts.blkio ?? previous.blkioText, blkioAbsent: previous.blkioAbsent };
    }
    const parsed = V1_BLKIO_FILES.map((_, i) => {
      const text = texts[`blkio${i}`] ?? null;
      return text === null ? null : parseIoServiceBytes(text);
    });
    const absent = parsed.flatMap((p, i) => (p === null ? [i] : []));
    const counted = (p: BlkioStats | null): boolean => p !== null && (p.blkioReadBytes ?? 0) + (p.blkioWriteBytes ?? 0) > 0;
    const first = parsed.findIndex(counted);
    const existing = parsed.findIndex((p) => p !== null);
    const index = first >= 0 ? first : existing >= 0 ? existing : null;
    if (first >= 0 && dirs.blkio !== null) {
      // Settled: the others are never read again.
      V1_BLKIO_FILES.forEach((file, i) => i !== first && this.files.release(path.join(dirs.blkio!, file)));
    }
    return { blkioIndex: index, blkioSettled: first >= 0, blkioText: index === null ? null : (texts[`blkio${index}`] ?? null), blkioAbsent: absent };
  }
}

/** The fast tier's keys a quiet cgroup is still read for: CPU time first (whether it ran), then I/O. */
const PROBED = ['cpuacctUsage', 'cpuStat', 'blkio', 'ioStat'];

/** A cgroup's plans from its fast and slow tiers. No probe without a CPU counter to look at. */
function plans(fast: Plan, slow: Plan): Pick<PathState, 'fastPlan' | 'fullPlan' | 'probePlan' | 'restPlan'> {
  const probePlan = fast.filter(([key]) => PROBED.includes(key));
  const hasCpu = probePlan[0]?.[0] === 'cpuacctUsage' || probePlan[0]?.[0] === 'cpuStat';
  return {
    fastPlan: fast,
    fullPlan: [...fast, ...slow],
    probePlan: hasCpu ? probePlan : [],
    restPlan: fast.filter(([key]) => !PROBED.includes(key)),
  };
}

function planOf(entries: Array<[key: string, dir: string | null, file: string]>, occasional: boolean): Plan {
  return entries.filter(([, dir]) => dir !== null).map(([key, dir, file]) => [key, path.join(dir!, file), occasional]);
}

function fastPlan(dirs: ControllerDirs, slow: SlowState | null): Plan {
  if ('v2' in dirs) {
    const dir = dirs.v2;
    return planOf([['cpuStat', dir, 'cpu.stat'], ['memoryCurrent', dir, 'memory.current'], ['memoryStat', dir, 'memory.stat'], ['pidsCurrent', dir, 'pids.current'], ['ioStat', dir, 'io.stat']], false);
  }
  const { cpuacct, cpu, memory, pids, blkio } = dirs.v1;
  const entries: Array<[string, string | null, string]> = [['cpuacctUsage', cpuacct, 'cpuacct.usage'], ['memoryUsage', memory, 'memory.usage_in_bytes'], ['memoryStat', memory, 'memory.stat'], ['pidsCurrent', pids, 'pids.current']];
  if (slow?.quota) entries.push(['cpuStat', cpu, 'cpu.stat']);
  if (slow?.blkioSettled && slow.blkioIndex !== null) entries.push(['blkio', blkio, V1_BLKIO_FILES[slow.blkioIndex]!]);
  return planOf(entries, false);
}

/** The slow tier's files, given what the fast tier (planned from `slow`) already reads. */
function slowPlan(dirs: ControllerDirs, slow: SlowState | null): Plan {
  if ('v2' in dirs) {
    const dir = dirs.v2;
    return planOf([['memoryMax', dir, 'memory.max'], ['memoryEvents', dir, 'memory.events'], ['pidsMax', dir, 'pids.max']], true);
  }
  const { cpu, memory, pids, blkio } = dirs.v1;
  const entries: Array<[string, string | null, string]> = [['memoryLimit', memory, 'memory.limit_in_bytes'], ['oomControl', memory, 'memory.oom_control'], ['pidsMax', pids, 'pids.max'], ['cfsQuota', cpu, 'cpu.cfs_quota_us']];
  // cpu.stat here when the fast tier does not read it (no quota).
  if (!slow?.quota) entries.push(['cpuStat', cpu, 'cpu.stat']);
  if (!slow?.blkioSettled) V1_BLKIO_FILES.forEach((file, i) => slow?.blkioAbsent.includes(i) || entries.push([`blkio${i}`, blkio, file]));
  return planOf(entries, true);
}

function text(texts: Texts, key: string): string | null {
  return texts[key] ?? null;
}

/**
 * The lines of memory.stat the working set needs. memory.stat has 40-odd lines and is
 * read for every container every second; handing the driver's parser only these keeps
 * the parse (and the garbage it makes) from dominating the tick.
 */
export function inactiveFileLines(stat: string | null): string | null {
  if (stat === null) return null;
  let out = '';
  for (const key of ['inactive_file ', 'total_inactive_file ']) {
    const at = stat.startsWith(key) ? 0 : stat.indexOf(`\n${key}`) + 1;
    if (at <= 0 && !stat.startsWith(key)) continue;
    const end = stat.indexOf('\n', at);
    out += `${stat.slice(at, end < 0 ? undefined : end)}\n`;
  }
  return out;
}

function statsV1(fast: Texts, slow: SlowState): CgroupStats {
  return {
    ...EMPTY_STATS,
    ...cpuacctStats({ usage: text(fast, 'cpuacctUsage'), usageUser: null, usageSys: null, stat: null }),
    // With a quota, read this tick; without, as the slow tier last found it.
    ...cpuStatV1(text(fast, 'cpuStat') ?? text(slow.texts, 'cpuStat')),
    ...memoryStatsV1({
      usage: text(fast, 'memoryUsage'),
      limit: text(slow.texts, 'memoryLimit'),
      stat: inactiveFileLines(text(fast, 'memoryStat')),
      memswUsage: null,
      oomControl: text(slow.texts, 'oomControl'),
    }),
    ...pidsStats(text(fast, 'pidsCurrent'), text(slow.texts, 'pidsMax')),
    // Read this tick when settled (or just chosen); else as the slow tier last found it.
    ...parseIoServiceBytes(fast.blkio !== undefined ? fast.blkio : slow.blkioText),
  };
}

function statsV2(fast: Texts, slow: SlowState): CgroupStats {
  return {
    ...EMPTY_STATS,
    ...cpuStatV2(text(fast, 'cpuStat')),
    ...memoryStatsV2({
      current: text(fast, 'memoryCurrent'),
      max: text(slow.texts, 'memoryMax'),
      stat: inactiveFileLines(text(fast, 'memoryStat')),
      swapCurrent: null,
      events: text(slow.texts, 'memoryEvents'),
    }),
    ...pidsStats(text(fast, 'pidsCurrent'), text(slow.texts, 'pidsMax')),
    ...ioStatV2(text(fast, 'ioStat')),
  };
}
