// A build's output through the API (real engine, real RUN steps): every step header and
// every line the steps print arrive as `jobs.output`, in order and without a gap, all before
// `jobs.done`; a failed build's failing step is in it; and `jobs.output` gives the same
// lines to a reader that came late.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api } from '../../src-main/api/dispatch';
import type { EventName } from '@shared/api/contract';
import type { Session } from '../../src-main/api/session';
import type { JobInfo, JobOutput, JobOutputEvent, JobOutputLine } from '@shared/api/types/jobs';
import { Engine } from '../../src-main/engine/index';
import { makeTempDir, testImages, writeOciLayout } from '../helpers/test-images';

const BASE = 'test/busybox:1';
const COUNT = 400;

let work: string;
let api: Api;

beforeAll(async () => {
  work = makeTempDir('api-build-output');
  const engine = Engine.open({ root: path.join(work, 'store') });
  const { layers } = testImages(work);
  await engine.importImage({ path: writeOciLayout(path.join(work, 'layout'), [{ tag: BASE, layers: [layers.base], cmd: ['/bin/sh'] }]) });
  api = new Api({ engine });
});

afterAll(async () => {
  await api?.close();
  fs.rmSync(work, { recursive: true, force: true });
});

function context(name: string, containerfile: string): string {
  const dir = path.join(work, 'contexts', name);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'Containerfile'), containerfile);
  return dir;
}

/** A client subscribed to a job's output and end; `build` starts a build and waits for it. */
function client() {
  const outputs: JobOutputEvent[] = [];
  const done: JobInfo[] = [];
  const order: EventName[] = [];
  const session: Session = api.openSession((event, payload) => {
    order.push(event);
    if (event === 'jobs.output') outputs.push(payload as JobOutputEvent);
    if (event === 'jobs.done') done.push(payload as JobInfo);
  });
  session.subscribe('jobs.output');
  session.subscribe('jobs.done');
  return {
    session,
    order,
    async build(contextDir: string): Promise<{ job: JobInfo; lines: JobOutputLine[] }> {
      const reply = await session.call('images.build', { contextDir, network: 'none', noCache: true });
      if (!('result' in reply)) throw new Error(JSON.stringify(reply));
      const id = (reply.result as JobInfo).id;
      await expect.poll(() => done.some((job) => job.id === id), { timeout: 60_000 }).toBe(true);
      const lines = outputs.filter((event) => event.jobId === id).flatMap((event) => event.lines);
      return { job: done.find((job) => job.id === id)!, lines };
    },
  };
}

describe("a build job's output", () => {
  it('arrives whole and in order: each step, then what it printed, before the end', async () => {
    const c = client();
    const dir = context('two-runs', `FROM ${BASE}\nRUN for i in $(seq 1 ${COUNT}); do echo "first $i"; done; echo "to stderr" >&2\nRUN echo "second step says hello"\n`);
    const { job, lines } = await c.build(dir);
    expect(job.state).toBe('succeeded');

    expect(lines.map((line) => line.seq)).toEqual(lines.map((_, index) => index));
    const stepHeaders = lines.filter((line) => line.kind === 'step');
    expect(stepHeaders.map((line) => line.text)).toEqual([`STEP 1/3: FROM ${BASE}`, expect.stringMatching(/^STEP 2\/3: RUN .*seq 1 400/), 'STEP 3/3: RUN /bin/sh -c echo "second step says hello"']);
    const printed = (step: number) => lines.filter((line) => line.step === step && (line.kind === 'stdout' || line.kind === 'stderr'));
    expect(printed(2).filter((line) => line.kind === 'stdout').map((line) => line.text)).toEqual(Array.from({ length: COUNT }, (_, i) => `first ${i + 1}`));
    expect(printed(2).filter((line) => line.kind === 'stderr').map((line) => line.text)).toEqual(['to stderr']);
    expect(printed(3).map((line) => line.text)).toEqual(['second step says hello']);
    // Each step's lines come after its header and before its end.
    for (const step of [2, 3]) {
      const own = lines.filter((line) => line.step === step).map((line) => line.kind);
      expect(own[0]).toBe('step');
      expect(own.at(-1)).toBe('step-done');
    }
    expect(lines.find((line) => line.kind === 'step-done' && line.step === 3)).toMatchObject({ cached: false, total: 3 });
    // Every batch before jobs.done (test/api/jobs.test.ts checks the batching itself).
    expect(c.order.lastIndexOf('jobs.output')).toBeLessThan(c.order.indexOf('jobs.done'));

    // A reader that came late: the same lines from jobs.output.
    const kept = await c.session.call('jobs.output', { id: job.id });
    expect(kept).toEqual({ result: { jobId: job.id, lines, first: 0, next: lines.length } satisfies JobOutput });
    const tail = await c.session.call('jobs.output', { id: job.id, since: lines.length - 2 });
    expect(tail).toEqual({ result: expect.objectContaining({ lines: lines.slice(-2) }) });
    c.session.close();
  });

  it("of a failed build ends with the failing step's output", async () => {
    const c = client();
    const dir = context('fails', `FROM ${BASE}\nRUN echo "about to fail"; echo "the reason" >&2; exit 3\nRUN echo never\n`);
    const { job, lines } = await c.build(dir);
    expect(job).toMatchObject({ state: 'failed', error: { code: 'INVALID_ARGUMENT' } });
    expect(lines.filter((line) => line.step === 2).map((line) => [line.kind, line.text])).toEqual([
      ['step', expect.stringMatching(/^STEP 2\/3: RUN /)],
      ['stdout', 'about to fail'],
      ['stderr', 'the reason'],
    ]);
    expect(lines.some((line) => line.step === 3)).toBe(false);
    c.session.close();
  });

  it('is NOT_FOUND for a job that does not exist', async () => {
    const c = client();
    expect(await c.session.call('jobs.output', { id: 'nope' })).toMatchObject({ error: { code: 'NOT_FOUND' } });
    c.session.close();
  });
});
