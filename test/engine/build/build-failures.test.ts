// Builds that fail or are cancelled: a clear message (with the line, and for RUN the exit
// code and the last lines it printed), no image and no tag, and nothing left behind — no
// mounts, build directories, runtime containers, cgroups or processes. A crashed build's
// directory is cleared by the next build.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MNT_DETACH, mount, processStartTime, umount } from '../../../native/lib/index';
import { RunStepError } from '../../../src-main/engine/build/run-step';
import { isStrataError } from '@shared/errors';
import { BASE, type Fixture, buildCgroups, expectNothingLeft, openFixture } from './build-fixture';

let fixture: Fixture;

beforeAll(async () => {
  fixture = await openFixture('build-failures');
});

afterAll(async () => {
  await fixture.cleanup();
});

async function images(): Promise<string[]> {
  return (await fixture.engine.listImages())
    .map((image) => `${image.id} ${image.tags.join(',')}`)
    .sort();
}

/** Builds `containerfile`, expecting it to fail; checks it left nothing; returns the error. */
async function failedBuild(containerfile: string, files: Record<string, string> = {}, options: Parameters<Fixture['build']>[1] = {}): Promise<Error> {
  const before = await images();
  const context = fixture.context(`failing-${Math.random().toString(36).slice(2)}`, { Containerfile: containerfile, ...files });
  const error = await fixture.build(context, { tags: ['test/should-not-exist:1'], ...options }).then(
    () => new Error('the build succeeded'),
    (thrown: Error) => thrown,
  );
  expect(await images()).toEqual(before);
  await expectNothingLeft(fixture);
  return error;
}

describe('a failing build', () => {
  it('names the line of an unknown instruction', async () => {
    const error = await failedBuild(`FROM ${BASE}\nRUN true\n\n# a comment\nFROBNICATE it\n`);
    expect(error).toMatchObject({ code: 'INVALID_ARGUMENT', message: 'line 5: unknown instruction FROBNICATE' });
  });

  it('says which RUN failed, with its exit code and last lines of output; the steps before it are cached', async () => {
    const script = 'for i in 1 2 3 4 5 6 7 8 9 10 11 12; do echo line $i; done; echo oops >&2; exit 3';
    const error = await failedBuild(`FROM ${BASE}\nRUN echo ok > /ok\nRUN ${script}\nRUN echo never\n`);
    expect(error).toBeInstanceOf(RunStepError);
    expect(error).toMatchObject({ code: 'INVALID_ARGUMENT', line: 3, exitCode: 3 });
    const tail = Array.from({ length: 9 }, (_, i) => `  line ${i + 4}`).concat('  oops');
    expect(error.message).toBe([`line 3: RUN /bin/sh -c ${script} failed with exit code 3:`, ...tail].join('\n'));
    const fixed = await fixture.build(fixture.context('fixed', { Containerfile: `FROM ${BASE}\nRUN echo ok > /ok\nRUN true\n` }));
    expect(fixed.steps.map((step) => step.cached)).toEqual([true, false]);
  });

  it('fails a RUN whose program is missing, or whose USER is unknown', async () => {
    const missing = await failedBuild(`FROM ${BASE}\nRUN ["/no/such/program"]\n`);
    expect(missing).toMatchObject({ exitCode: 127, message: 'line 2: RUN /no/such/program failed with exit code 127:\n  exec /no/such/program: No such file or directory' });
    expect(await failedBuild(`FROM ${BASE}\nUSER ghost\nRUN true\n`)).toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/^line 3: RUN: unable to find user ghost/) });
  });

  it('refuses COPY of a path outside the context', async () => {
    fs.writeFileSync(path.join(fixture.work, 'contexts', 'outside.txt'), 'host file\n');
    const error = await failedBuild(`FROM ${BASE}\nCOPY ../outside.txt /\n`);
    expect(error).toMatchObject({ code: 'INVALID_ARGUMENT', message: 'line 2: COPY source "../outside.txt": is outside the build context' });
    expect(await failedBuild(`FROM ${BASE}\nCOPY missing.txt /\n`)).toMatchObject({ code: 'NOT_FOUND', message: 'line 2: COPY source "missing.txt": not found in the build context' });
  });

  it("gives a coded error naming the step and the path in the image when the image's files refuse a COPY", async () => {
    const file = await failedBuild(`FROM ${BASE}\nRUN /bin/busybox ln -s /etc/passwd/sub /x\nCOPY f.txt /x/f.txt\n`, { 'f.txt': 'f\n' });
    expect(file).toMatchObject({ code: 'INVALID_ARGUMENT', message: 'line 3: COPY: /etc/passwd is not a directory in the image (on the way to /x)' });
    const long = `/${'n'.repeat(300)}`;
    const name = await failedBuild(`FROM ${BASE}\nCOPY f.txt ${long}\n`, { 'f.txt': 'f\n' });
    expect(name).toMatchObject({ code: 'INVALID_ARGUMENT', message: `line 2: COPY: ${long}: name too long` });
  });

  it('names a missing base image', async () => {
    const error = await failedBuild(`FROM ${BASE}\nRUN true\nFROM test/nope:1\nRUN true\n`);
    expect(error).toMatchObject({ code: 'NOT_FOUND', message: 'line 3: FROM test/nope:1: no such image in the store (pull or import it first)' });
  });

  it('is cancelled by its signal, in the middle of a RUN, leaving no process behind', async () => {
    const abort = new AbortController();
    const before = buildCgroups();
    let ours: string[] = [];
    let processes: { pid: number; start: bigint }[] = [];
    const error = await failedBuild(`FROM ${BASE}\nRUN echo started; sleep 600\n`, {}, {
      signal: abort.signal,
      onProgress: (event) => {
        if (event.kind !== 'output' || event.line !== 'started') return;
        // this build's cgroups: those that appeared since it began (other test files build too)
        ours = [...buildCgroups()].filter((dir) => !before.has(dir));
        processes = ours.flatMap(procsOf).map((pid) => ({ pid, start: processStartTime(pid) }));
        abort.abort();
      },
    });
    expect(isStrataError(error, 'CANCELLED')).toBe(true);
    // The RUN ran in a cgroup under the strata parent (gone now, see failedBuild), with its processes.
    expect(ours.some((dir) => /\/strata\/build-[0-9a-f]{64}$/.test(dir))).toBe(true);
    expect(processes.length).toBeGreaterThan(0);
    // none of them lives on (a pid reused by another process has another start time)
    const alive = processes.filter(({ pid, start }) => {
      try {
        return processStartTime(pid) === start && !fs.readFileSync(`/proc/${pid}/stat`, 'utf8').match(/\) [ZX] /);
      } catch {
        return false;
      }
    });
    expect(alive).toEqual([]);
  });

  it('does not start when cancelled already', async () => {
    const abort = new AbortController();
    abort.abort();
    expect(await failedBuild(`FROM ${BASE}\nRUN true\n`, {}, { signal: abort.signal })).toMatchObject({ code: 'CANCELLED' });
  });
});

describe('a crashed build', () => {
  it("is cleared by the next build: its mounts undone and its directory removed once its process is gone", async () => {
    const dead = spawnSync('true').pid!;
    const stale = path.join(fixture.engine.root, 'builds', 'crashed');
    fs.mkdirSync(path.join(stale, 'run-0', 'rootfs'), { recursive: true });
    fs.writeFileSync(path.join(stale, 'build.json'), JSON.stringify({ pid: dead, pidStartTime: '1', startedAt: new Date().toISOString() }));
    mount('tmpfs', path.join(stale, 'run-0', 'rootfs'), 'tmpfs', 0, 'size=1m');
    // One whose process is alive (this one) stays.
    const live = path.join(fixture.engine.root, 'builds', 'running');
    fs.mkdirSync(live);
    fs.writeFileSync(path.join(live, 'build.json'), JSON.stringify({ pid: process.pid, pidStartTime: processStartTime(process.pid).toString(), startedAt: '' }));
    try {
      await fixture.build(fixture.context('after-crash', { Containerfile: `FROM ${BASE}\nRUN true\n` }));
      expect(fs.existsSync(stale)).toBe(false);
      expect(fs.readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(stale);
      expect(fs.readdirSync(path.join(fixture.engine.root, 'builds'))).toEqual(['running']);
    } finally {
      if (fs.readFileSync('/proc/self/mountinfo', 'utf8').includes(stale)) umount(path.join(stale, 'run-0', 'rootfs'), MNT_DETACH);
      fs.rmSync(live, { recursive: true, force: true });
    }
  });
});

/** The processes a cgroup directory lists (empty when it is gone or has no cgroup.procs). */
function procsOf(dir: string): number[] {
  try {
    return fs.readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}
