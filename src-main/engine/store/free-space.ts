// The free-space reserve. Staged writes (an image archive flattened into tmp/, layers
// decompressed and unpacked, blobs copied) are bounded by nothing but the disk: a few MB
// of gzip can expand to terabytes. So every writer counts what it writes and, every few
// MiB, asks the kernel (statfs) how much the store's filesystem has left; under the
// reserve it stops with NO_SPACE, and the job's staging directory goes as on any failure.
//
// Default reserve: 5 % of the filesystem, at most 1 GiB. The engine runs as root, which the
// ext4 reserve (also 5 %) does not hold back, so without one an import could fill the disk
// the rest of the system logs and writes to. A percentage alone would keep 50 GB idle on a
// 1 TB disk, hence the cap; a fixed 1 GiB alone would refuse every import on a small disk
// (a 10 GB VM keeps 512 MiB), hence the percentage.
import fs from 'node:fs';
import { StrataError } from '@shared/errors';
import { parseByteSize } from '@shared/sizes';

/** Bytes to keep free on the store's filesystem, or a percentage of its size. */
export type FreeSpaceReserve = { bytes: number } | { percent: number };

export const DEFAULT_RESERVE_BYTES = 1 << 30;
export const DEFAULT_RESERVE_PERCENT = 5;
/** The setting's name, for messages. */
export const RESERVE_SETTING = 'STRATA_MIN_FREE';
/** statfs once per this many bytes written: a few hundred calls for a GB, overshoot ≤ 4 MiB. */
const CHECK_EVERY = 4 << 20;

/** `1g`, `512m`, `0` (no reserve) or `5%`. */
export function parseReserve(text: string, what = RESERVE_SETTING): FreeSpaceReserve {
  const percent = /^(\d+(?:\.\d+)?|\.\d+) ?%$/.exec(text.trim());
  if (!percent) return { bytes: parseByteSize(text, what) };
  const value = Number(percent[1]);
  if (value > 100) throw new StrataError('INVALID_ARGUMENT', `${what} ${JSON.stringify(text)}: a percentage is at most 100%`);
  return { percent: value };
}

/** The reserve an engine option or the environment sets: bytes, or text for parseReserve; none → the default. */
export function reserveSetting(value: number | string | undefined): FreeSpaceReserve | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value === 'string') return parseReserve(value);
  if (!Number.isSafeInteger(value) || value < 0) throw new StrataError('INVALID_ARGUMENT', `minFree ${value}: expected a number of bytes`);
  return { bytes: value };
}

/** The reserve in bytes on a filesystem of `fsBytes`; the default when none is set. */
export function reserveBytes(reserve: FreeSpaceReserve | undefined, fsBytes: number): number {
  if (reserve === undefined) return Math.min(DEFAULT_RESERVE_BYTES, Math.floor((fsBytes * DEFAULT_RESERVE_PERCENT) / 100));
  return 'bytes' in reserve ? reserve.bytes : Math.floor((fsBytes * reserve.percent) / 100);
}

/** Counts what one job writes below `dir` and stops it when the filesystem falls under the reserve. */
export class SpaceGuard {
  private sinceCheck = 0;

  constructor(
    /** A directory on the filesystem written to: the store's tmp/. */
    readonly dir: string,
    readonly reserve?: FreeSpaceReserve,
  ) {}

  /** `bytes` more were written (or are about to be). Throws NO_SPACE under the reserve. */
  wrote(bytes: number): void {
    this.sinceCheck += bytes;
    if (this.sinceCheck < CHECK_EVERY) return;
    this.sinceCheck = 0;
    this.check();
  }

  check(): void {
    const stat = fs.statfsSync(this.dir);
    const free = stat.bavail * stat.bsize; // what df shows as available
    const reserve = reserveBytes(this.reserve, stat.blocks * stat.bsize);
    if (free >= reserve) return;
    throw new StrataError(
      'NO_SPACE',
      `stopped writing: the store's filesystem (${this.dir}) has ${mib(free)} free, less than the ${mib(reserve)} kept free ` +
        `(${RESERVE_SETTING}); what was staged has been removed`,
    );
  }
}

/** ENOSPC or EDQUOT from a staged write as NO_SPACE (the disk filled between two checks); else unchanged. */
export function describeNoSpace(error: unknown, dir: string): unknown {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code !== 'ENOSPC' && code !== 'EDQUOT') return error;
  const what = code === 'ENOSPC' ? 'is full' : 'is over its disk quota';
  return new StrataError('NO_SPACE', `stopped writing: the store's filesystem (${dir}) ${what}; what was staged has been removed`, { cause: error });
}

function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}
