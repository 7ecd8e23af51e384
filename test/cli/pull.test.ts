// `strata pull` as a user runs it (the built CLI) against a real registry: a line per
// layer, the image at the end, the tag in `strata images`; usage errors exit 2.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatBytes } from '@shared/units';
import { type PushedImage, TestRegistry } from '../helpers/registry';
import { type TestImage, makeTempDir, testImages } from '../helpers/test-images';

const bin = path.resolve('bin/strata.js');

function builtWithoutPull(): string | undefined {
  if (!fs.existsSync(path.resolve('out/main/cli.js'))) return 'the CLI is not built (npx electron-vite build; npm test builds)';
  const help = spawnSync(process.execPath, [bin, '--help'], { encoding: 'utf8' }).stdout;
  return /^ {2}pull /m.test(help) ? undefined : 'out/main/cli.js predates `strata pull`: rebuild it (npm test builds)';
}

const unavailable = TestRegistry.unavailable() ?? builtWithoutPull();
if (unavailable) console.warn(`skipping the strata pull CLI test: ${unavailable}`);

let work: string;
let root: string;
let registry: TestRegistry;
let pushed: PushedImage;
let image: TestImage;

function strata(...args: string[]): { code: number; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [bin, '--root', root, ...args], { encoding: 'utf8' });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

beforeAll(async () => {
  if (unavailable) return;
  work = makeTempDir('cli-pull');
  root = path.join(work, 'store');
  registry = await TestRegistry.start();
  image = testImages(work).a;
  pushed = await registry.pushImage('test/a', '1', image);
});

afterAll(async () => {
  await registry?.stop();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

describe.skipIf(unavailable)('strata pull', () => {
  it('prints a line per layer and the image, then lists its tag', () => {
    const reference = `${registry.address}/test/a:1`;
    const short = (digest: string) => digest.slice(7, 19);
    const first = strata('pull', reference);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    // the window's units (src-shared/units.ts)
    const size = (bytes: number) => formatBytes(bytes).replace('.', '\\.');
    const lines = pushed.layers.map((layer) => `${short(layer.digest)}: downloaded ${size(layer.size)}`);
    expect(first.stdout).toMatch(
      new RegExp(`^${lines.join('\\n')}\\nDigest: ${pushed.manifestDigest}\\nPulled ${reference} \\(linux/\\w+\\): image ${short(pushed.configDigest)} as ${reference}; 3 layers, 0 already in the store, [\\d.]+ (B|KiB|MiB) downloaded\\n$`),
    );
    const again = strata('pull', reference);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(pushed.layers.map((layer) => `${short(layer.digest)}: already in the store`).join('\n'));
    expect(again.stdout).toContain('3 layers, 3 already in the store, 0 B downloaded');
    const images = JSON.parse(strata('images', '--json').stdout) as { id: string; tags: string[] }[];
    expect(images).toEqual([expect.objectContaining({ id: pushed.configDigest, tags: [reference] })]);
  });

  it('prints the result as JSON with --json, and exits 1 with the code on failure, 2 on bad usage', () => {
    const result = strata('pull', '--json', `${registry.address}/test/a:1`);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ manifestDigest: pushed.manifestDigest, downloadedLayers: 0 });

    const missing = strata('pull', `${registry.address}/test/missing:1`);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^strata pull: manifest 127\.0\.0\.1:\d+\/test\/missing:1: not found on .* \[NOT_FOUND\]\n$/);
    expect(strata('pull', '--platform', 'linux', `${registry.address}/test/a:1`).stderr).toMatch(/invalid platform "linux".*\[INVALID_ARGUMENT\]/);
    const usage = strata('pull', '--tls-verify=maybe', `${registry.address}/test/a:1`);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/--tls-verify takes =true or =false/);
    expect(strata('pull').code).toBe(2);
  });
});

const htpasswdUnavailable = unavailable ?? TestRegistry.unavailable({ htpasswd: { username: 'u', password: 'p' } });
if (!unavailable && htpasswdUnavailable) console.warn(`skipping the strata pull --creds test: ${htpasswdUnavailable}`);

describe.skipIf(htpasswdUnavailable)('strata pull --creds', () => {
  it('sends the credentials with the pull through the API; without them the registry refuses', async () => {
    const secured = await TestRegistry.start({ htpasswd: { username: 'puller', password: 's3cret' } });
    try {
      await secured.pushImage('test/private', '1', image);
      const reference = `${secured.address}/test/private:1`;
      expect(strata('pull', reference)).toMatchObject({ code: 1, stderr: expect.stringContaining('[UNAUTHORIZED]') });
      expect(strata('pull', '--creds', 'puller:wrong', reference)).toMatchObject({ code: 1, stderr: expect.stringContaining('[UNAUTHORIZED]') });
      const pulled = spawnSync(process.execPath, [bin, '--root', root, 'pull', '-q', '--creds', 'puller', reference], { encoding: 'utf8', env: { ...process.env, STRATA_REGISTRY_PASSWORD: 's3cret' } });
      expect({ code: pulled.status, stderr: pulled.stderr }).toEqual({ code: 0, stderr: '' });
      expect(pulled.stdout).toContain(`Pulled ${reference}`);
    } finally {
      await secured.stop();
    }
  });
});
