// A Containerfile given as text (the window's editor), and the outline the Build dialog
// reads (stages, ARGs, parse errors): a real build from text in a context without a
// Containerfile that leaves the context as it was; a text too long refused before anything
// is opened or written; text and file together refused; an unknown target named clearly.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_CONTAINERFILE_TEXT } from '@shared/build-input';
import { containerfileOutline } from '../../../src-main/engine/build/outline';
import { BASE, type Fixture, expectNothingLeft, openFixture } from './build-fixture';

let fixture: Fixture;

beforeAll(async () => {
  fixture = await openFixture('build-inline');
});

afterAll(async () => {
  await fixture.cleanup();
});

/** Every path under `dir` with its content (files) or kind: what a build must not change. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const full = path.join(entry.parentPath, entry.name);
    out[path.relative(dir, full)] = entry.isFile() ? fs.readFileSync(full, 'utf8') : entry.isDirectory() ? 'dir' : 'other';
  }
  return out;
}

function storeEntries(): string[] {
  const builds = path.join(fixture.engine.root, 'builds');
  return [...fs.readdirSync(fixture.engine.root).sort(), ...(fs.existsSync(builds) ? fs.readdirSync(builds).map((name) => `builds/${name}`) : [])];
}

describe('a Containerfile given as text', () => {
  it('builds in a context without one, with its build args and COPY from the context, and writes nothing into the context', async () => {
    const context = fixture.context('no-containerfile', { 'hello.txt': 'hello from the context\n' });
    const before = snapshot(context);
    const text = `FROM ${BASE}\nARG GREETING=hi\nLABEL greeting=$GREETING\nCOPY hello.txt /hello.txt\nRUN echo "$GREETING" > /greeting\n`;
    const result = await fixture.build(context, { containerfileText: text, tags: ['test/inline:1'], buildArgs: { GREETING: 'bonjour' } });
    expect(result.tags).toEqual(['test/inline:1']);
    const image = await fixture.engine.inspectImage('test/inline:1');
    expect(image.config.Labels).toEqual({ greeting: 'bonjour' });
    expect(await fixture.run('test/inline:1', ['cat', '/hello.txt', '/greeting'])).toBe('hello from the context\nbonjour');
    expect(snapshot(context)).toEqual(before);
    await expectNothingLeft(fixture);
  });

  it('is used instead of the context’s own Containerfile', async () => {
    const context = fixture.context('has-one', { Containerfile: `FROM ${BASE}\nLABEL from=file\n` });
    await fixture.build(context, { containerfileText: `FROM ${BASE}\nLABEL from=text\n`, tags: ['test/inline:2'] });
    expect((await fixture.engine.inspectImage('test/inline:2')).config.Labels).toEqual({ from: 'text' });
    expect(fs.readFileSync(path.join(context, 'Containerfile'), 'utf8')).toBe(`FROM ${BASE}\nLABEL from=file\n`);
  });

  it('is refused when too long, before anything is opened or written', async () => {
    const context = fixture.context('too-long', {});
    const before = { store: storeEntries(), context: snapshot(context), images: (await fixture.engine.listImages()).length };
    const text = `FROM ${BASE}\n${'#'.repeat(MAX_CONTAINERFILE_TEXT)}\n`;
    await expect(fixture.build(context, { containerfileText: text, tags: ['test/too-long:1'] })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: `the Containerfile text is ${text.length} characters long; at most ${MAX_CONTAINERFILE_TEXT} are taken`,
    });
    // Refused before the context is looked at: even a context that does not exist gives the same answer.
    await expect(fixture.build(path.join(context, 'missing'), { containerfileText: text })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect({ store: storeEntries(), context: snapshot(context), images: (await fixture.engine.listImages()).length }).toEqual(before);
  });

  it('is refused together with a file', async () => {
    const context = fixture.context('both', { Containerfile: `FROM ${BASE}\n` });
    await expect(fixture.build(context, { containerfile: path.join(context, 'Containerfile'), containerfileText: `FROM ${BASE}\n` })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: 'give the Containerfile as a file or as text, not both',
    });
  });

  it('names the stages there are when the target is not one of them', async () => {
    const context = fixture.context('unknown-target', {});
    const before = (await fixture.engine.listImages()).length;
    const text = `FROM ${BASE} AS base\nRUN true\nFROM base AS app\nLABEL app=1\n`;
    await expect(fixture.build(context, { containerfileText: text, target: 'tests', tags: ['test/target:1'] })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: '--target tests: no stage has that name (stages: base, app)',
    });
    expect((await fixture.engine.listImages()).length).toBe(before);
    await expectNothingLeft(fixture);
  });

  it('a parse error names its line', async () => {
    const context = fixture.context('parse-error', {});
    await expect(fixture.build(context, { containerfileText: `FROM ${BASE}\nRUN true\nFROBNICATE\n` })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: 'line 3: unknown instruction FROBNICATE' });
  });
});

describe('the outline of a Containerfile', () => {
  const multi = [
    'ARG BASE=test/busybox:1',
    'FROM ${BASE} AS Builder',
    'ARG VERSION=1.0 FLAVOUR',
    'RUN echo $VERSION',
    'FROM scratch',
    'FROM builder AS final',
    'ARG VERSION',
    '',
  ].join('\n');

  it('lists the context’s stages and ARGs (each ARG once, at its first line)', async () => {
    const context = fixture.context('outline', { Dockerfile: multi });
    expect(await containerfileOutline({ contextDir: context })).toEqual({
      file: path.join(context, 'Dockerfile'),
      found: true,
      stages: [
        { index: 0, name: 'Builder', from: '${BASE}', line: 2 },
        { index: 1, from: 'scratch', line: 5 },
        { index: 2, name: 'final', from: 'builder', line: 6 },
      ],
      args: [
        { name: 'BASE', defaultValue: 'test/busybox:1', line: 1 },
        { name: 'VERSION', defaultValue: '1.0', line: 3 },
        { name: 'FLAVOUR', line: 3 },
      ],
    });
  });

  it('says when the context has none; a file named that is missing, or a context that is, is NOT_FOUND', async () => {
    const context = fixture.context('outline-none', { 'app.txt': 'x' });
    expect(await containerfileOutline({ contextDir: context })).toEqual({ file: null, found: false, stages: [], args: [] });
    await expect(containerfileOutline({ containerfile: path.join(context, 'Nope') })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(containerfileOutline({ contextDir: path.join(context, 'nope') })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('reads only a regular file: a device or a directory named is refused, not read forever', async () => {
    await expect(containerfileOutline({ containerfile: '/dev/zero' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: '/dev/zero: not a regular file' });
    const context = fixture.context('outline-dir', { 'Containerfile/x': 'y' });
    await expect(containerfileOutline({ contextDir: context })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: `${context}/Containerfile: not a regular file` });
    await expect(fixture.build(context, { containerfile: '/dev/zero' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: '/dev/zero: not a regular file' });
  });

  it('gives a parse error as a problem with its line, not as a failure', async () => {
    expect(await containerfileOutline({ containerfileText: `FROM ${BASE}\nRUN true\nCOPY onlyone\n` })).toEqual({
      file: null,
      found: true,
      stages: [],
      args: [],
      problem: { message: 'COPY needs at least one source and a destination', line: 3 },
    });
    expect((await containerfileOutline({ containerfileText: '# only a comment\n' })).problem).toEqual({ message: 'the Containerfile has no instructions (it needs at least a FROM line)' });
    expect((await containerfileOutline({ containerfileText: `FROM ${BASE}\nSHELL ["/bin/bash"]\n` })).problem).toEqual({ message: 'SHELL is not supported by strata build yet', line: 2 });
  });

  it('refuses text too long, as a build does', async () => {
    await expect(containerfileOutline({ containerfileText: 'x'.repeat(MAX_CONTAINERFILE_TEXT + 1) })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});
