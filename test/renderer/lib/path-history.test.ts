// A path's history read from one layer (src-renderer/src/lib/path-history.ts): the version
// that layer shows, and what the layers above do to it — the file details' sentences.
import { describe, expect, it } from 'vitest';
import type { PathChange, PathHistory } from '@shared/api/types/images';
import { deletionText, fateAbove, laterChange, versionAt } from '../../../src-renderer/src/lib/path-history';

const written = (layer: number, change: 'added' | 'modified', size = 10, kind: PathChange['kind'] = 'file'): PathChange => ({ layer, change, kind, size, mode: 0o644, uid: 0, gid: 0 });
const deleted = (layer: number, how: 'deleted' | 'opaque' = 'deleted', via?: string): PathChange => ({ layer, change: 'deleted', how, ...(via ? { via } : {}) });

// Added by 2, rewritten by 5, deleted by 7 (a whiteout of its directory), added again by 9.
const history: PathHistory = { path: 'etc/conf', changes: [written(2, 'added'), written(5, 'modified', 20), deleted(7, 'deleted', 'etc'), written(9, 'added', 30)] };

describe('versionAt and laterChange', () => {
  it('gives the version each layer sees, and the next change above it', () => {
    expect(versionAt(history, 1)).toBeUndefined();
    expect(versionAt(history, 2)?.size).toBe(10);
    expect(versionAt(history, 6)?.size).toBe(20);
    expect(versionAt(history, 7)).toBeUndefined();
    expect(versionAt(history, 10)?.size).toBe(30);
    expect(laterChange(history, 5)?.layer).toBe(7);
    expect(laterChange(history, 9)).toBeUndefined();
  });
});

describe('fateAbove', () => {
  it('says what hides the version a layer shows', () => {
    expect(fateAbove(history, 2, 10)).toBe('Hidden by layer 5: it writes a new version over this one.');
    expect(fateAbove(history, 5, 10)).toBe('Hidden by layer 7: it deletes it with a whiteout of /etc. Containers of this image do not see this version.');
    const opaque: PathHistory = { path: 'usr/doc/a', changes: [written(0, 'added'), deleted(3, 'opaque', 'usr/doc')] };
    expect(fateAbove(opaque, 1, 4)).toBe('Hidden by layer 3: it hides it with the opaque directory /usr/doc. Containers of this image do not see this version.');
  });

  it('says when a later layer brings it back, or nothing changes it any more', () => {
    expect(fateAbove(history, 7, 10)).toBe('Layer 9 adds it again.');
    expect(fateAbove(history, 9, 10)).toBe('No later layer changes it: containers of this image see this version.');
    expect(fateAbove(history, 10, 10)).toBe('Containers of this image see this version.');
    const gone: PathHistory = { path: 'a', changes: [written(0, 'added'), deleted(1)] };
    expect(fateAbove(gone, 1, 1)).toBe('Containers of this image do not see it.');
    expect(fateAbove(gone, 1, 4)).toBe('No later layer adds it back: containers of this image do not see it.');
  });

  it('does not call a directory whose mode a later layer changes hidden', () => {
    const dir: PathHistory = { path: 'usr', changes: [written(0, 'added', 0, 'dir'), written(4, 'modified', 0, 'dir')] };
    expect(fateAbove(dir, 1, 5)).toMatch(/^Layer 4 changes this directory/);
  });
});

describe('deletionText', () => {
  it('names a whiteout of the path, of a directory above it, or the opaque directory', () => {
    expect(deletionText(deleted(1))).toBe('a whiteout');
    expect(deletionText(deleted(1, 'deleted', 'etc'))).toBe('a whiteout of /etc');
    expect(deletionText(deleted(1, 'opaque', 'usr/doc'))).toBe('the opaque directory /usr/doc');
  });
});
