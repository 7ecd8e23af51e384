// The live stats sampler: one timer for every running container (1 Hz by default). Each
// tick reads the host's /proc/stat once, each container's cgroup counters and its network
// namespace's /proc/<pid>/net/dev, in two asynchronous batches (open-files.ts says why
// batches) — it reads files and never starts a process. From the readings it makes
// samples (rates.ts), keeps the last few minutes per container in memory (so a chart
// opened now has history at once), folds them into 10-s points for the on-disk history,
// and hands the tick's samples to subscribers as one batch.
//
// Decisions:
// - A tick that finds the previous one still running is skipped, not queued: a slow disk
//   or a stuck read costs samples, never a pile of reads behind it. Skips are counted.
// - History is recorded whenever the sampler runs and writes history, whether or not anyone
//   subscribes; batches are built only for subscribers. Of the engines on one store only the
//   elected supervisor writes (supervisor/): the others sample for their own clients with
//   writeHistory off, still folding 10-s points so historyOf shows the interval in progress
//   and so a follower elected mid-interval writes that point whole.
// - A container whose cgroup is gone (stopped) is dropped from the tick; its in-memory
//   samples stay for `ringSeconds` (a chart of a just-stopped container still shows them).
// - A container on the bridge is counted from the host's end of its veth pair: one read of
//   the host's /proc/net/dev a tick serves every bridged container (its rx is the veth's
//   tx), instead of one file a container.
// - Otherwise its network namespace is found once per cgroup generation: the target's pid if
//   that process is in the cgroup, else the first process the cgroup lists. The /proc file
//   stays open and keeps reading that namespace (net namespaces live while a file of them
//   is open), so the choice holds until the container restarts.
import os from 'node:os';
import type { CgroupReader, CgroupReading } from './cgroup-reader';
import { HistoryBucket, type HistoryPoint, intervalStart } from './history-point';
import { HistoryStore, type HistoryStoreOptions, onePerInterval } from './history-store';
import { parseProcStat, procStatPath } from './host-cpu';
import { HOST_VETH_PREFIX, hostVethName } from '../network/veth-name';
import { type NetCounters, type NetInterfaceCounters, netDevPath, parseNetDev, readNetDev, sumNetDev } from './net-dev';
import { OpenFiles, type ReadResult } from './open-files';
import { type StatsReading, toSample } from './rates';
import { RingBuffer } from './ring-buffer';
import type { StatsBatch, StatsSample } from './sample';

/** A namespace with loopback only is read one tick in this many (see netDue). */
const LOOPBACK_ONLY_EVERY = 10;

export interface StatsTarget {
  /** The container's id: what samples, ring buffers and history files are keyed by. */
  id: string;
  /** Its cgroup, relative to the engine's parent (Strata's containers: the id). */
  cgroupPath: string;
  /** A process of the container (its init), whose network namespace is read. Optional: the cgroup's processes are asked otherwise. */
  pid?: number | null;
}

/** Called at every tick: the containers to sample now. */
export type StatsTargetSource = () => Promise<readonly StatsTarget[]> | readonly StatsTarget[];

export type StatsListener = (batch: StatsBatch) => void;

export interface StatsSamplerOptions {
  /** Where cgroup counters come from (cgroup-file-reader.ts, or managerReader for a CgroupManager). */
  reader: CgroupReader;
  targets: StatsTargetSource;
  /** Time between ticks (1000 ms). */
  intervalMs?: number;
  /** How much recent history each container keeps in memory (300 s). */
  ringSeconds?: number;
  /** Directory of the on-disk history (`<store root>/stats`); null or absent: no history is kept. */
  historyDir?: string | null;
  history?: HistoryStoreOptions;
  /** Whether finished 10-s points are appended to the history (true); setHistoryWriting changes it. */
  writeHistory?: boolean;
  /** The kept /proc files (share the reader's, so one bound on descriptors covers both). */
  files?: OpenFiles;
  /** Where /proc is (fixtures in tests). */
  procRoot?: string;
  /** The host's RAM, the cap on memory limits (os.totalmem()). */
  hostMemoryBytes?: number;
  /** Clocks (tests): wall ms since the epoch, and a monotonic ms clock for rates. */
  now?: () => number;
  monoNow?: () => number;
  /** Told of read and write failures (a failing container is left out of that tick). */
  onError?: (error: unknown, context: { phase: 'targets' | 'read' | 'history' | 'listener'; id?: string }) => void;
}

export interface StatsSamplerStatus {
  running: boolean;
  intervalMs: number;
  ticks: number;
  skippedTicks: number;
  /** How long the last completed tick took, wall ms. */
  lastTickMs: number | null;
  /** Containers sampled at the last tick. */
  sampled: number;
  errors: number;
  lastError: string | null;
}

/** A container's reading before the tick's stamps (id, times, the host's CPU) are added. */
type PartialReading = Pick<StatsReading, 'cgroup' | 'netPid' | 'net'>;

export type TickOutcome = { skipped: true } | { skipped: false; batch: StatsBatch };

interface Tracked {
  target: StatsTarget;
  ring: RingBuffer<StatsSample>;
  prev: StatsReading | undefined;
  bucket: HistoryBucket | null;
  /** The process whose namespace is read, the generation it was chosen for, and the target pid it came from. */
  netPid: number | null;
  /** Counted from its host veth last tick: its own net/dev is not read. */
  viaVeth: boolean;
  /** /proc/<netPid>/net/dev, worked out once per pid rather than at every tick. */
  netFile: string | null;
  /** What it last read, and how many times: a loopback-only namespace is read one tick in ten. */
  lastNet: NetCounters | null;
  netReads: number;
  /** Which tick in ten reads a loopback-only namespace: spread, so they do not all come at once. */
  netPhase: number;
  netGeneration: number | null;
  netTargetPid: number | null;
  /** Monotonic ms of the last sample; inactive entries are forgotten after ringSeconds. */
  lastSampleMono: number;
  active: boolean;
}

export class StatsSampler {
  readonly intervalMs: number;
  readonly history: HistoryStore | null;
  private readonly reader: CgroupReader;
  private readonly targets: StatsTargetSource;
  private readonly ringCapacity: number;
  private readonly ringMs: number;
  private readonly files: OpenFiles;
  private readonly procRoot: string;
  private readonly hostMemoryBytes: number;
  private readonly now: () => number;
  private readonly monoNow: () => number;
  private readonly onError: StatsSamplerOptions['onError'];
  private readonly tracked = new Map<string, Tracked>();
  private readonly listeners = new Set<StatsListener>();
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<unknown> | null = null;
  private lastTargets: readonly StatsTarget[] = [];
  private writesHistory: boolean;
  private counters = { ticks: 0, skippedTicks: 0, lastTickMs: null as number | null, sampled: 0, errors: 0, lastError: null as string | null };

  constructor(options: StatsSamplerOptions) {
    this.reader = options.reader;
    this.targets = options.targets;
    this.intervalMs = options.intervalMs ?? 1000;
    if (!(this.intervalMs > 0)) throw new RangeError(`stats interval must be positive, not ${this.intervalMs}`);
    this.ringMs = (options.ringSeconds ?? 300) * 1000;
    this.ringCapacity = Math.max(1, Math.ceil(this.ringMs / this.intervalMs));

    // The reader's kept files when it has some (CgroupFileReader), so that one bound on
    // open descriptors covers the cgroup files and /proc alike.
    const readerFiles = (this.reader as { files?: unknown }).files;
    this.files = options.files ?? (readerFiles instanceof OpenFiles ? readerFiles : new OpenFiles());
    this.procRoot = options.procRoot ?? '/proc';
    this.hostMemoryBytes = options.hostMemoryBytes ?? os.totalmem();
    this.now = options.now ?? Date.now;
    // The history's retention runs on the sampler's clock.
    this.history = options.historyDir ? new HistoryStore(options.historyDir, { now: this.now, ...options.history }) : null;
    this.monoNow = options.monoNow ?? (() => performance.now());
    this.onError = options.onError;
    this.writesHistory = options.writeHistory ?? true;
  }

  /** Whether finished points go to disk now (reading the history works either way). */
  get historyWriting(): boolean {
    return this.history !== null && this.writesHistory;
  }

  /** Starts or stops appending finished points: the store's supervisor writes, its followers do not. */
  setHistoryWriting(on: boolean): void {
    this.writesHistory = on;
  }

  get running(): boolean {
    return this.timer !== undefined;
  }

  /** Starts ticking (the first tick at once). Idempotent. */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick(), this.intervalMs);
    // The sampler never keeps a process alive by itself: the window or server does.
    this.timer.unref();
    void this.tick();
  }

  /**
   * Stops ticking, waits for a tick in flight, writes the partial 10-s points to the
   * history and waits for the writes, and closes the files it kept open. The in-memory
   * samples stay (recent()); start() again resumes, with rates null at the first tick.
   */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.inFlight?.catch(() => undefined);
    for (const tracked of this.tracked.values()) this.deactivate(tracked);
    this.files.release(procStatPath(this.procRoot));
    await this.history?.flush();
  }

  /** Adds a listener for every tick's batch; returns the function that removes it. */
  subscribe(listener: StatsListener): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  get subscriberCount(): number {
    return this.listeners.size;
  }

  /** The container's samples of the last `ringSeconds`, oldest first ([] if none). */
  recent(id: string): StatsSample[] {
    return this.tracked.get(id)?.ring.toArray() ?? [];
  }

  /** The latest sample of every container sampled recently. */
  latest(): StatsSample[] {
    const out: StatsSample[] = [];
    for (const tracked of this.tracked.values()) {
      const last = tracked.ring.last();
      if (tracked.active && last) out.push(last);
    }
    return out;
  }

  /**
   * The container's on-disk history (10-s points, last 24 h) plus the interval in
   * progress, oldest first. [] when no history directory was given.
   */
  async historyOf(id: string, options: { sinceMs?: number } = {}): Promise<HistoryPoint[]> {
    if (this.history === null) return [];
    const stored = await this.history.read(id, options);
    const bucket = this.tracked.get(id)?.bucket;
    if (!bucket || bucket.count === 0 || bucket.time < (options.sinceMs ?? -Infinity)) return stored;
    return onePerInterval([...stored, bucket.toPoint()]);
  }

  /**
   * A container's limits were just changed (`update`): its next sample reads them afresh
   * (the reader reads limits one tick in ten). Resolves once a tick already under way —
   * which read the old ones — has published, so no sample after this shows them.
   */
  async limitsChanged(id: string): Promise<void> {
    const tracked = this.tracked.get(id);
    if (tracked) this.reader.limitsChanged?.(tracked.target.cgroupPath);
    await this.inFlight?.catch(() => undefined);
  }

  /** Forgets a container (it was removed): its in-memory samples and its history file. */
  async forget(id: string): Promise<void> {
    // After a tick in flight, which could otherwise bring its samples back.
    await this.inFlight?.catch(() => undefined);
    const tracked = this.tracked.get(id);
    if (tracked) {
      tracked.bucket = null; // not written: the history goes
      this.deactivate(tracked);
      this.tracked.delete(id);
    }
    await this.history?.remove(id);
  }

  status(): StatsSamplerStatus {
    return { running: this.running, intervalMs: this.intervalMs, ...this.counters };
  }

  /**
   * One tick now (the timer calls this; tests call it directly). Resolves with the batch,
   * or `skipped` when the previous tick is still running.
   */
  tick(): Promise<TickOutcome> {
    if (this.inFlight !== null) {
      this.counters.skippedTicks++;
      return Promise.resolve({ skipped: true });
    }
    const run = this.runTick();
    this.inFlight = run;
    return run.finally(() => {
      this.inFlight = null;
    });
  }

  private async runTick(): Promise<TickOutcome> {
    const started = this.monoNow();
    const targets = await this.currentTargets();
    const tracked = targets.map((target) => this.trackedFor(target));
    const time = this.now();
    const monoMs = this.monoNow();
    // Two batches in parallel: every cgroup file, and /proc (stat, the host's net/dev, each
    // container's own net/dev unless its host veth counts it).
    const netFiles = tracked.map((each) => (!each.viaVeth && this.netDue(each) ? each.netFile : null));
    const [cgroups, proc] = await Promise.all([
      this.readCgroups(targets.map((target) => target.cgroupPath)),
      this.files.readBatch([procStatPath(this.procRoot), `${this.procRoot}/net/dev`, ...netFiles.filter((file): file is string => file !== null)]),
    ]);
    const [stat, hostNet, ...nets] = proc;
    if (stat!.error !== undefined) this.report(stat!.error, 'read');
    const host = stat!.text === null ? null : parseProcStat(stat!.text);
    // Only the host ends of veths: the rest of the host's interfaces count no container.
    const hostInterfaces = new Map<string, NetInterfaceCounters>();
    if (hostNet!.text) for (const each of parseNetDev(hostNet!.text, HOST_VETH_PREFIX)) hostInterfaces.set(each.name, each);

    let net = 0;
    const completed = tracked.map((each, i) => {
      const veth = hostInterfaces.get(hostVethName(each.target.id));
      each.viaVeth = veth !== undefined;
      return this.completeReading(each, cgroups[i]!, netFiles[i] === null ? null : nets[net++]!, veth);
    });
    // A promise only where a namespace had to be found again: most ticks have none to wait for.
    const readings = completed.some((each) => each instanceof Promise) ? await Promise.all(completed) : (completed as Array<PartialReading | null>);

    const batch: StatsBatch = [];
    const seen = new Set<string>();
    readings.forEach((reading, i) => {
      if (reading === null) return;
      const each = tracked[i]!;
      seen.add(each.target.id);
      const full: StatsReading = { id: each.target.id, time, monoMs, host, cgroup: reading.cgroup, netPid: reading.netPid, net: reading.net };
      const sample = toSample(each.prev, full, this.hostMemoryBytes);
      each.prev = full;
      each.active = true;
      each.lastSampleMono = monoMs;
      each.ring.push(sample);
      this.record(each, sample);
      batch.push(sample);
    });
    this.sweep(seen, monoMs);

    this.counters.ticks++;
    this.counters.sampled = batch.length;
    this.counters.lastTickMs = this.monoNow() - started;
    if (batch.length > 0 && this.listeners.size > 0) this.emit(batch);
    return { skipped: false, batch };
  }

  private async readCgroups(paths: string[]): Promise<Array<CgroupReading | null | Error>> {
    if (this.reader.readMany) return this.reader.readMany(paths);
    return Promise.all(paths.map((p) => this.reader.read(p).catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))))));
  }

  private async currentTargets(): Promise<readonly StatsTarget[]> {
    try {
      const targets = await this.targets();
      // One entry per id: the first wins.
      const unique = new Map<string, StatsTarget>();
      for (const target of targets) if (!unique.has(target.id)) unique.set(target.id, target);
      this.lastTargets = [...unique.values()];
    } catch (error) {
      // Keep sampling what we knew: a failed listing is no reason to blank every chart.
      this.report(error, 'targets');
    }
    return this.lastTargets;
  }

  private trackedFor(target: StatsTarget): Tracked {
    let tracked = this.tracked.get(target.id);
    if (tracked === undefined) {
      tracked = {
        target, ring: new RingBuffer(this.ringCapacity), prev: undefined, bucket: null,
        netPid: null, viaVeth: false, netFile: null, lastNet: null, netReads: 0, netPhase: this.tracked.size % LOOPBACK_ONLY_EVERY, netGeneration: null, netTargetPid: null, lastSampleMono: this.monoNow(), active: false,
      };
      this.tracked.set(target.id, tracked);
    }
    tracked.target = target;
    return tracked;
  }

  /**
   * Whether to read the container's net/dev this tick. A namespace with loopback only (a
   * Strata container today: no network yet) has nothing to count, so it is read one tick
   * in ten, in case an interface appears; one with an interface, at every tick.
   */
  private netDue(tracked: Tracked): boolean {
    if (tracked.netFile === null || tracked.lastNet === null || tracked.lastNet.interfaces > 0) return true;
    return tracked.netReads % LOOPBACK_ONLY_EVERY === tracked.netPhase;
  }

  /**
   * One container's reading from its part of the batches; null when its cgroup is gone or
   * could not be read. Finds (again) the network namespace when it has to — then, and only
   * then, a promise. `netResult` null: net/dev was not read this tick (none known, or
   * loopback only and not its turn).
   */
  private completeReading(
    tracked: Tracked,
    cgroup: CgroupReading | null | Error,
    netResult: ReadResult | null,
    veth: NetInterfaceCounters | undefined,
  ): PartialReading | null | Promise<PartialReading | null> {
    const { target } = tracked;
    if (cgroup instanceof Error) {
      this.report(cgroup, 'read', target.id);
      return null;
    }
    if (cgroup === null) {
      this.deactivate(tracked);
      return null;
    }
    if (veth !== undefined) {
      // The host end's receive is the container's transmit, and the other way round. A new
      // veth (a restart) comes with a new init pid, so the rates start over.
      tracked.lastNet = { rxBytes: veth.txBytes, txBytes: veth.rxBytes, interfaces: 1 };
      return { cgroup, netPid: target.pid ?? null, net: tracked.lastNet };
    }
    try {
      const knownPid = tracked.netPid;
      tracked.netReads++;
      const counters = netResult === null ? tracked.lastNet : netResult.text ? sumNetDev(parseNetDev(netResult.text)) : null;
      const targetPid = target.pid ?? null;
      // Choose the namespace again after a restart (new cgroup generation), when the engine
      // names another pid, or when the process we read is gone. A choice that found nothing
      // readable is not retried every tick: only when one of those changes.
      const stale = tracked.netGeneration !== cgroup.generation || (targetPid !== null && targetPid !== tracked.netTargetPid) || (knownPid !== null && counters === null);
      if (stale) return this.readingInNewNamespace(tracked, cgroup);
      tracked.lastNet = counters;
      return { cgroup, netPid: counters === null ? null : tracked.netPid, net: counters };
    } catch (error) {
      this.report(error, 'read', target.id);
      return null;
    }
  }

  /** completeReading when the namespace has to be chosen again: which process, and its net/dev. */
  private async readingInNewNamespace(tracked: Tracked, cgroup: CgroupReading): Promise<PartialReading | null> {
    const { target } = tracked;
    try {
      this.releaseNet(tracked);
      const netPid = await this.chooseNetPid(target);
      tracked.netGeneration = cgroup.generation;
      tracked.netTargetPid = target.pid ?? null;
      const counters = netPid === null ? null : await readNetDev(this.files, netPid, this.procRoot);
      if (counters !== null) {
        tracked.netPid = netPid;
        tracked.netFile = netDevPath(netPid!, this.procRoot);
      } else if (netPid !== null) {
        this.files.release(netDevPath(netPid, this.procRoot));
      }
      tracked.lastNet = counters;
      return { cgroup, netPid: counters === null ? null : tracked.netPid, net: counters };
    } catch (error) {
      this.report(error, 'read', target.id);
      return null;
    }
  }

  private async chooseNetPid(target: StatsTarget): Promise<number | null> {
    const inCgroup = await this.reader.pids(target.cgroupPath).catch(() => [] as number[]);
    const hint = target.pid ?? null;
    if (hint !== null && (inCgroup.length === 0 || inCgroup.includes(hint))) return hint;
    return inCgroup[0] ?? null;
  }

  /** Folds a sample into its 10-s point; a point whose interval is over goes to disk. */
  private record(tracked: Tracked, sample: StatsSample): void {
    if (this.history === null) return;
    const start = intervalStart(sample.time, this.history.intervalMs);
    if (tracked.bucket !== null && tracked.bucket.time !== start) this.writeBucket(tracked);
    tracked.bucket ??= new HistoryBucket(start);
    tracked.bucket.add(sample);
  }

  private writeBucket(tracked: Tracked): void {
    const bucket = tracked.bucket;
    tracked.bucket = null;
    if (this.history === null || !this.writesHistory || bucket === null || bucket.count === 0) return;
    const id = tracked.target.id;
    this.history.append(id, bucket.toPoint()).catch((error: unknown) => this.report(error, 'history', id));
  }

  /** A container that stopped or left the targets: write its point, close its files, forget its readings. */
  private deactivate(tracked: Tracked): void {
    this.writeBucket(tracked);
    this.reader.release(tracked.target.cgroupPath);
    this.releaseNet(tracked);
    tracked.netGeneration = null;
    tracked.prev = undefined;
    tracked.active = false;
  }

  /** Closes the kept net/dev of the namespace being read (it holds the namespace alive). */
  private releaseNet(tracked: Tracked): void {
    if (tracked.netFile !== null) this.files.release(tracked.netFile);
    tracked.netPid = null;
    tracked.netFile = null;
    tracked.lastNet = null;
  }

  /** Deactivates containers that were not sampled this tick; forgets those idle past the ring's span. */
  private sweep(seen: Set<string>, monoMs: number): void {
    for (const [id, tracked] of this.tracked) {
      if (seen.has(id)) continue;
      if (tracked.active) this.deactivate(tracked);
      if (monoMs - tracked.lastSampleMono > this.ringMs) this.tracked.delete(id);
    }
  }

  private emit(batch: StatsBatch): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(batch);
      } catch (error) {
        this.report(error, 'listener');
      }
    }
  }

  private report(error: unknown, phase: 'targets' | 'read' | 'history' | 'listener', id?: string): void {
    this.counters.errors++;
    this.counters.lastError = `${phase}${id ? ` ${id}` : ''}: ${(error as Error)?.message ?? String(error)}`;
    this.onError?.(error, { phase, id });
  }
}
