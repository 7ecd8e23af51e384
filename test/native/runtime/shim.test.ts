// The shim: detached from its caller, logs the container's output as JSON lines,
// forwards SIGTERM, records the exit atomically, removes the container with --rm.
import fs from 'node:fs';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import type { LogLine, RuntimeState, ShimExit } from '../../../src-main/engine/runtime';
import { until, useWorkspace } from './harness';
import { existingCgroupDirs } from '../../helpers/cgroups';

const ws = useWorkspace();

async function shim(name: string, script: string, extra: string[] = []) {
  const bundle = ws.bundle((c) => (c.process.args = ['sh', '-c', script]));
  const id = ws.id(name);
  const log = path.join(ws.dir, `${name}.log`);
  const exitFile = path.join(ws.dir, `${name}.exit.json`);
  const r = await ws.rt(['shim', '--bundle', bundle, '--log', log, '--exit-file', exitFile, ...extra, id]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const info = JSON.parse(r.stdout) as { shimPid: number; pid: number; pidStartTime?: string; shimStartTime?: string };
  return { id, log, exitFile, bundle, ...info };
}

const lines = (file: string): LogLine[] =>
  fs.readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as LogLine);

describe('strata-runtime shim', () => {
  it('runs detached in its own session, as the parent of the container', async () => {
    const s = await shim('detached', 'sleep 600');
    const sid = (pid: number | 'self'): number => {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[3]); // field 6
    };
    // a new session, led by the first fork that exited: not ours, and the shim is no leader
    expect(sid(s.shimPid)).not.toBe(sid('self'));
    expect(sid(s.shimPid)).not.toBe(s.shimPid);
    const parentOfInit = fs.readFileSync(`/proc/${s.pid}/stat`, 'utf8');
    expect(Number(parentOfInit.slice(parentOfInit.lastIndexOf(')') + 2).split(' ')[1])).toBe(s.shimPid);
    expect(fs.readFileSync(`/proc/${s.shimPid}/status`, 'utf8')).toMatch(/\nPPid:\s+1\n/);
    expect((await ws.rt(['delete', '--force', s.id])).code).toBe(0);
    await until(() => fs.existsSync(s.exitFile));
  });

  it('logs stdout and stderr lines with time and stream, and records the exit code', async () => {
    const s = await shim('log', 'echo one; echo two >&2; printf "no newline"; exit 5');
    expect((JSON.parse((await ws.rt(['state', s.id])).stdout) as RuntimeState).status).toBe('created');
    expect((await ws.rt(['start', s.id])).code).toBe(0);
    await until(() => fs.existsSync(s.exitFile));
    const got = lines(s.log);
    expect(got.map(({ stream, log }) => [stream, log]).sort()).toEqual([
      ['stderr', 'two\n'],
      ['stdout', 'no newline'],
      ['stdout', 'one\n'],
    ]);
    for (const l of got) expect(Number.isNaN(Date.parse(l.time))).toBe(false);
    const exit = JSON.parse(fs.readFileSync(s.exitFile, 'utf8')) as ShimExit;
    expect(exit).toMatchObject({ exitCode: 5, signal: null, oomKilled: false });
    expect(fs.readdirSync(ws.dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect((await ws.rt(['delete', s.id])).code).toBe(0);
  });

  it('with --start, starts the program before it reports (no `start` verb), and reports both start times', async () => {
    const s = await shim('start-now', 'echo started; sleep 600', ['--start']);
    expect((JSON.parse((await ws.rt(['state', s.id])).stdout) as RuntimeState).status).toBe('running');
    await until(() => fs.existsSync(s.log) && fs.readFileSync(s.log, 'utf8').includes('started'));
    // The start times are field 22 of /proc/<pid>/stat, as the engine reads them itself.
    const startTime = (pid: number): string => fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[19]!;
    expect(s.pidStartTime).toBe(startTime(s.pid));
    expect(s.shimStartTime).toBe(startTime(s.shimPid));
    // Started already: a second start is refused, as for any running container.
    const again = await ws.rt(['start', s.id]);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toMatch(/not created/);
    expect((await ws.rt(['delete', '--force', s.id])).code).toBe(0);
    await until(() => fs.existsSync(s.exitFile));
  });

  it('without --start, the program waits for `start` (what a terminal attaches in between)', async () => {
    const s = await shim('start-later', 'echo started; sleep 600');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((JSON.parse((await ws.rt(['state', s.id])).stdout) as RuntimeState).status).toBe('created');
    expect(fs.existsSync(s.log) ? fs.readFileSync(s.log, 'utf8') : '').not.toContain('started');
    expect((await ws.rt(['delete', '--force', s.id])).code).toBe(0);
    await until(() => fs.existsSync(s.exitFile));
  });

  it('forwards SIGTERM to the container', async () => {
    const s = await shim('term', 'trap "echo bye; exit 3" TERM; echo up; while true; do sleep 0.1; done');
    expect((await ws.rt(['start', s.id])).code).toBe(0);
    await until(() => fs.existsSync(s.log) && fs.readFileSync(s.log, 'utf8').includes('up'));
    process.kill(s.shimPid, 'SIGTERM');
    await until(() => fs.existsSync(s.exitFile));
    expect((JSON.parse(fs.readFileSync(s.exitFile, 'utf8')) as ShimExit).exitCode).toBe(3);
    expect(lines(s.log).map((l) => l.log)).toEqual(['up\n', 'bye\n']);
    expect((await ws.rt(['delete', s.id])).code).toBe(0);
  });

  it('records the signal that ended the container', async () => {
    const s = await shim('sig', 'sleep 600');
    expect((await ws.rt(['start', s.id])).code).toBe(0);
    expect((await ws.rt(['kill', s.id, '9'])).code).toBe(0);
    await until(() => fs.existsSync(s.exitFile));
    expect(JSON.parse(fs.readFileSync(s.exitFile, 'utf8'))).toMatchObject({ exitCode: 137, signal: 9, oomKilled: false });
    expect((await ws.rt(['delete', s.id])).code).toBe(0);
  });

  it('--rm deletes the container and its cgroups after the exit is recorded', async () => {
    const s = await shim('rm', 'echo bye', ['--rm']);
    expect((await ws.rt(['start', s.id])).code).toBe(0);
    await until(() => fs.existsSync(s.exitFile) && !fs.existsSync(path.join(ws.root, s.id)));
    expect(existingCgroupDirs(s.id)).toEqual([]);
    expect((await ws.rt(['state', s.id])).code).not.toBe(0);
  });

  it('reports a create failure to its caller', async () => {
    const bundle = ws.bundle((c) => (c.process.args = ['missing-binary']));
    const r = await ws.rt(['shim', '--bundle', bundle, '--log', path.join(ws.dir, 'x.log'), '--exit-file', path.join(ws.dir, 'x.exit'), ws.id('fail')]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/^exec missing-binary: not found in PATH/);
  });
});
