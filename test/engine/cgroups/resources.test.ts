// Validation of limits and paths, CPUs → CFS quota, shares → weight.
import { describe, expect, it } from 'vitest';
import { cgroupComponents, prefixes, underParent } from '../../../src-main/engine/cgroups/paths';
import { cfsBandwidth, sharesToWeight, swapOnly, validateResources } from '../../../src-main/engine/cgroups/resources';
import { SHARES_TO_WEIGHT } from '../../fixtures/cgroupfs/shares-to-weight';
import type { CgroupResources } from '../../../src-main/engine/cgroups/manager';
import { isStrataError } from '@shared/errors';

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(isStrataError(error, 'INVALID_ARGUMENT')).toBe(true);
    return (error as Error).message;
  }
  throw new Error('expected INVALID_ARGUMENT');
}

describe('cgroup paths', () => {
  it('accepts plain relative names, nested ones too', () => {
    expect(underParent('strata', 'abc123')).toBe('strata/abc123');
    expect(underParent('strata', 'pod-1/ctr_2')).toBe('strata/pod-1/ctr_2');
    expect(prefixes('strata/pod/ctr')).toEqual(['strata', 'strata/pod', 'strata/pod/ctr']);
  });

  it.each([
    ['..', /climbs out/],
    ['../memory', /climbs out/],
    ['a/../../etc', /climbs out/],
    ['/sys/fs/cgroup/memory', /absolute/],
    ['/', /absolute/],
    ['', /empty/],
    ['a//b', /empty/],
    ['./a', /empty or "."/],
    ['a/', /empty/],
    ['.hidden', /letters, digits/],
    ['a\0b', /letters, digits/],
    ['a b', /letters, digits/],
    ['x'.repeat(256), /longer than 255/],
  ])('refuses %j', (bad, why) => {
    expect(refusal(() => cgroupComponents(bad))).toMatch(why);
  });

  it('the parent is checked the same way', () => {
    expect(refusal(() => underParent('../strata', 'x'))).toMatch(/cgroup parent/);
  });
});

describe('validateResources', () => {
  it('accepts what docker run accepts', () => {
    const ok: CgroupResources[] = [
      {},
      { memory: 512 << 20, memorySwap: 1024 << 20, memoryReservation: 256 << 20 },
      { memory: 512 << 20, memorySwap: -1 },
      { memory: -1 },
      { cpus: 0.5, cpuShares: 512, cpusetCpus: '0-1,3', cpusetMems: '0' },
      { cpuQuota: 20_000, cpuPeriod: 50_000 },
      { cpuQuota: -1 },
      { pidsLimit: 0 },
      { pidsLimit: -1 },
      { pidsLimit: 100 },
    ];
    for (const r of ok) expect(() => validateResources(r)).not.toThrow();
  });

  it.each<[CgroupResources, RegExp]>([
    [{ memory: 0 }, /memory 0 must be at least 1 \(or -1/],
    [{ memory: 1.5 }, /whole number/],
    [{ memory: -2 }, /at least 1/],
    [{ memorySwap: 1 << 30 }, /needs a memory limit/],
    [{ memory: -1, memorySwap: 1 << 30 }, /needs a memory limit/],
    [{ memory: 1 << 30, memorySwap: 1 << 20 }, /below memory/],
    [{ memory: 1 << 20, memoryReservation: 1 << 30 }, /above the memory limit/],
    [{ cpuShares: 1 }, /at least 2/],
    [{ cpuShares: 300_000 }, /at most 262144/],
    [{ cpus: -1 }, /CPUs ≥ 0/],
    [{ cpus: Number.NaN }, /CPUs ≥ 0/],
    [{ cpus: 1, cpuQuota: 100_000 }, /give one/],
    [{ cpuPeriod: 500 }, /at least 1000/],
    [{ cpuPeriod: 2_000_000 }, /at most 1000000/],
    [{ cpusetCpus: '0-3;7' }, /list like/],
    [{ pidsLimit: -5 }, /at least 0/],
  ])('refuses %j', (r, why) => {
    expect(refusal(() => validateResources(r))).toMatch(why);
  });
});

describe('CFS bandwidth', () => {
  it('cpus → quota over the default period', () => {
    expect(cfsBandwidth({ cpus: 0.5 })).toEqual({ quota: 50_000, period: 100_000 });
    expect(cfsBandwidth({ cpus: 1.5, cpuPeriod: 50_000 })).toEqual({ quota: 75_000, period: 50_000 });
    expect(cfsBandwidth({ cpus: 0 })).toEqual({ quota: null, period: 100_000 });
  });

  it('explicit quota and period, each optional', () => {
    expect(cfsBandwidth({ cpuQuota: 20_000 })).toEqual({ quota: 20_000, period: undefined });
    expect(cfsBandwidth({ cpuQuota: -1 })).toEqual({ quota: null, period: undefined });
    expect(cfsBandwidth({ cpuPeriod: 10_000 })).toEqual({ quota: undefined, period: 10_000 });
    expect(cfsBandwidth({})).toEqual({ quota: undefined, period: undefined });
  });
});

describe('sharesToWeight', () => {
  it('maps the v1 range onto the v2 range with the defaults agreeing', () => {
    expect(sharesToWeight(2)).toBe(1);
    expect(sharesToWeight(1024)).toBe(100);
    expect(sharesToWeight(262_144)).toBe(10_000);
    expect(sharesToWeight(1)).toBe(1);
    expect(sharesToWeight(1_000_000)).toBe(10_000);
  });

  it('matches the quadratic-in-log2 values runc ≥ 1.3.2 and crun write', () => {
    // ⌈10^((l² + 125l)/612 − 7/34)⌉ worked by hand for l = log2(shares):
    expect(sharesToWeight(128)).toBe(21); // l=7:  (49 + 875)/612 − 7/34 = 1.3039 → 20.13
    expect(sharesToWeight(512)).toBe(59); // l=9:  (81 + 1125)/612 − 7/34 = 1.7647 → 58.17
    expect(sharesToWeight(2048)).toBe(174); // l=11: (121 + 1375)/612 − 7/34 = 2.2386 → 173.21
    expect(sharesToWeight(4096)).toBe(303); // l=12: (144 + 1500)/612 − 7/34 = 2.4804 → 302.27
  });

  it('gives the weights of the shared table (strata-runtime is checked on the same one)', () => {
    expect(SHARES_TO_WEIGHT.map(([shares]) => [shares, sharesToWeight(shares)])).toEqual(SHARES_TO_WEIGHT);
  });

  it('is monotonic over the whole range', () => {
    let last = 0;
    for (let shares = 2; shares <= 262_144; shares += 97) {
      const weight = sharesToWeight(shares);
      expect(weight).toBeGreaterThanOrEqual(last);
      last = weight;
    }
  });
});

describe('swap on v2', () => {
  it('memory.swap.max is memory-swap minus memory', () => {
    expect(swapOnly(512, 1024)).toBe(512);
    expect(swapOnly(512, 512)).toBe(0);
    expect(swapOnly(512, -1)).toBeNull();
  });
});
