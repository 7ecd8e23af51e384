// The hostile-archive cases in a rootless store, as strata-test in its user namespace
// (userns.ts, inner/hostile.ts): every escape is refused with INVALID_ARCHIVE before anything
// is written, an owner the namespace cannot represent is refused with the path and the id
// (as podman does), nothing appears outside the store and the store is as it was. Device
// nodes are left out (mknod is refused in a user namespace), FIFOs kept, forged overlay
// xattrs in either spelling dropped.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { describeRun, removeUserDir, rootlessSkipReason, runInUserNamespace, userDir } from './userns';

const skip = rootlessSkipReason();
if (skip) console.warn(`rootless hostile archives: skipped — ${skip}`);

interface Refusal {
  code: string;
  message: string;
}

interface HostileResult {
  refused: Record<string, Refusal | null>;
  storeChanged: string[];
  outside: string[];
  storeAfter: boolean;
  keptLayer: { dev: string[]; deviceNote: string | null; forgedUserOpaque: string | null; forgedRedirect: string | null; fileOwner: { uid: number; gid: number } };
  error?: unknown;
}

describe.skipIf(skip !== null)('hostile layer tars in a rootless store', () => {
  let work: string;
  let result: HostileResult;

  beforeAll(() => {
    work = userDir('hostile');
    const run = runInUserNamespace<HostileResult>(path.join(import.meta.dirname, 'inner', 'hostile.ts'), [work]);
    if (run.result === undefined || run.result.error !== undefined) throw new Error(`the namespace script failed:\n${describeRun(run)}`);
    result = run.result;
  }, 180_000);

  afterAll(() => {
    if (work) removeUserDir(work);
  });

  it('refuses every escape with INVALID_ARCHIVE', () => {
    for (const name of ['dotdot', 'absolute', 'symlinkWrite', 'hardlinkOut', 'whiteoutOut', 'whiteoutThroughSymlink', 'opaqueThroughSymlink']) {
      expect(result.refused[name], name).toMatchObject({ code: 'INVALID_ARCHIVE' });
    }
  });

  it('refuses an owner beyond the subordinate ids, naming the path and the id', () => {
    expect(result.refused.unmappedUid).toMatchObject({ code: 'UNSUPPORTED' });
    expect(result.refused.unmappedUid!.message).toMatch(/"etc\/shadow" is owned by uid 70000.*\/etc\/subuid/);
    expect(result.refused.unmappedGid!.message).toMatch(/"srv" is owned by gid 4000000.*\/etc\/subgid/);
  });

  it('unpacks nothing outside the store and leaves the store as it was', () => {
    expect(result.outside).toEqual([]);
    expect(result.storeChanged).toEqual([]);
    expect(result.storeAfter).toBe(true);
  });

  it('leaves device nodes out, keeps FIFOs and the last mapped id, drops forged overlay xattrs', () => {
    expect(result.keptLayer.dev).toEqual(['fifo']);
    expect(result.keptLayer.deviceNote).toBe('layer 1: left out 2 device nodes (/dev/null, /dev/sda): only the root engine may make them');
    expect(result.keptLayer.forgedUserOpaque).toBeNull();
    expect(result.keptLayer.forgedRedirect).toBeNull();
    expect(result.keptLayer.fileOwner).toEqual({ uid: 65535, gid: 65535 });
  });
});
