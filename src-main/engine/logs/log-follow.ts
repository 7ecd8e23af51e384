// Following a container's log: what readLogs gives, then each record as the shim appends
// it, until the caller aborts (or the query's `until` has passed).
//
// The file's directory is watched (fs.watch on the directory sees the file appear, change,
// shrink and be replaced, which a watch on the file itself cannot), and polled every
// POLL_MS as well, for filesystems without inotify and for a directory that does not exist
// yet. Every wake-up re-reads from the last position: events are hints, never data.
//  - A line without its newline stays pending until the newline comes.
//  - A file that shrinks was truncated: reading starts again at 0.
//  - A file replaced (new inode) or created after following began is read from its start.
//    Truncation followed by regrowth past the old position between two looks is not seen.
import fs from 'node:fs';
import type { FileHandle } from 'node:fs/promises';

import type { LogLine } from '../runtime/runtime-binary';
import { LineSplitter } from './log-lines';
import { type CompiledQuery, type LogQuery, compileQuery } from './log-query';
import { openIfExists, readRange, tailStart } from './log-reader';
import { nowNs } from './log-time';
import { DirectoryWatch, Waker } from '../store/file-watch';

export const POLL_MS = 250;

/**
 * The records of readLogs(file, query), then each matching record appended later, until
 * query.signal aborts (or query.until is in the past). The file may not exist yet. It is
 * closed when the iteration ends: on the next step after an abort, or at once on
 * break/return().
 */
export async function* followLogs(file: string, query: LogQuery & { signal: AbortSignal }): AsyncGenerator<LogLine> {
  const { signal } = query;
  const q = compileQuery(query);
  if (signal.aborted) return;
  const wake = new Waker(signal);
  const watch = new DirectoryWatch(file, wake.notify);
  const source = new FollowedFile(file, q);
  try {
    for (;;) {
      for await (const line of source.readNew()) {
        if (signal.aborted) return;
        yield line;
      }
      if (signal.aborted || (q.untilNs !== undefined && nowNs() > q.untilNs)) return;
      await wake.wait(POLL_MS);
      if (signal.aborted) return;
      watch.ensure();
    }
  } finally {
    watch.close();
    wake.dispose();
    await source.close();
  }
}

/** The file being followed: the open handle, its identity, and where reading stands. */
class FollowedFile {
  private fh: FileHandle | undefined;
  private identity = '';
  private splitter = new LineSplitter(0);
  private first = true;

  constructor(
    private readonly file: string,
    private readonly q: CompiledQuery,
  ) {}

  /** The records appended since the last call (the first call: the initial read, with its tail). */
  async *readNew(): AsyncGenerator<LogLine> {
    const first = this.first;
    this.first = false;
    if (this.fh) {
      const { size } = await this.fh.stat();
      if (size < this.splitter.position) this.splitter.reset(0); // truncated
      if (size > this.splitter.position) yield* readRange(this.fh, this.splitter, size, this.q);
    }
    // The name may now point at another file (replaced), or at one (created).
    const current = await statIfExists(this.file);
    if (!current || identityOf(current) === this.identity) return;
    const fh = await openIfExists(this.file);
    if (!fh) return;
    // What the old file held is read; a line it left unfinished will never be finished.
    const { pending, position } = this.splitter;
    if (pending > 0) this.q.skip({ reason: 'incomplete', offset: position - pending, length: pending });
    await this.close();
    this.fh = fh;
    const opened = await fh.stat();
    this.identity = identityOf(opened);
    // Only records there when following began are subject to tail; a later file is new output.
    const start = first ? await tailStart(fh, opened.size, this.q, { completeOnly: true }) : 0;
    this.splitter = new LineSplitter(start);
    yield* readRange(fh, this.splitter, opened.size, this.q);
  }

  async close(): Promise<void> {
    const fh = this.fh;
    this.fh = undefined;
    await fh?.close();
  }
}

function identityOf(stat: fs.Stats): string {
  return `${stat.dev}:${stat.ino}`;
}

async function statIfExists(file: string): Promise<fs.Stats | undefined> {
  try {
    return await fs.promises.stat(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
