// The stats history on disk: one file per container, `<dir>/<containerId>.jsonl`, kept
// across app restarts (the engine passes `<store root>/stats`).
//
// Format (JSON lines, self-describing so a later version can add columns):
//
//   {"format":"strata-stats-history","version":1,"containerId":"…","intervalMs":10000,"columns":["time","samples","cpuPercent",…]}
//   [1767323040000,10,12.5,48.1,0,3,52428800,…]
//   [1767323050000,10,12.7,…]
//
// The first line is the header; each further line is one interval's point as an array in
// the header's column order (null = unknown). Arrays rather than objects keep a line near
// 150 bytes: 24 h of 10-s points is ~1.3 MB per container. Lines are appended with
// O_APPEND, one write each, so a crash can at worst leave a torn last line, which reading
// skips.
//
// Bounded: points older than the retention (24 h) are dropped by compaction, which
// rewrites the file (temporary file in the same directory, then rename) when its oldest
// point is more than `compactSlackMs` past the retention (about hourly for a long-running
// container) or it grows past `maxFileBytes` (a hard cap whatever the clock does).
//
// Only the store's elected supervisor appends (supervisor/), but an interval may still get
// two points: a supervisor that quits writes its partial point and the follower that takes
// over writes its own. A reader keeps one point per interval (the one summarising more
// samples), so that shows as nothing worse than the loss of a point.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { HISTORY_COLUMNS, type HistoryPoint } from './history-point';
import { historyFile, historyIdOf } from './history-location';

export { historyFile };

export const HISTORY_FORMAT = 'strata-stats-history';
export const HISTORY_VERSION = 1;

export interface HistoryHeader {
  format: typeof HISTORY_FORMAT;
  version: number;
  containerId: string;
  intervalMs: number;
  columns: string[];
}

export interface HistoryStoreOptions {
  /** Interval of one point (10 000 ms). */
  intervalMs?: number;
  /** How long points are kept (24 h). */
  retentionMs?: number;
  /** How far past the retention the oldest point may get before the file is compacted (1 h). */
  compactSlackMs?: number;
  /** Compact when a file grows past this, whatever its points' times (4 MiB). */
  maxFileBytes?: number;
  /** The clock (tests). */
  now?: () => number;
}


export function encodeHeader(id: string, intervalMs: number): string {
  const header: HistoryHeader = { format: HISTORY_FORMAT, version: HISTORY_VERSION, containerId: id, intervalMs, columns: [...HISTORY_COLUMNS] };
  return `${JSON.stringify(header)}\n`;
}

export function encodePoint(point: HistoryPoint): string {
  return `${JSON.stringify(HISTORY_COLUMNS.map((column) => point[column] ?? null))}\n`;
}

export interface DecodedHistory {
  header: HistoryHeader | null;
  points: HistoryPoint[];
}

/**
 * Parses a history file: columns are matched by name (one this version does not know is
 * ignored, one it misses reads as null); torn or malformed lines are skipped. Points come
 * back sorted by time, one per interval.
 */
export function decodeHistory(text: string): DecodedHistory {
  const lines = text.split('\n');
  let header: HistoryHeader | null = null;
  try {
    const first = JSON.parse(lines[0] ?? '') as Partial<HistoryHeader>;
    if (first.format === HISTORY_FORMAT && Array.isArray(first.columns)) header = first as HistoryHeader;
  } catch {
    // no header: nothing in this file can be decoded
  }
  if (header === null) return { header: null, points: [] };
  const index = new Map(header.columns.map((column, i) => [column, i]));
  const points: HistoryPoint[] = [];
  for (const line of lines.slice(1)) {
    if (line === '') continue;
    let row: unknown;
    try {
      row = JSON.parse(line);
    } catch {
      continue;
    }
    if (!Array.isArray(row)) continue;
    const point = {} as Record<string, number | null>;
    for (const column of HISTORY_COLUMNS) {
      const at = index.get(column);
      const value: unknown = at === undefined ? null : row[at];
      point[column] = typeof value === 'number' && Number.isFinite(value) ? value : null;
    }
    if (point.time === null || point.samples === null) continue;
    points.push(point as unknown as HistoryPoint);
  }
  return { header, points: onePerInterval(points) };
}

/** Sorted by time; of two points for the same interval, the one with more samples. */
export function onePerInterval(points: HistoryPoint[]): HistoryPoint[] {
  const byTime = new Map<number, HistoryPoint>();
  for (const point of points) {
    const seen = byTime.get(point.time);
    if (seen === undefined || point.samples > seen.samples) byTime.set(point.time, point);
  }
  return [...byTime.values()].sort((a, b) => a.time - b.time);
}

function errnoOf(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

async function readIfExists(file: string): Promise<string | null> {
  try {
    return await fs.promises.readFile(file, 'utf8');
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return null;
    throw error;
  }
}

/**
 * One O_APPEND write of a whole line. Callbacks, not fs.promises: with 100 containers a
 * point is written for each every 10 s, and fs.promises.appendFile costs three times the
 * CPU (measured: 13 ms against 4 ms per 100 appends).
 */
function appendLine(file: string, line: string): Promise<void> {
  return new Promise((resolve, reject) => {
    fs.open(file, 'a', 0o644, (openError, fd) => {
      if (openError) return reject(openError);
      fs.write(fd, line, (writeError) => fs.close(fd, (closeError) => (writeError ?? closeError ? reject(writeError ?? closeError) : resolve())));
    });
  });
}

/** What this process knows of a file it appends to, so it rarely has to read it. */
interface FileState {
  bytes: number;
  oldest: number | null;
}

export class HistoryStore {
  readonly intervalMs: number;
  readonly retentionMs: number;
  private readonly compactSlackMs: number;
  private readonly maxFileBytes: number;
  private readonly now: () => number;
  private readonly files = new Map<string, FileState>();
  /** One queue per container: appends, compactions and removals never overlap. */
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(
    readonly dir: string,
    options: HistoryStoreOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? 10_000;
    this.retentionMs = options.retentionMs ?? 24 * 3600_000;
    this.compactSlackMs = options.compactSlackMs ?? 3600_000;
    this.maxFileBytes = options.maxFileBytes ?? 4 * 1024 * 1024;
    this.now = options.now ?? Date.now;
  }

  /** Appends one point (queued behind this container's earlier work). */
  async append(id: string, point: HistoryPoint): Promise<void> {
    const file = historyFile(this.dir, id);
    return this.enqueue(id, async () => {
      let state = this.files.get(id) ?? (await this.openState(id, file));
      if (this.needsCompaction(state)) state = await this.compact(id, file);
      const line = encodePoint(point);
      await appendLine(file, line);
      state.bytes += Buffer.byteLength(line);
      state.oldest ??= point.time;
      this.files.set(id, state);
    });
  }

  /** The container's points within the retention, oldest first; [] when it has none. */
  async read(id: string, options: { sinceMs?: number } = {}): Promise<HistoryPoint[]> {
    const file = historyFile(this.dir, id);
    return this.enqueue(id, async () => {
      const text = await readIfExists(file);
      if (text === null) return [];
      const from = Math.max(options.sinceMs ?? -Infinity, this.now() - this.retentionMs);
      return decodeHistory(text).points.filter((point) => point.time >= from);
    });
  }

  /** Deletes a container's history (it was removed). */
  async remove(id: string): Promise<void> {
    const file = historyFile(this.dir, id);
    return this.enqueue(id, async () => {
      this.files.delete(id);
      await fs.promises.rm(file, { force: true });
    });
  }

  /** Ids that have a history file. */
  async ids(): Promise<string[]> {
    let names: string[];
    try {
      names = await fs.promises.readdir(this.dir);
    } catch (error) {
      if (errnoOf(error) === 'ENOENT') return [];
      throw error;
    }
    return names.flatMap((name) => historyIdOf(name) ?? []);
  }

  /**
   * Deletes the history of every container not in `keep` (removed while no engine ran,
   * e.g. by the CLI) and temporary files a crashed compaction left. Returns the ids removed.
   */
  async prune(keep: Iterable<string>): Promise<string[]> {
    const kept = new Set(keep);
    const removed: string[] = [];
    for (const id of await this.ids()) {
      if (kept.has(id)) continue;
      await this.remove(id);
      removed.push(id);
    }
    const names = await fs.promises.readdir(this.dir).catch(() => [] as string[]);
    for (const name of names) {
      if (!name.startsWith('.') || !name.endsWith('.tmp')) continue;
      const file = path.join(this.dir, name);
      const stat = await fs.promises.stat(file).catch(() => null);
      if (stat !== null && this.now() - stat.mtimeMs > 3600_000) await fs.promises.rm(file, { force: true });
    }
    return removed;
  }

  /** Resolves once every queued append, compaction and removal has finished. */
  async flush(): Promise<void> {
    while (this.queues.size > 0) await Promise.allSettled([...this.queues.values()]);
  }

  private enqueue<T>(id: string, work: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(id) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(work);
    const settled = next.catch(() => undefined);
    this.queues.set(id, settled);
    void settled.then(() => {
      if (this.queues.get(id) === settled) this.queues.delete(id);
    });
    return next;
  }

  /**
   * First append in this process: find the file's size and oldest point from its head.
   * A file this version did not write (other columns, no header) is compacted, which
   * rewrites it in the current format, before anything is appended to it.
   */
  private async openState(id: string, file: string): Promise<FileState> {
    await fs.promises.mkdir(this.dir, { recursive: true, mode: 0o700 });
    let handle: fs.promises.FileHandle;
    try {
      handle = await fs.promises.open(file, 'r');
    } catch (error) {
      if (errnoOf(error) !== 'ENOENT') throw error;
      await fs.promises.writeFile(file, encodeHeader(id, this.intervalMs), { flag: 'wx', mode: 0o644 }).catch((e: unknown) => {
        if (errnoOf(e) !== 'EEXIST') throw e; // another engine made it just now
      });
      return this.openState(id, file);
    }
    let head: string;
    let bytes: number;
    let lastByte: string;
    try {
      bytes = (await handle.stat()).size;
      const buffer = Buffer.alloc(Math.min(bytes, 8192));
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
      head = buffer.toString('utf8', 0, bytesRead);
      const tail = Buffer.alloc(1);
      await handle.read(tail, 0, 1, Math.max(0, bytes - 1));
      lastByte = tail.toString('latin1');
    } finally {
      await handle.close();
    }
    // Another version's header, or a torn last line (a crash mid-append) that the next
    // line would be glued to: rewrite first.
    const lines = head.split('\n');
    if (lines[0] !== encodeHeader(id, this.intervalMs).trimEnd() || lastByte !== '\n') return this.compact(id, file);
    let oldest: number | null = null;
    try {
      const row = lines[1] ? (JSON.parse(lines[1]) as unknown) : null;
      if (Array.isArray(row) && typeof row[0] === 'number') oldest = row[0];
    } catch {
      return this.compact(id, file);
    }
    return { bytes, oldest };
  }

  private needsCompaction(state: FileState): boolean {
    if (state.bytes > this.maxFileBytes) return true;
    return state.oldest !== null && state.oldest < this.now() - this.retentionMs - this.compactSlackMs;
  }

  /** Rewrites the file with the points within the retention only, in the current format. */
  private async compact(id: string, file: string): Promise<FileState> {
    const text = (await readIfExists(file)) ?? '';
    const cutoff = this.now() - this.retentionMs;
    let points = decodeHistory(text).points.filter((point) => point.time >= cutoff);
    // Whatever the clock did, never more points than the retention holds.
    const maxPoints = Math.ceil(this.retentionMs / this.intervalMs);
    if (points.length > maxPoints) points = points.slice(-maxPoints);
    const body = encodeHeader(id, this.intervalMs) + points.map(encodePoint).join('');
    const staged = path.join(this.dir, `.${id}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
    await fs.promises.writeFile(staged, body, { flag: 'wx', mode: 0o644 });
    await fs.promises.rename(staged, file);
    const state: FileState = { bytes: Buffer.byteLength(body), oldest: points[0]?.time ?? null };
    this.files.set(id, state);
    return state;
  }
}
