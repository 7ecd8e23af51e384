import { describe, expect, it } from 'vitest';
import { normalizeReference } from '../../../src-main/engine/images/reference';
import { isStrataError } from '@shared/errors';

describe('image references', () => {
  it.each([
    ['busybox', 'busybox:latest'],
    ['busybox:1.36', 'busybox:1.36'],
    ['team/app:v2.0-rc_1', 'team/app:v2.0-rc_1'],
    ['localhost:5000/app', 'localhost:5000/app:latest'],
    ['registry.example.com/a/b/c:tag', 'registry.example.com/a/b/c:tag'],
    ['my-app__x.y', 'my-app__x.y:latest'],
  ])('%s → %s', (input, expected) => {
    expect(normalizeReference(input)).toBe(expected);
  });

  it.each(['', 'UPPER', 'a b', 'app:', 'app:-tag', 'app:.tag', '/app', 'app/', 'app//x', 'app@sha256:abc', 'a'.repeat(256), 'bad_host:5000:x/app', 'app:' + 't'.repeat(129)])('refuses %j', (input) => {
    let error: unknown;
    try {
      normalizeReference(input);
    } catch (e) {
      error = e;
    }
    expect(isStrataError(error, 'INVALID_ARGUMENT')).toBe(true);
  });
});
