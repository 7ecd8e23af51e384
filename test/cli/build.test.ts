// `strata build` as a user types it (the built CLI, real containers): docker/buildah-style
// step lines with the RUN output streamed, cache hits on a rebuild, -f, --build-arg,
// --target, --no-cache, --json, and failures with their line and exit status.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, testImages, writeOciLayout } from '../helpers/test-images';

let work: string;
let root: string;
let context: string;
const bin = path.resolve('bin/strata.js');

function strata(...args: string[]): { code: number; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [bin, '--root', root, ...args], { encoding: 'utf8' });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

const CONTAINERFILE = `FROM test/busybox:1 AS base
ARG GREETING=hello
RUN echo "$GREETING from RUN" && echo "$GREETING" > /greeting
COPY app.txt /app/
FROM base AS final
WORKDIR /app
CMD ["sh", "-c", "cat /greeting app.txt"]
`;

beforeAll(() => {
  work = makeTempDir('cli-build');
  root = path.join(work, 'store');
  const { layers } = testImages(work);
  expect(strata('import', writeOciLayout(path.join(work, 'layout'), [{ tag: 'test/busybox:1', layers: [layers.base], cmd: ['/bin/sh'] }])).code).toBe(0);
  context = path.join(work, 'context');
  fs.mkdirSync(context);
  fs.writeFileSync(path.join(context, 'Containerfile'), CONTAINERFILE);
  fs.writeFileSync(path.join(context, 'app.txt'), 'the app\n');
});

afterAll(() => {
  const mounts = fs.readFileSync('/proc/self/mountinfo', 'utf8');
  fs.rmSync(work, { recursive: true, force: true });
  expect(mounts).not.toContain(root);
});

describe('strata build', () => {
  it('prints each step, streams RUN output, and ends with the tags and the image id', () => {
    const result = strata('build', '-t', 'test/cli-app:1', '-t', 'test/cli-app:latest', context);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines.filter((line) => line.startsWith('STEP '))).toEqual([
      'STEP 1/7: FROM test/busybox:1 AS base',
      'STEP 2/7: ARG GREETING=hello',
      'STEP 3/7: RUN |1 GREETING=hello /bin/sh -c echo "$GREETING from RUN" && echo "$GREETING" > /greeting',
      'STEP 4/7: COPY app.txt /app/',
      'STEP 5/7: FROM base AS final',
      'STEP 6/7: WORKDIR /app',
      'STEP 7/7: CMD ["sh","-c","cat /greeting app.txt"]',
    ]);
    expect(lines).toContain('hello from RUN');
    expect(lines.slice(-3, -1)).toEqual(['Successfully tagged test/cli-app:1', 'Successfully tagged test/cli-app:latest']);
    expect(lines.at(-1)).toMatch(/^[0-9a-f]{64}$/);
    expect(strata('run', '--rm', 'test/cli-app:1')).toMatchObject({ code: 0, stdout: 'hello\nthe app\n' });
  });

  it('says "Using cache" for every step of an unchanged rebuild, and gives the same image', () => {
    const first = strata('build', '-q', context).stdout;
    const again = strata('build', '-t', 'test/cli-app:1', context);
    expect(again.code).toBe(0);
    expect(again.stdout.split('\n').filter((line) => line.startsWith('--> Using cache'))).toHaveLength(5);
    expect(again.stdout).not.toContain('hello from RUN');
    expect(again.stdout.trimEnd().split('\n').at(-1)).toBe(first.trim());
  });

  it('takes -f, --build-arg, --target, --no-cache and --json', () => {
    const elsewhere = path.join(work, 'Other.containerfile');
    fs.writeFileSync(elsewhere, CONTAINERFILE);
    const result = strata('build', '--json', '-f', elsewhere, '--build-arg', 'GREETING=bonjour', '--target', 'base', '--no-cache', '-t', 'test/cli-base:1', context);
    expect(result.code).toBe(0);
    const built = JSON.parse(result.stdout) as { id: string; tags: string[]; steps: { createdBy: string; cached: boolean }[] };
    expect(built.tags).toEqual(['test/cli-base:1']);
    expect(built.steps.map((step) => step.cached)).toEqual([false, false, false]);
    expect(result.stderr).toContain('bonjour from RUN'); // progress goes to stderr beside --json
    expect(strata('run', '--rm', 'test/cli-base:1', 'cat', '/greeting').stdout).toBe('bonjour\n');
  });

  it('fails with the line, the exit code and the output of a failing RUN, tagging nothing', () => {
    const failing = path.join(work, 'failing');
    fs.mkdirSync(failing);
    fs.writeFileSync(path.join(failing, 'Dockerfile'), 'FROM test/busybox:1\nRUN echo about to fail; exit 4\n');
    const result = strata('build', '-t', 'test/cli-failed:1', failing);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('about to fail');
    expect(result.stderr).toBe('strata build: line 2: RUN /bin/sh -c echo about to fail; exit 4 failed with exit code 4:\n  about to fail [INVALID_ARGUMENT]\n');
    expect(strata('images').stdout).not.toContain('cli-failed');
    fs.writeFileSync(path.join(failing, 'Dockerfile'), 'FROM test/busybox:1\nRUN true\nFROB x\n');
    expect(strata('build', failing)).toMatchObject({ code: 1, stderr: 'strata build: line 3: unknown instruction FROB [INVALID_ARGUMENT]\n' });
    expect(strata('build')).toMatchObject({ code: 2 });
    expect(strata('build', path.join(work, 'no-such-dir'))).toMatchObject({ code: 1, stderr: expect.stringContaining('[NOT_FOUND]') });
  });
});
