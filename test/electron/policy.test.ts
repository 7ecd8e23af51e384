// What the window may ask the system's open dialog for (src-main/electron/policy.ts): the
// main process shows it only for a well-formed request.
import { describe, expect, it } from 'vitest';
import { pickPathOptions } from '../../src-main/electron/policy';

describe('pickPathOptions', () => {
  it('takes a file or a directory with a title, and nothing else', () => {
    expect(pickPathOptions({ kind: 'directory', title: 'Choose the build context' })).toEqual({ kind: 'directory', title: 'Choose the build context' });
    expect(pickPathOptions({ kind: 'file', title: 'Choose an image archive', defaultPath: '/etc' })).toEqual({ kind: 'file', title: 'Choose an image archive' });
  });

  it('refuses anything else', () => {
    for (const request of [undefined, null, 'file', {}, { kind: 'save', title: 'x' }, { kind: 'file' }, { kind: 'file', title: 3 }, { kind: 'file', title: 'x'.repeat(201) }]) {
      expect(pickPathOptions(request)).toBeUndefined();
    }
  });
});
