// What a pull reads before it touches the network or the store: references, platforms,
// WWW-Authenticate challenges and manifest kinds. Needs nothing.
import { describe, expect, it } from 'vitest';
import { parseChallenges } from '../../../src-main/engine/registry/auth';
import { classifyManifest } from '../../../src-main/engine/registry/manifest';
import { formatPlatform, parsePlatform, selectPlatform } from '../../../src-main/engine/registry/platform';
import { isLocalEndpoint, parsePullReference } from '../../../src-main/engine/registry/reference';
import { type ErrorCode, isStrataError } from '@shared/errors';
import { sha256Bytes } from '../../helpers/test-images';

const DIGEST = `sha256:${'ab'.repeat(32)}`;

function codeOf(run: () => unknown): ErrorCode | undefined {
  try {
    run();
  } catch (error) {
    if (isStrataError(error)) return error.code;
    throw error;
  }
  return undefined;
}

describe('pull references', () => {
  it.each([
    ['busybox', { registry: 'docker.io', endpoint: 'registry-1.docker.io', repository: 'library/busybox', tag: 'latest', localName: 'busybox', canonical: 'docker.io/library/busybox:latest' }],
    ['busybox:1.36', { repository: 'library/busybox', tag: '1.36', localName: 'busybox' }],
    ['docker.io/library/busybox', { registry: 'docker.io', repository: 'library/busybox', localName: 'busybox' }],
    ['index.docker.io/busybox', { registry: 'docker.io', repository: 'library/busybox', localName: 'busybox' }],
    ['someone/app:v2', { registry: 'docker.io', repository: 'someone/app', tag: 'v2', localName: 'someone/app' }],
    ['localhost:5000/team/app', { registry: 'localhost:5000', endpoint: 'localhost:5000', repository: 'team/app', tag: 'latest', localName: 'localhost:5000/team/app' }],
    ['localhost/app', { registry: 'localhost', repository: 'app', localName: 'localhost/app' }],
    ['registry.example.com/a/b/c:x', { registry: 'registry.example.com', repository: 'a/b/c', tag: 'x', localName: 'registry.example.com/a/b/c' }],
    ['[::1]:5000/app:1', { registry: '[::1]:5000', endpoint: '[::1]:5000', repository: 'app', tag: '1', localName: '[::1]:5000/app' }],
    [`127.0.0.1:5000/app@${DIGEST}`, { repository: 'app', digest: DIGEST, canonical: `127.0.0.1:5000/app@${DIGEST}` }],
    [`127.0.0.1:5000/app:1@${DIGEST}`, { tag: '1', digest: DIGEST, canonical: `127.0.0.1:5000/app:1@${DIGEST}` }],
    [`busybox@${DIGEST}`, { repository: 'library/busybox', digest: DIGEST }],
  ])('%s', (input, expected) => {
    expect(parsePullReference(input)).toMatchObject(expected);
  });

  it.each([
    '',
    'Busybox',
    'team/UPPER:1',
    '../etc',
    'team/../app',
    'localhost:5000/../app',
    'app/./x',
    'app:../x',
    'app:a/b',
    'app@sha256:abc',
    `app@SHA256:${'ab'.repeat(32)}`,
    `app@sha512:${'ab'.repeat(64)}`,
    `app@sha256:${'AB'.repeat(32)}`,
    `app@@${DIGEST}`,
    `app@${DIGEST}@${DIGEST}`,
    'app name',
    'app\n',
    'bad_host:5000:x/app',
    'http://example.com/app',
    'a'.repeat(256),
  ])('refuses %j with INVALID_ARGUMENT', (input) => {
    expect(codeOf(() => parsePullReference(input))).toBe('INVALID_ARGUMENT');
  });

  it('has no tag for a digest alone', () => {
    expect(parsePullReference(`busybox@${DIGEST}`).tag).toBeUndefined();
    expect(parsePullReference(`busybox:1@${DIGEST}`).tag).toBe('1');
  });

  it('speaks plain HTTP only to this machine', () => {
    expect(['localhost', 'localhost:5000', '127.0.0.1:5000', '[::1]:5000', 'LOCALHOST:1'].map(isLocalEndpoint)).toEqual([true, true, true, true, true]);
    expect(['127.0.0.2:5000', 'registry-1.docker.io', 'localhost.example.com', '[::2]:5000'].map(isLocalEndpoint)).toEqual([false, false, false, false]);
  });
});

describe('platforms', () => {
  it.each([
    ['linux/amd64', 'linux/amd64'],
    ['LINUX/x86_64', 'linux/amd64'],
    ['linux/aarch64', 'linux/arm64'],
    ['linux/arm64/v8', 'linux/arm64'],
    ['linux/arm', 'linux/arm/v7'],
    ['linux/arm/v6', 'linux/arm/v6'],
    ['linux/armhf', 'linux/arm/v7'],
    ['windows/amd64', 'windows/amd64'],
  ])('%s → %s', (input, expected) => {
    expect(formatPlatform(parsePlatform(input))).toBe(expected);
  });

  it.each(['linux', 'linux/', '/amd64', 'linux/amd64/v1/x', 'linux/amd 64', 'linux/../x', ''])('refuses %j', (input) => {
    expect(codeOf(() => parsePlatform(input))).toBe('INVALID_ARGUMENT');
  });

  const entry = (n: number, platform?: { os: string; architecture: string; variant?: string }) => ({ mediaType: 'm', digest: `sha256:${String(n).repeat(64)}`, size: 1, ...(platform ? { platform } : {}) });
  const index = [
    entry(1, { os: 'linux', architecture: 'amd64', variant: 'v3' }),
    entry(2, { os: 'linux', architecture: 'amd64' }),
    entry(3, { os: 'linux', architecture: 'arm64', variant: 'v8' }),
    entry(4, { os: 'linux', architecture: 'arm', variant: 'v6' }),
    entry(5, { os: 'unknown', architecture: 'unknown' }),
    entry(6),
  ];

  it('picks the entry for the platform, the plain one before variants', () => {
    expect(selectPlatform(index, parsePlatform('linux/amd64'), 'x').digest).toBe(index[1]!.digest);
    expect(selectPlatform(index, parsePlatform('linux/amd64/v3'), 'x').digest).toBe(index[0]!.digest);
    expect(selectPlatform(index, parsePlatform('linux/arm64'), 'x').digest).toBe(index[2]!.digest);
    expect(selectPlatform(index, parsePlatform('linux/arm/v6'), 'x').digest).toBe(index[3]!.digest);
  });

  it('says what the index has when the platform is not there', () => {
    for (const wanted of ['linux/s390x', 'linux/arm/v7', 'windows/amd64']) {
      let message = '';
      try {
        selectPlatform(index, parsePlatform(wanted), 'example/app:1');
      } catch (error) {
        expect(isStrataError(error, 'NOT_FOUND')).toBe(true);
        message = (error as Error).message;
      }
      expect(message).toBe(`example/app:1 has no image for ${formatPlatform(parsePlatform(wanted))} (it has linux/amd64/v3, linux/amd64, linux/arm64/v8, linux/arm/v6); choose one with --platform`);
    }
  });
});

describe('WWW-Authenticate', () => {
  it('reads Bearer and Basic challenges, quoted commas and escapes included', () => {
    expect(parseChallenges('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull,push"')).toEqual([
      { scheme: 'bearer', params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/busybox:pull,push' } },
    ]);
    expect(parseChallenges(['Basic realm="a \\"quoted\\" realm"', 'Bearer realm=https://x/token, error=insufficient_scope'])).toEqual([
      { scheme: 'basic', params: { realm: 'a "quoted" realm' } },
      { scheme: 'bearer', params: { realm: 'https://x/token', error: 'insufficient_scope' } },
    ]);
    expect(parseChallenges('Negotiate, Basic realm="r"')).toEqual([
      { scheme: 'negotiate', params: {} },
      { scheme: 'basic', params: { realm: 'r' } },
    ]);
    expect(parseChallenges(undefined)).toEqual([]);
  });
});

describe('manifest kinds', () => {
  const classify = (value: unknown, contentType = '') => {
    const bytes = Buffer.from(JSON.stringify(value));
    return classifyManifest(bytes, sha256Bytes(bytes), contentType, 'manifest x');
  };
  const descriptor = { mediaType: 'application/vnd.oci.image.config.v1+json', digest: DIGEST, size: 2 };

  it('tells indexes from image manifests by media type, Content-Type or shape', () => {
    expect(classify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [] }).kind).toBe('index');
    expect(classify({ schemaVersion: 2, manifests: [] }, 'application/vnd.docker.distribution.manifest.list.v2+json').kind).toBe('index');
    expect(classify({ schemaVersion: 2, config: descriptor, layers: [] }, 'application/json; charset=utf-8').kind).toBe('manifest');
    expect(classify({ schemaVersion: 2, mediaType: 'application/vnd.docker.distribution.manifest.v2+json', config: descriptor, layers: [] }).kind).toBe('manifest');
  });

  it('refuses schema 1 by name, and what is not an image', () => {
    let message = '';
    try {
      classify({ schemaVersion: 1, name: 'x', tag: 'y', fsLayers: [] }, 'application/vnd.docker.distribution.manifest.v1+prettyjws');
    } catch (error) {
      expect(isStrataError(error, 'UNSUPPORTED')).toBe(true);
      message = (error as Error).message;
    }
    expect(message).toMatch(/Docker schema 1 manifest.*push the image again/);
    expect(codeOf(() => classify({ schemaVersion: 2, mediaType: 'application/vnd.oci.artifact.manifest.v1+json', blobs: [] }))).toBe('UNSUPPORTED');
    expect(codeOf(() => classify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { digest: 'md5:x' }, layers: [] }))).toBe('INVALID_ARCHIVE');
    expect(codeOf(() => classifyManifest(Buffer.from('not json'), DIGEST, '', 'x'))).toBe('INVALID_ARCHIVE');
  });
});
