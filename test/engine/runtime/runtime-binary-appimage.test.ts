// Inside an AppImage the runtime lives in the image's mount (/tmp/.mount_*), which goes away
// when the app quits — and shims, the runtime itself, must outlive the app. runtimeBinaryPath
// then answers a stable copy in the store's bin/, named by content hash and checked by it.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runtimeBinaryPath, stableRuntimeCopy } from '../../../src-main/engine/runtime/runtime-binary';
import { makeTempDir } from '../../helpers/test-images';

const REPO = fileURLToPath(new URL('../../..', import.meta.url));
const work = makeTempDir('runtime-appimage');
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));
const hashOf = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

describe('runtimeBinaryPath', () => {
  it('outside an AppImage: the built runtime itself', () => {
    expect(runtimeBinaryPath({ STRATA_ROOT: path.join(work, 'plain') })).toBe(path.join(REPO, 'native/build/Release/strata-runtime'));
    // APPIMAGE alone, or a mount the runtime is not in, changes nothing.
    expect(runtimeBinaryPath({ APPIMAGE: '/x.AppImage', APPDIR: path.join(work, 'elsewhere'), STRATA_ROOT: path.join(work, 'plain') })).toBe(path.join(REPO, 'native/build/Release/strata-runtime'));
    expect(fs.existsSync(path.join(work, 'plain'))).toBe(false);
  });

  it('inside an AppImage mount: a runnable copy in the store bin/, named by its hash, made once', () => {
    const built = path.join(REPO, 'native/build/Release/strata-runtime');
    const store = path.join(work, 'store');
    const env = { APPIMAGE: '/home/u/Strata.AppImage', APPDIR: REPO, STRATA_ROOT: store };
    const copy = runtimeBinaryPath(env);
    expect(path.dirname(copy)).toBe(path.join(store, 'bin'));
    expect(path.basename(copy)).toBe(`strata-runtime-${hashOf(built).slice(0, 16)}`);
    expect(hashOf(copy)).toBe(hashOf(built));
    expect(fs.statSync(copy).mode & 0o777).toBe(0o755);
    expect(runtimeBinaryPath(env)).toBe(copy);
    expect(fs.readdirSync(path.join(store, 'bin'))).toEqual([path.basename(copy)]); // nothing staged left behind
    // It runs: an unknown verb is refused by the runtime itself.
    expect(() => execFileSync(copy, ['no-such-verb'], { stdio: 'pipe' })).toThrow(/no-such-verb|usage|unknown/i);
  });

  it('replaces a copy whose content does not match its name', () => {
    const source = path.join(work, 'fake-runtime');
    fs.writeFileSync(source, '#!/bin/sh\necho real\n', { mode: 0o755 });
    const dir = path.join(work, 'bin-tampered');
    fs.mkdirSync(dir);
    const target = path.join(dir, `strata-runtime-${hashOf(source).slice(0, 16)}`);
    fs.writeFileSync(target, '#!/bin/sh\necho tampered\n', { mode: 0o755 });
    expect(stableRuntimeCopy(source, dir)).toBe(target);
    expect(execFileSync(target, { encoding: 'utf8' })).toBe('real\n');
  });
});
