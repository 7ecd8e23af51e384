// `pull` against a real registry (Debian's docker-registry, Distribution 2.8) on
// 127.0.0.1: by tag and by digest, OCI and Docker schema 2, indexes and platforms, shared
// layers downloaded once, corrupt blobs, cancel, missing names, hostile references,
// Basic auth, Bearer tokens, and TLS for a registry that is not on this machine.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../../src-main/engine/index';
import { hostArchitecture } from '../../../src-main/engine/images/oci';
import type { PullProgress } from '../../../src-main/engine/registry/pull';
import { type ErrorCode, isStrataError } from '@shared/errors';
import { type PushedImage, TestRegistry, TokenGate, canListen } from '../../helpers/registry';
import { type BuiltLayer, type TestImage, makeLayer, makeTempDir, testImages, treeSnapshot, write } from '../../helpers/test-images';

const unavailable = TestRegistry.unavailable();
if (unavailable) console.warn(`skipping the registry pull tests: ${unavailable}`);

const HOST_ARCH = hostArchitecture();
const OTHER_ARCH = HOST_ARCH === 'arm64' ? 'amd64' : 'arm64';

let work: string;
let registry: TestRegistry;
let a: TestImage;
let b: TestImage;
let layers: ReturnType<typeof testImages>['layers'];
let pushedA: PushedImage;
let pushedB: PushedImage;
let multiHost: PushedImage;
let multiOther: PushedImage;
let multiIndex: string;
const engines: Engine[] = [];
let counter = 0;

function freshEngine(): Engine {
  const engine = Engine.open({ root: path.join(work, `store-${counter++}`) });
  engines.push(engine);
  return engine;
}

function ref(name: string, registryAddress = registry.address): string {
  return `${registryAddress}/${name}`;
}

async function refusal(promise: Promise<unknown>): Promise<{ code: ErrorCode; message: string }> {
  try {
    await promise;
  } catch (error) {
    if (isStrataError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('expected the pull to fail');
}

/** Everything under the store root, and that no pull left a directory behind. */
function storeState(engine: Engine): string[] {
  expect(fs.existsSync(path.join(engine.root, 'pulls'))).toBe(false);
  return treeSnapshot(engine.root).filter((line) => !line.startsWith('lock '));
}

function imageWith(tag: string, ...extra: BuiltLayer[]): TestImage {
  return { tag, layers: [layers.base, ...extra], cmd: ['/bin/sh'] };
}

beforeAll(async () => {
  if (unavailable) return;
  work = makeTempDir('pull');
  ({ a, b, layers } = testImages(work));
  registry = await TestRegistry.start();
  pushedA = await registry.pushImage('test/a', '1', a);
  pushedB = await registry.pushImage('test/b', '1', b);
  multiHost = await registry.pushImage('test/multi', undefined, a);
  multiOther = await registry.pushImage('test/multi', undefined, b, { architecture: OTHER_ARCH });
  multiIndex = await registry.pushIndex('test/multi', '1', [
    { image: multiOther, platform: { os: 'linux', architecture: OTHER_ARCH } },
    { image: multiHost, platform: { os: 'linux', architecture: HOST_ARCH } },
  ]);
});

afterAll(async () => {
  if (unavailable) return;
  for (const engine of engines) {
    for (const container of await engine.listContainers({ all: true })) await engine.removeContainer(container.id, { force: true });
  }
  await registry?.stop();
  const mounts = fs.readFileSync('/proc/self/mountinfo', 'utf8');
  fs.rmSync(work, { recursive: true, force: true });
  expect(mounts).not.toContain(work);
});

describe.skipIf(unavailable)('pull from a registry', () => {
  it('pulls by tag: manifest, config, layers and diff_ids as pushed; a container runs from it', async () => {
    const engine = freshEngine();
    const steps: PullProgress[] = [];
    const pulled = await engine.pullImage(ref('test/a:1'), { onProgress: (p) => steps.push(p) });
    expect(pulled).toMatchObject({
      id: pushedA.configDigest,
      manifestDigest: pushedA.manifestDigest,
      digest: pushedA.manifestDigest,
      tags: [ref('test/a:1')],
      reference: ref('test/a:1'),
      platform: `linux/${HOST_ARCH}`,
      downloadedLayers: 3,
      downloadedBytes: pushedA.layers.reduce((sum, layer) => sum + layer.size, 0),
    });
    expect(pulled.layers.map((layer) => layer.reused)).toEqual([false, false, false]);
    const info = await engine.inspectImage(ref('test/a:1'));
    expect(info.layers.map((layer) => [layer.digest, layer.blobSize, layer.diffId, layer.mediaType])).toEqual(pushedA.layers.map((layer) => [layer.digest, layer.size, layer.diffId, layer.mediaType]));
    expect(fs.readFileSync(path.join(engine.root, 'blobs/sha256', pushedA.manifestDigest.slice(7)))).toEqual(pushedA.manifest);
    expect(fs.readFileSync(path.join(engine.root, 'blobs/sha256', pushedA.configDigest.slice(7)))).toEqual(pushedA.config);
    // Every layer was reported downloading, then downloaded with its full size.
    for (const layer of pushedA.layers) {
      const done = steps.filter((p) => p.digest === layer.digest && p.step === 'downloaded');
      expect(done).toEqual([expect.objectContaining({ bytes: layer.size, totalBytes: layer.size })]);
    }
    expect(steps.map((p) => p.step)).toContain('committing');

    const container = await engine.createContainer(ref('test/a:1'), { command: ['sh', '-c', 'cat /app/data.txt; id -u app'] }); // app: a user the top layer adds
    await engine.startContainer(container.id);
    expect(await engine.waitContainer(container.id)).toBe(0);
    const log = fs
      .readFileSync(engine.containerLogPath(container.id), 'utf8')
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as { log: string }).log)
      .join('');
    expect(log).toBe('application data\n1000\n');
    await engine.removeContainer(container.id);
  });

  it('pulls by digest (untagged), and by tag and digest (tagged, nothing downloaded again)', async () => {
    const engine = freshEngine();
    const byDigest = await engine.pullImage(ref(`test/a@${pushedA.manifestDigest}`));
    expect(byDigest).toMatchObject({ id: pushedA.configDigest, manifestDigest: pushedA.manifestDigest, tags: [], downloadedLayers: 3 });
    expect((await engine.listImages()).map((image) => [image.id, image.tags])).toEqual([[pushedA.configDigest, []]]);
    expect((await engine.inspectImage(pushedA.configDigest)).layers.map((layer) => layer.diffId)).toEqual(a.layers.map((layer) => layer.diffId));

    const both = await engine.pullImage(ref(`test/a:1@${pushedA.manifestDigest}`));
    expect(both).toMatchObject({ manifestDigest: pushedA.manifestDigest, tags: [ref('test/a:1')], downloadedLayers: 0, downloadedBytes: 0 });
    expect(both.layers.every((layer) => layer.reused)).toBe(true);
    expect((await engine.listImages()).map((image) => [image.id, image.tags])).toEqual([[pushedA.configDigest, [ref('test/a:1')]]]);
  });

  it('reads Docker schema 2 manifests (and plain tar layers) as pushed', async () => {
    const pushed = await registry.pushImage('test/docker', '1', a, { flavour: 'docker', compression: 'none' });
    const engine = freshEngine();
    const pulled = await engine.pullImage(ref('test/docker:1'));
    expect(pulled).toMatchObject({ manifestDigest: pushed.manifestDigest, id: pushed.configDigest });
    expect((await engine.inspectImage(ref('test/docker:1'))).layers.map((layer) => [layer.digest, layer.mediaType, layer.diffId])).toEqual(
      pushed.layers.map((layer) => [layer.digest, 'application/vnd.docker.image.rootfs.diff.tar', layer.diffId]),
    );
  });

  it("takes this machine's platform from an index, another with --platform, and names what there is for an unknown one", async () => {
    const engine = freshEngine();
    const host = await engine.pullImage(ref('test/multi:1'));
    expect(host).toMatchObject({ manifestDigest: multiHost.manifestDigest, digest: multiIndex, platform: `linux/${HOST_ARCH}`, tags: [ref('test/multi:1')] });

    const other = await engine.pullImage(ref('test/multi:1'), { platform: `linux/${OTHER_ARCH}` });
    expect(other).toMatchObject({ manifestDigest: multiOther.manifestDigest, id: multiOther.configDigest, digest: multiIndex, platform: `linux/${OTHER_ARCH}` });
    expect((await engine.inspectImage(ref('test/multi:1'))).architecture).toBe(OTHER_ARCH); // the tag moved
    expect(other.layers.map((layer) => layer.reused)).toEqual([true, true, false]); // base and app shared with the host image

    const before = storeState(engine);
    expect(await refusal(engine.pullImage(ref('test/multi:1'), { platform: 'linux/s390x' }))).toEqual({
      code: 'NOT_FOUND',
      message: `${ref('test/multi:1')} has no image for linux/s390x (it has linux/${OTHER_ARCH}, linux/${HOST_ARCH}); choose one with --platform`,
    });
    expect(await refusal(engine.pullImage(ref('test/a:1'), { platform: `linux/${OTHER_ARCH}` }))).toEqual({
      code: 'NOT_FOUND',
      message: `${ref('test/a:1')} is an image for linux/${HOST_ARCH} only, not linux/${OTHER_ARCH}`,
    });
    expect((await refusal(engine.pullImage(ref('test/multi:1'), { platform: 'linux' }))).code).toBe('INVALID_ARGUMENT');
    expect(storeState(engine)).toEqual(before);
  });

  it('downloads only the layers the store lacks, and says which it has', async () => {
    const engine = freshEngine();
    await engine.pullImage(ref('test/a:1'));
    const logged = registry.blobGets().length;
    const steps: PullProgress[] = [];
    const pulled = await engine.pullImage(ref('test/b:1'), { onProgress: (p) => steps.push(p) });
    const [base, app, other] = pushedB.layers as [PushedImage['layers'][number], PushedImage['layers'][number], PushedImage['layers'][number]];
    expect(pulled).toMatchObject({ downloadedLayers: 1, downloadedBytes: other.size });
    expect(pulled.layers.map((layer) => layer.reused)).toEqual([true, true, false]);
    expect(steps.filter((p) => p.step === 'exists').map((p) => p.digest)).toEqual([base.digest, app.digest]);
    expect(steps.filter((p) => p.step === 'downloaded').map((p) => p.digest)).toEqual([other.digest]);
    expect(steps.find((p) => p.step === 'exists')?.message).toMatch(/^layer 1 of 3 \([0-9a-f]{12}\): already in the store$/);
    // The registry saw B's config and its own layer fetched, nothing else.
    await expect.poll(() => registry.blobGets().slice(logged)).toContain(other.digest);
    expect(registry.blobGets().slice(logged).sort()).toEqual([pushedB.configDigest, other.digest].sort());
    expect((await engine.inspectImage(ref('test/b:1'))).layers.map((layer) => layer.chainId).slice(0, 2)).toEqual((await engine.inspectImage(ref('test/a:1'))).layers.map((layer) => layer.chainId).slice(0, 2));
  });

  it('refuses a blob corrupted on the registry (DIGEST_MISMATCH) and leaves the store exactly as it was', async () => {
    const corrupt = makeLayer(work, 'corrupt', (root) => write(root, 'corrupt.bin', randomBytes(300_000)));
    const pushed = await registry.pushImage('test/corrupt', '1', imageWith('test/corrupt:1', corrupt));
    const victim = pushed.layers[1]!;
    fs.writeFileSync(registry.blobFile(victim.digest), randomBytes(victim.size));
    const engine = freshEngine();
    await engine.pullImage(ref('test/a:1'));
    const before = storeState(engine);
    const failure = await refusal(engine.pullImage(ref('test/corrupt:1')));
    expect(failure.code).toBe('DIGEST_MISMATCH');
    expect(failure.message).toContain(victim.digest);
    expect(storeState(engine)).toEqual(before);
    expect((await engine.listImages()).map((image) => image.tags)).toEqual([[ref('test/a:1')]]);
  });

  it('cancels mid-download: CANCELLED, no image, tag, layer, blob or temp file', async () => {
    const big = makeLayer(work, 'big', (root) => write(root, 'big.bin', randomBytes(32 << 20)));
    const pushed = await registry.pushImage('test/big', '1', imageWith('test/big:1', big), { compression: 'none' });
    const bigBlob = pushed.layers[1]!;
    const engine = freshEngine();
    await engine.pullImage(ref('test/a:1'));
    const before = storeState(engine);
    const controller = new AbortController();
    let seen = 0;
    const failure = await refusal(
      engine.pullImage(ref('test/big:1'), {
        signal: controller.signal,
        onProgress: (p) => {
          if (p.step !== 'downloading' || p.digest !== bigBlob.digest || !p.bytes) return;
          seen = p.bytes;
          controller.abort();
        },
      }),
    );
    expect(failure).toEqual({ code: 'CANCELLED', message: 'pull cancelled' });
    expect(seen).toBeGreaterThan(0);
    expect(seen).toBeLessThan(bigBlob.size);
    expect(storeState(engine)).toEqual(before);
  });

  it('answers NOT_FOUND for a missing repository, tag or digest', async () => {
    const engine = freshEngine();
    const before = storeState(engine);
    for (const name of ['test/nothing:1', 'test/a:nothing', `test/a@sha256:${'0'.repeat(64)}`]) {
      const failure = await refusal(engine.pullImage(ref(name)));
      expect(failure.code, name).toBe('NOT_FOUND');
      expect(failure.message).toMatch(/not found on 127\.0\.0\.1:\d+ \((NAME|MANIFEST)_UNKNOWN/);
    }
    expect(storeState(engine)).toEqual(before);
  });

  it('refuses hostile references with INVALID_ARGUMENT before asking the registry anything', async () => {
    const engine = freshEngine();
    for (const name of ['Test/a:1', 'test/../a:1', 'test/a/..:1', 'test/a:../../x', 'test/a@sha256:xyz', `test/a@sha512:${'a'.repeat(128)}`, 'test//a', 'test/a:1 ', '%2e%2e/a']) {
      expect((await refusal(engine.pullImage(ref(name)))).code, name).toBe('INVALID_ARGUMENT');
    }
    // the path without its query: an upload's _state (base64, from the test's pushes) may spell 'xyz' by chance
    const hostile = (entry: { path: string }) => ['..', '%2e', '%2E', '/Test/', 'sha512', 'xyz'].some((part) => entry.path.split('?')[0]!.includes(part));
    expect(registry.accessLog().filter(hostile)).toEqual([]);
    expect(fs.existsSync(path.join(engine.root, 'pulls'))).toBe(false);
  });

  it('gets a Bearer token from the realm the challenge names, for the repository it pulls', async () => {
    const gate = await TokenGate.start(registry);
    try {
      const engine = freshEngine();
      const pulled = await engine.pullImage(ref('test/a:1', gate.address));
      expect(pulled).toMatchObject({ manifestDigest: pushedA.manifestDigest, tags: [ref('test/a:1', gate.address)] });
      expect(new Set(gate.scopes)).toEqual(new Set(['repository:test/a:pull']));
    } finally {
      await gate.stop();
    }
  });
});

const htpasswdUnavailable = unavailable ?? TestRegistry.unavailable({ htpasswd: { username: 'u', password: 'p' } });
if (!unavailable && htpasswdUnavailable) console.warn(`skipping the registry Basic auth test: ${htpasswdUnavailable}`);

describe.skipIf(htpasswdUnavailable)('pull with Basic auth (htpasswd)', () => {
  it('asks for credentials, refuses wrong ones, pulls with the right ones', async () => {
    const secured = await TestRegistry.start({ htpasswd: { username: 'puller', password: 's3cret' } });
    try {
      const pushed = await secured.pushImage('test/private', '1', a);
      const engine = freshEngine();
      const name = ref('test/private:1', secured.address);
      expect(await refusal(engine.pullImage(name))).toEqual({ code: 'UNAUTHORIZED', message: `${secured.address} needs credentials for manifest ${name}` });
      expect((await refusal(engine.pullImage(name, { credentials: { username: 'puller', password: 'wrong' } }))).code).toBe('UNAUTHORIZED');
      const pulled = await engine.pullImage(name, { credentials: { username: 'puller', password: 's3cret' } });
      expect(pulled).toMatchObject({ manifestDigest: pushed.manifestDigest, tags: [name] });
    } finally {
      await secured.stop();
    }
  });
});

describe.skipIf(unavailable)('pull from a registry on [::1]', () => {
  it('speaks plain HTTP to it, as to localhost and 127.0.0.1', async (context) => {
    if (!(await canListen('::1'))) {
      console.warn('skipping the [::1] pull test: no IPv6 loopback here');
      context.skip();
    }
    const local6 = await TestRegistry.start({ host: '::1', storage: registry.storage });
    try {
      const name = ref('test/a:1', local6.address);
      expect(name).toMatch(/^\[::1\]:\d+\/test\/a:1$/);
      const engine = freshEngine();
      expect(await engine.pullImage(name)).toMatchObject({ manifestDigest: pushedA.manifestDigest, tags: [name] });
      expect((await engine.inspectImage(name)).id).toBe(pushedA.configDigest);
    } finally {
      await local6.stop();
    }
  });
});

describe.skipIf(unavailable)('pull from a registry that is not on this machine (127.0.0.2)', () => {
  it('speaks TLS and checks certificates unless insecure; falls back to HTTP only when insecure', async (context) => {
    if (!(await canListen('127.0.0.2'))) {
      console.warn('skipping the TLS pull test: cannot listen on 127.0.0.2 here');
      context.skip();
    }
    // Both serve the storage the tests pushed to over plain HTTP on 127.0.0.1.
    const tls = await TestRegistry.start({ host: '127.0.0.2', tls: true, storage: registry.storage });
    const plain = await TestRegistry.start({ host: '127.0.0.2', storage: registry.storage });
    try {
      const engine = freshEngine();
      const overTls = ref('test/a:1', tls.address);
      const failure = await refusal(engine.pullImage(overTls));
      expect(failure.code).toBe('UNAVAILABLE');
      expect(failure.message).toMatch(/^127\.0\.0\.2:\d+: TLS failed \(.*certificate.*\); if you trust this registry, pull with --tls-verify=false/);
      expect(await engine.pullImage(overTls, { insecure: true })).toMatchObject({ manifestDigest: pushedA.manifestDigest, tags: [overTls] });

      const overHttp = ref('test/a:1', plain.address);
      expect((await refusal(engine.pullImage(overHttp))).code).toBe('UNAVAILABLE');
      expect(await engine.pullImage(overHttp, { insecure: true })).toMatchObject({ manifestDigest: pushedA.manifestDigest, tags: [overHttp], downloadedLayers: 0 });
    } finally {
      await tls.stop();
      await plain.stop();
    }
  });
});
