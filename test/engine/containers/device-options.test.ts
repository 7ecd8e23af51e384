// `--device HOST[:CONTAINER][:PERMS]` as docker reads it: a second part of r/w/m letters
// is the permissions, the container path defaults to the host's, permissions to rwm.
import { describe, expect, it } from 'vitest';
import { parseDevice, validateDevice } from '../../../src-main/engine/containers/options';
import { StrataError } from '@shared/errors';

function refused(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(StrataError);
    expect((error as StrataError).code).toBe('INVALID_ARGUMENT');
    return (error as Error).message;
  }
  throw new Error('expected INVALID_ARGUMENT');
}

describe('parseDevice', () => {
  it.each([
    ['/dev/fuse', { hostPath: '/dev/fuse', containerPath: '/dev/fuse', permissions: 'rwm' }],
    ['/dev/fuse:r', { hostPath: '/dev/fuse', containerPath: '/dev/fuse', permissions: 'r' }],
    ['/dev/fuse:mw', { hostPath: '/dev/fuse', containerPath: '/dev/fuse', permissions: 'mw' }],
    ['/dev/sdb:/dev/xvda', { hostPath: '/dev/sdb', containerPath: '/dev/xvda', permissions: 'rwm' }],
    ['/dev/sdb:/dev/xvda:rw', { hostPath: '/dev/sdb', containerPath: '/dev/xvda', permissions: 'rw' }],
    ['/dev/./net/../fuse:/dev/x/', { hostPath: '/dev/fuse', containerPath: '/dev/x', permissions: 'rwm' }],
    ['/dev/fuse:/mnt/fuse', { hostPath: '/dev/fuse', containerPath: '/mnt/fuse', permissions: 'rwm' }], // docker allows it too
  ])('%j', (text, device) => {
    expect(parseDevice(text)).toEqual(device);
  });

  it.each([
    ['', /expected \/host\/device\[:\/container\/path\]\[:rwm\]/],
    ['/dev/a:/dev/b:rw:x', /expected \/host\/device/],
    ['/dev/a::rw', /expected \/host\/device/],
    ['fuse', /the host path "fuse" must be absolute/],
    ['/dev/fuse:fuse', /the container path "fuse" must be absolute/],
    ['/dev/fuse:/dev/fuse:rwx', /permissions "rwx": use r, w and m, each at most once/],
    ['/dev/fuse:/dev/fuse:rr', /permissions "rr"/],
    ['/dev/fuse:/dev', /the container path cannot be \/dev$/],
    ['/dev/fuse:/dev/../', /the container path cannot be \/$/],
    ['/dev/fuse:/proc/x', /the container path cannot be \/proc\/x$/],
    ['/dev/fuse:/sys/fuse', /the container path cannot be \/sys\/fuse$/],
  ])('%j is refused', (text, pattern) => {
    expect(refused(() => parseDevice(text))).toMatch(pattern);
  });

  it('validateDevice checks what arrives from the API the same way', () => {
    expect(refused(() => validateDevice({ hostPath: '/dev/fuse', containerPath: '/dev/fuse', permissions: '' }))).toMatch(/permissions ""/);
  });
});
