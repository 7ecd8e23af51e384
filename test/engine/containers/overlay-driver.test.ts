// The overlay driver's choice (containers/overlay-driver.ts decideSteps), for every case, with
// what it is decided from given: the privilege, STRATA_OVERLAY, what the kernel's probe mount
// found and whether fuse-overlayfs can run. Root always gets the kernel's overlay; the rootless
// engine the kernel's where it mounts, else fuse-overlayfs, else a refusal naming the package;
// the variable forces either, and only asks what it needs. (The mounts themselves, and the
// forced fallback on a real kernel: test/rootless/fuse-overlay.test.ts.)
import { describe, expect, it } from 'vitest';
import { type DriverFacts, type OverlayDriver, decideSteps } from '../../../src-main/engine/containers/overlay-driver';
import type { Privilege } from '../../../src-main/engine/rootless/privilege';
import { type FsSteps, runSync } from '../../../src-main/engine/store/fs-steps';
import { StrataError } from '@shared/errors';

const FUSE: OverlayDriver = { kind: 'fuse-overlayfs', binary: '/usr/bin/fuse-overlayfs' };
const MISSING = 'fuse-overlayfs is not installed (Debian package fuse-overlayfs)';

interface Case {
  privilege?: Privilege;
  forced?: string;
  /** The probe's answer: null when the kernel mounted. */
  kernel?: string | null;
  fuse?: OverlayDriver | string;
}

/** The decision, and which facts it asked for. */
function decide(facts: Case): { driver?: OverlayDriver; error?: StrataError; asked: string[] } {
  const asked: string[] = [];
  const input: DriverFacts = {
    privilege: facts.privilege ?? 'rootless',
    forced: facts.forced,
    // eslint-disable-next-line require-yield -- a fact given, with no file call
    *kernel(): FsSteps<string | null> {
      asked.push('kernel');
      return facts.kernel === undefined ? null : facts.kernel;
    },
    // eslint-disable-next-line require-yield -- a fact given, with no file call
    *fuse(): FsSteps<OverlayDriver | string> {
      asked.push('fuse');
      return facts.fuse ?? FUSE;
    },
  };
  try {
    return { driver: runSync(decideSteps(input)), asked };
  } catch (error) {
    if (!(error instanceof StrataError)) throw error;
    return { error, asked };
  }
}

describe('the overlay driver', () => {
  it('is the kernel’s as root, whatever STRATA_OVERLAY says, and asks nothing', () => {
    expect(decide({ privilege: 'root', forced: 'fuse-overlayfs', kernel: 'EPERM' })).toEqual({ driver: { kind: 'native' }, asked: [] });
    expect(decide({ privilege: 'root', forced: 'nonsense' })).toEqual({ driver: { kind: 'native' }, asked: [] });
  });

  it('is the kernel’s in the rootless engine where the probe mounts, without looking for fuse-overlayfs', () => {
    expect(decide({ kernel: null, fuse: MISSING })).toEqual({ driver: { kind: 'native' }, asked: ['kernel'] });
  });

  it('falls back to fuse-overlayfs where the kernel refuses', () => {
    expect(decide({ kernel: 'EPERM' })).toEqual({ driver: FUSE, asked: ['kernel', 'fuse'] });
  });

  it('refuses where the kernel refuses and fuse-overlayfs is missing, saying both and naming the package', () => {
    const { error } = decide({ kernel: 'EINVAL', fuse: MISSING });
    expect(error?.code).toBe('UNSUPPORTED');
    expect(error?.message).toContain('the kernel refused overlay in the user namespace (EINVAL; Linux 5.11 and later mount it with userxattr)');
    expect(error?.message).toContain('Debian package fuse-overlayfs');
  });

  it('is forced by STRATA_OVERLAY, which asks no probe', () => {
    expect(decide({ forced: 'fuse-overlayfs', kernel: null })).toEqual({ driver: FUSE, asked: ['fuse'] });
    expect(decide({ forced: 'native', kernel: 'EPERM', fuse: MISSING })).toEqual({ driver: { kind: 'native' }, asked: [] });
    expect(decide({ forced: '', kernel: 'EPERM' })).toEqual({ driver: FUSE, asked: ['kernel', 'fuse'] }); // empty is unset
  });

  it('refuses a forced fuse-overlayfs that cannot run, naming what is missing', () => {
    const { error } = decide({ forced: 'fuse-overlayfs', fuse: MISSING });
    expect(error?.code).toBe('UNSUPPORTED');
    expect(error?.message).toBe(`STRATA_OVERLAY=fuse-overlayfs, but ${MISSING}`);
  });

  it('refuses an unknown STRATA_OVERLAY, naming the values it takes', () => {
    const { error, asked } = decide({ forced: 'fuse' });
    expect(error?.code).toBe('INVALID_ARGUMENT');
    expect(error?.message).toContain('STRATA_OVERLAY=fuse:');
    expect(error?.message).toContain('`native`');
    expect(error?.message).toContain('`fuse-overlayfs`');
    expect(asked).toEqual([]);
  });
});
