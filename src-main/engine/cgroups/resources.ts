// Checks and conversions shared by both drivers: what a CgroupResources may hold, CPUs →
// CFS quota, and v1 shares → v2 weight. Pure functions.
import { StrataError } from '@shared/errors';
import type { CgroupResources } from './manager';

/** The CFS period Docker and the kernel default to, µs. */
export const DEFAULT_CPU_PERIOD = 100_000;
export const MIN_CPU_PERIOD = 1_000;
export const MAX_CPU_PERIOD = 1_000_000;
export const MIN_SHARES = 2;
export const MAX_SHARES = 262_144;
export const MAX_WEIGHT = 10_000;

const CPU_LIST = /^(\d+(-\d+)?)(,\d+(-\d+)?)*$/;

/** Refuses malformed or contradictory limits before anything is written (INVALID_ARGUMENT). */
export function validateResources(r: CgroupResources): void {
  const { memory, memoryReservation, memorySwap } = r;
  if (memory !== undefined) wholeNumber('memory', memory, { min: 1, unlimited: true });
  if (memoryReservation !== undefined) wholeNumber('memoryReservation', memoryReservation, { min: 0, unlimited: true });
  if (memorySwap !== undefined) {
    wholeNumber('memorySwap', memorySwap, { min: 1, unlimited: true });
    if (memorySwap !== -1) {
      if (memory === undefined || memory === -1) {
        throw bad('memorySwap', memorySwap, 'needs a memory limit in the same request (memorySwap is memory plus swap)');
      }
      if (memorySwap < memory) throw bad('memorySwap', memorySwap, `is below memory (${memory}); it counts memory plus swap`);
    }
  }
  if (memory !== undefined && memory !== -1 && memoryReservation !== undefined && memoryReservation > memory) {
    throw bad('memoryReservation', memoryReservation, `is above the memory limit (${memory})`);
  }
  if (r.cpuShares !== undefined) wholeNumber('cpuShares', r.cpuShares, { min: MIN_SHARES, max: MAX_SHARES });
  if (r.cpus !== undefined) {
    if (typeof r.cpus !== 'number' || !Number.isFinite(r.cpus) || r.cpus < 0) throw bad('cpus', r.cpus, 'must be a number of CPUs ≥ 0');
    if (r.cpuQuota !== undefined) throw bad('cpus', r.cpus, 'and cpuQuota set the same thing; give one');
  }
  if (r.cpuQuota !== undefined) wholeNumber('cpuQuota', r.cpuQuota, { min: 1, unlimited: true });
  if (r.cpuPeriod !== undefined) wholeNumber('cpuPeriod', r.cpuPeriod, { min: MIN_CPU_PERIOD, max: MAX_CPU_PERIOD });
  if (r.cpusetCpus !== undefined) cpuList('cpusetCpus', r.cpusetCpus);
  if (r.cpusetMems !== undefined) cpuList('cpusetMems', r.cpusetMems);
  if (r.pidsLimit !== undefined) wholeNumber('pidsLimit', r.pidsLimit, { min: 0, unlimited: true });
}

/** Which controllers a request touches. */
export function wantsMemory(r: CgroupResources): boolean {
  return r.memory !== undefined || r.memoryReservation !== undefined || r.memorySwap !== undefined;
}

export function wantsCpu(r: CgroupResources): boolean {
  return r.cpuShares !== undefined || r.cpus !== undefined || r.cpuQuota !== undefined || r.cpuPeriod !== undefined;
}

export function wantsCpuset(r: CgroupResources): boolean {
  return r.cpusetCpus !== undefined || r.cpusetMems !== undefined;
}

export function checkPid(pid: number): void {
  if (!Number.isSafeInteger(pid) || pid <= 0) throw bad('pid', pid, 'must be a positive whole number');
}

/**
 * The CFS bandwidth the request asks for: quota in µs (null = unlimited, undefined = leave
 * it) and period (undefined = leave it). `cpus` 0.5 → 50 000 / 100 000.
 */
export function cfsBandwidth(r: CgroupResources): { quota: number | null | undefined; period: number | undefined } {
  if (r.cpus !== undefined) {
    const period = r.cpuPeriod ?? DEFAULT_CPU_PERIOD;
    return { quota: r.cpus === 0 ? null : Math.round(r.cpus * period), period };
  }
  const quota = r.cpuQuota === undefined ? undefined : r.cpuQuota === -1 ? null : r.cpuQuota;
  return { quota, period: r.cpuPeriod };
}

/**
 * v1 cpu.shares (2…262144, default 1024) → v2 cpu.weight (1…10000, default 100), with the
 * conversion runc ≥ 1.3.2 (opencontainers/cgroups) and crun ≥ 1.23 use: a quadratic in
 * log2(shares) through the three points that matter,
 *
 *     weight = ⌈10^((l² + 125·l) / 612 − 7/34)⌉,  l = log2(shares)
 *
 * so 2 → 1, 1024 → 100 (the two defaults agree) and 262144 → 10000. The older linear
 * formula, 1 + (shares − 2)·9999/262142, maps the default 1024 to 39 and so gave every
 * container with explicit default shares less CPU than one without.
 */
export function sharesToWeight(shares: number): number {
  if (shares <= MIN_SHARES) return 1;
  if (shares >= MAX_SHARES) return MAX_WEIGHT;
  const l = Math.log2(shares);
  const exponent = (l * l + 125 * l) / 612 - 7 / 34;
  // Round away float noise first: 10^2.0000000000000004 must be 100, not 101.
  const weight = Math.round(10 ** exponent * 1e6) / 1e6;
  return Math.min(MAX_WEIGHT, Math.max(1, Math.ceil(weight)));
}

/** Docker's swap convention on v2: memory.swap.max = memorySwap − memory; -1 → "max". */
export function swapOnly(memory: number, memorySwap: number): number | null {
  return memorySwap === -1 ? null : memorySwap - memory;
}

function wholeNumber(field: string, value: unknown, opts: { min: number; max?: number; unlimited?: boolean }): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw bad(field, value, 'must be a whole number');
  if (opts.unlimited === true && value === -1) return;
  if (value < opts.min) throw bad(field, value, `must be at least ${opts.min}${opts.unlimited === true ? ' (or -1 for no limit)' : ''}`);
  if (opts.max !== undefined && value > opts.max) throw bad(field, value, `must be at most ${opts.max}`);
}

function cpuList(field: string, value: unknown): void {
  if (typeof value !== 'string' || (value !== '' && !CPU_LIST.test(value))) {
    throw bad(field, value, 'must be a list like "0-3,6"');
  }
}

function bad(field: string, value: unknown, why: string): StrataError {
  return new StrataError('INVALID_ARGUMENT', `${field} ${JSON.stringify(value)} ${why}`);
}
