// images.build's fields as the window sends them, through the API (real engine, real
// RUN): the Containerfile as text, build args, a target and no cache reach the build; a
// text too long and a build-arg name `$NAME` could not expand are refused by the input
// schema with INVALID_ARGUMENT, before any job starts or anything is written; and
// images.containerfileOutline answers the dialog's questions.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api } from '../../src-main/api/dispatch';
import type { Session } from '../../src-main/api/session';
import { MAX_CONTAINERFILE_TEXT } from '@shared/build-input';
import type { JobInfo } from '@shared/api/types/jobs';
import type { BuildResult } from '@shared/api/types/images';
import { Engine } from '../../src-main/engine/index';
import { makeTempDir, testImages, writeOciLayout } from '../helpers/test-images';

const BASE = 'test/busybox:1';

let work: string;
let engine: Engine;
let api: Api;
let session: Session;
const done: JobInfo[] = [];

beforeAll(async () => {
  work = makeTempDir('api-build-input');
  engine = Engine.open({ root: path.join(work, 'store') });
  const { layers } = testImages(work);
  await engine.importImage({ path: writeOciLayout(path.join(work, 'layout'), [{ tag: BASE, layers: [layers.base], cmd: ['/bin/sh'] }]) });
  api = new Api({ engine });
  session = api.openSession((event, payload) => {
    if (event === 'jobs.done') done.push(payload as JobInfo);
  });
  session.subscribe('jobs.done');
});

afterAll(async () => {
  await api?.close();
  fs.rmSync(work, { recursive: true, force: true });
});

function emptyContext(name: string): string {
  const dir = path.join(work, 'contexts', name);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

async function build(input: Record<string, unknown>): Promise<JobInfo> {
  const reply = await session.call('images.build', input);
  if (!('result' in reply)) throw new Error(JSON.stringify(reply));
  const id = (reply.result as JobInfo).id;
  await expect.poll(() => done.some((job) => job.id === id), { timeout: 60_000 }).toBe(true);
  return done.find((job) => job.id === id)!;
}

async function jobCount(): Promise<number> {
  const reply = await session.call('jobs.list', {});
  return (reply as { result: JobInfo[] }).result.length;
}

describe('images.build from the window', () => {
  it('takes the Containerfile as text, with build args, a target and no cache', async () => {
    const context = emptyContext('inline');
    const containerfileText = `FROM ${BASE} AS base\nARG FLAVOUR=plain\nLABEL flavour=$FLAVOUR\nRUN echo "$FLAVOUR" > /flavour\nFROM base AS extra\nLABEL extra=yes\n`;
    const job = await build({ contextDir: context, containerfileText, buildArgs: { FLAVOUR: 'mint' }, target: 'base', noCache: true, tags: ['test/api-inline:1'], network: 'none' });
    expect(job.state).toBe('succeeded');
    const result = job.result as BuildResult;
    expect(result.steps.map((step) => [step.createdBy.split(' ')[0], step.cached])).toEqual([['ARG', false], ['LABEL', false], ['RUN', false]]);
    expect((await engine.inspectImage('test/api-inline:1')).config.Labels).toEqual({ flavour: 'mint' });
    expect(fs.readdirSync(context)).toEqual([]);
  });

  it('refuses a text too long with INVALID_ARGUMENT: no job, nothing written', async () => {
    const context = emptyContext('too-long');
    const jobs = await jobCount();
    const reply = await session.call('images.build', { contextDir: context, containerfileText: `FROM ${BASE}\n`.padEnd(MAX_CONTAINERFILE_TEXT + 1, '#') });
    expect(reply).toEqual({ error: { code: 'INVALID_ARGUMENT', message: `images.build: invalid input: containerfileText: at most ${MAX_CONTAINERFILE_TEXT} characters` } });
    expect(await jobCount()).toBe(jobs);
    expect(fs.readdirSync(context)).toEqual([]);
    expect(fs.existsSync(path.join(engine.root, 'builds')) ? fs.readdirSync(path.join(engine.root, 'builds')) : []).toEqual([]);
  });

  it('refuses a build-arg name $NAME could not expand', async () => {
    const reply = await session.call('images.build', { contextDir: emptyContext('bad-arg'), containerfileText: `FROM ${BASE}\n`, buildArgs: { 'MY-ARG': 'x' } });
    expect(reply).toEqual({ error: { code: 'INVALID_ARGUMENT', message: 'images.build: invalid input: buildArgs.MY-ARG: "-" can not be in a name: letters, digits and _ only.' } });
  });

  it('fails a build whose target is no stage, naming the stages', async () => {
    const job = await build({ contextDir: emptyContext('bad-target'), containerfileText: `FROM ${BASE} AS one\nFROM one AS two\n`, target: 'three' });
    expect(job).toMatchObject({ state: 'failed', error: { code: 'INVALID_ARGUMENT', message: '--target three: no stage has that name (stages: one, two)' } });
  });
});

describe('images.containerfileOutline', () => {
  it("lists a context's stages and ARGs, says when it has none, and gives a parse error its line", async () => {
    const context = emptyContext('outline');
    const call = async (input: Record<string, unknown>) => session.call('images.containerfileOutline', input);
    expect(await call({ contextDir: context })).toEqual({ result: { file: null, found: false, stages: [], args: [] } });
    fs.writeFileSync(path.join(context, 'Containerfile'), `FROM ${BASE} AS build\nARG V=1\n`);
    expect(await call({ contextDir: context })).toEqual({
      result: { file: path.join(context, 'Containerfile'), found: true, stages: [{ index: 0, name: 'build', from: BASE, line: 1 }], args: [{ name: 'V', defaultValue: '1', line: 2 }] },
    });
    expect(await call({ containerfileText: `FROM ${BASE}\nWHAT now\n` })).toMatchObject({ result: { problem: { message: 'unknown instruction WHAT', line: 2 } } });
    expect(await call({ contextDir: path.join(context, 'missing') })).toMatchObject({ error: { code: 'NOT_FOUND' } });
    expect(await call({})).toMatchObject({ error: { code: 'INVALID_ARGUMENT' } });
    expect(fs.readdirSync(context)).toEqual(['Containerfile']);
  });
});
