// v2 io controller (Documentation/admin-guide/cgroup-v2.rst, "IO"): io.stat, one line per
// device, nested keyed, hierarchical:
//
//   8:16 rbytes=1459200 wbytes=314773504 rios=192 wios=353 dbytes=0 dios=0
import path from 'node:path';
import { readOptional } from '../files';
import type { CgroupStats } from '../manager';
import { parseNestedKeyed } from '../parse';

export type IoStats = Pick<CgroupStats, 'blkioReadBytes' | 'blkioWriteBytes'>;

/** Sums rbytes and wbytes over devices; null when io.stat is absent (io not enabled). */
export function ioStatV2(text: string | null): IoStats {
  if (text === null) return { blkioReadBytes: null, blkioWriteBytes: null };
  let read = 0;
  let write = 0;
  for (const values of parseNestedKeyed(text).values()) {
    read += values.get('rbytes') ?? 0;
    write += values.get('wbytes') ?? 0;
  }
  return { blkioReadBytes: read, blkioWriteBytes: write };
}

export async function readIoV2(dir: string): Promise<IoStats> {
  return ioStatV2(await readOptional(path.join(dir, 'io.stat')));
}
