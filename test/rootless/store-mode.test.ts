// A store belongs to the engine that made it (store/store-mode.ts): the root engine's layers
// carry trusted.overlay.* xattrs and real owners, a rootless engine's user.overlay.* and
// owners shifted into the user's range. Each refuses the other's store, before touching it;
// a store from before modes were recorded is taken as the opener's.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Store } from '../../src-main/engine/store/store';
import { treeSnapshot } from '../helpers/test-images';
import { describeRun, removeUserDir, rootlessSkipReason, runInUserNamespace, userDir } from './userns';

const skip = rootlessSkipReason();
if (skip) console.warn(`rootless store mode: skipped — ${skip}`);

interface ModeResult {
  refused: { code: string; message: string } | null;
  mode: string | null;
  error?: unknown;
}

function openInNamespace(root: string): ModeResult {
  const run = runInUserNamespace<ModeResult>(path.join(import.meta.dirname, 'inner', 'store-mode.ts'), [root]);
  if (run.result === undefined || run.result.error !== undefined) throw new Error(`the namespace script failed:\n${describeRun(run)}`);
  return run.result;
}

describe.skipIf(skip !== null)('a store is opened only by the engine that made it', () => {
  let work: string;

  beforeAll(() => {
    work = userDir('mode');
  });

  afterAll(() => {
    if (work) removeUserDir(work);
  });

  it('a store made by the rootless engine is recorded so, and refused to root', () => {
    const root = path.join(work, 'rootless-store');
    expect(openInNamespace(root)).toEqual({ refused: null, mode: 'rootless' });
    const before = treeSnapshot(root);
    expect(() => Store.open(root)).toThrow(expect.objectContaining({ code: 'UNSUPPORTED', message: expect.stringMatching(/as a root engine: it was made by a rootless engine/) }));
    expect(treeSnapshot(root)).toEqual(before);
  }, 120_000);

  it("a store made by root is refused to the rootless engine, even when the user may write it", () => {
    const root = path.join(work, 'root-store');
    Store.open(root);
    expect(fs.readFileSync(path.join(root, 'engine-mode'), 'utf8')).toBe('root\n');
    execFileSync('chown', ['-R', 'strata-test:strata-test', root]);
    const before = treeSnapshot(root);
    const result = openInNamespace(root);
    expect(result.refused).toMatchObject({ code: 'UNSUPPORTED', message: expect.stringMatching(/as a rootless engine: it was made by the root engine/) });
    expect(treeSnapshot(root)).toEqual(before);
  }, 120_000);

  it('a store from before modes were recorded is taken as the opener’s', () => {
    const root = path.join(work, 'old-store');
    Store.open(root);
    fs.rmSync(path.join(root, 'engine-mode'));
    Store.open(root);
    expect(fs.readFileSync(path.join(root, 'engine-mode'), 'utf8')).toBe('root\n');
  });
});
