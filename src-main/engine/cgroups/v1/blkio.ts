// v1 blkio controller (Documentation/admin-guide/cgroup-v1/blkio-controller.rst): bytes
// read and written, from the "recursive" files (this cgroup and its descendants).
//
//   8:0 Read 4096
//   8:0 Write 8192
//   8:0 Sync 8192
//   8:0 Async 4096
//   8:0 Discard 0
//   8:0 Total 12288
//   Total 12288
//
// Three files may hold these counts, and which one moves depends on the kernel and the
// device: blkio.throttle.io_service_bytes_recursive (blk-throttle; on Linux 6.18 here it
// counts only bios to devices that have a throttle rule, so it reads 0 on an unthrottled
// disk), blkio.bfq.io_service_bytes_recursive (devices using the BFQ scheduler) and the
// CFQ-era blkio.io_service_bytes_recursive (kernels before 5.0). The first that has
// counted anything wins, throttle first, as docker falls back from one to another. When
// none has, the reading is 0 — v1 does not keep per-cgroup I/O bytes for such devices;
// v2's io.stat always does.
import path from 'node:path';
import { readOptional } from '../files';
import type { CgroupStats } from '../manager';

export type BlkioStats = Pick<CgroupStats, 'blkioReadBytes' | 'blkioWriteBytes'>;

/** Sums the Read and Write lines over devices; null when the file is absent. */
export function parseIoServiceBytes(text: string | null): BlkioStats {
  if (text === null) return { blkioReadBytes: null, blkioWriteBytes: null };
  let read = 0;
  let write = 0;
  for (const line of text.split('\n')) {
    const [device, op, value, extra] = line.trim().split(/\s+/);
    if (device === undefined || !/^\d+:\d+$/.test(device) || value === undefined || extra !== undefined) continue;
    const n = Number(value);
    if (!Number.isFinite(n)) continue;
    if (op === 'Read') read += n;
    else if (op === 'Write') write += n;
  }
  return { blkioReadBytes: read, blkioWriteBytes: write };
}

const SOURCES = ['blkio.throttle.io_service_bytes_recursive', 'blkio.bfq.io_service_bytes_recursive', 'blkio.io_service_bytes_recursive'];

/** The first source that has counted bytes; else the first that exists (zeros); else nulls. */
export function pickBlkio(texts: Array<string | null>): BlkioStats {
  const parsed = texts.filter((t): t is string => t !== null).map(parseIoServiceBytes);
  const counted = parsed.find((p) => (p.blkioReadBytes ?? 0) + (p.blkioWriteBytes ?? 0) > 0);
  return counted ?? parsed[0] ?? { blkioReadBytes: null, blkioWriteBytes: null };
}

export async function readBlkioV1(dir: string): Promise<BlkioStats> {
  return pickBlkio(await Promise.all(SOURCES.map((f) => readOptional(path.join(dir, f)))));
}
