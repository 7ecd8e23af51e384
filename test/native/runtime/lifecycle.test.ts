// The OCI lifecycle through strata-runtime's command line: create → start → state →
// kill → delete, run, and the errors a caller gets for what the status does not allow.
import fs from 'node:fs';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import type { RuntimeState } from '../../../src-main/engine/runtime';
import { createContainer, runContainer, until, useWorkspace } from './harness';
import { existingCgroupDirs } from '../../helpers/cgroups';

const ws = useWorkspace();

async function state(id: string): Promise<RuntimeState> {
  const r = await ws.rt(['state', id]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as RuntimeState;
}

describe('strata-runtime lifecycle', () => {
  it('goes created → running → stopped, with the spec state JSON at each step', async () => {
    const bundle = ws.bundle((c) => {
      c.process.args = ['sh', '-c', 'echo started; sleep 600'];
      c.annotations = { 'org.strata.test': 'yes' };
    });
    const id = ws.id('life');
    const pidFile = path.join(ws.dir, 'life.pid');
    const created = await createContainer(ws, bundle, id, ['--pid-file', pidFile]);
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);

    const s1 = await state(id);
    expect(s1).toMatchObject({ ociVersion: '1.0.2', id, status: 'created', bundle, annotations: { 'org.strata.test': 'yes' } });
    expect(s1.pid).toBe(Number(fs.readFileSync(pidFile, 'utf8')));
    // created: the user's program has not run yet
    expect(fs.readFileSync(created.out, 'utf8')).toBe('');

    expect((await ws.rt(['start', id])).code).toBe(0);
    expect((await state(id)).status).toBe('running');
    await until(() => fs.readFileSync(created.out, 'utf8') === 'started\n');

    const again = await ws.rt(['start', id]);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toMatch(/is running, not created/);

    const refused = await ws.rt(['delete', id]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/is running: stop it first or use --force/);

    expect((await ws.rt(['kill', id, 'KILL'])).code).toBe(0);
    await until(async () => (await state(id)).status === 'stopped');
    const stopped = await state(id);
    expect(stopped.pid).toBeUndefined();

    const killStopped = await ws.rt(['kill', id]);
    expect(killStopped.code).not.toBe(0);
    expect(killStopped.stderr).toMatch(/is stopped/);

    expect((await ws.rt(['delete', id])).code).toBe(0);
    const gone = await ws.rt(['state', id]);
    expect(gone.code).not.toBe(0);
    expect(gone.stderr).toBe(`container ${id} does not exist\n`);
  });

  it('kill takes signal names and numbers; SIGTERM reaches PID 1 with a handler', async () => {
    const bundle = ws.bundle((c) => {
      c.process.args = ['sh', '-c', 'trap "echo got-term; exit 7" TERM; echo ready; while true; do sleep 0.1; done'];
    });
    const id = ws.id('term');
    const created = await createContainer(ws, bundle, id);
    expect(created.code).toBe(0);
    expect((await ws.rt(['start', id])).code).toBe(0);
    await until(() => fs.readFileSync(created.out, 'utf8').includes('ready'));
    expect((await ws.rt(['kill', id, 'SIGTERM'])).code).toBe(0);
    await until(async () => (await state(id)).status === 'stopped');
    expect(fs.readFileSync(created.out, 'utf8')).toContain('got-term');
    const bad = await ws.rt(['kill', id, 'SIGNOPE']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/unknown signal SIGNOPE/);
    expect((await ws.rt(['delete', id])).code).toBe(0);
  });

  it('delete --force kills a running container and removes its cgroups', async () => {
    const bundle = ws.bundle((c) => (c.process.args = ['sleep', '600']));
    const id = ws.id('force');
    expect((await createContainer(ws, bundle, id)).code).toBe(0);
    expect((await ws.rt(['start', id])).code).toBe(0);
    const { pid } = await state(id);
    expect(existingCgroupDirs(id)).not.toEqual([]);
    const r = await ws.rt(['delete', '--force', id]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(existingCgroupDirs(id)).toEqual([]);
    expect(fs.existsSync(path.join(ws.root, id))).toBe(false);
    const stat = fs.existsSync(`/proc/${pid}/stat`) ? fs.readFileSync(`/proc/${pid}/stat`, 'utf8') : '';
    expect(stat === '' || stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')).toBe(true);
  });

  it('delete --force of a created container that never started', async () => {
    const bundle = ws.bundle();
    const id = ws.id('never');
    expect((await createContainer(ws, bundle, id)).code).toBe(0);
    const refused = await ws.rt(['delete', id]);
    expect(refused.stderr).toMatch(/is created: stop it first/);
    expect((await ws.rt(['delete', '-f', id])).code).toBe(0);
  });

  it('run returns the exit status of the program, and 128+n for a signal', async () => {
    const b1 = ws.bundle((c) => (c.process.args = ['sh', '-c', 'echo out; echo err >&2; exit 42']));
    const r1 = await runContainer(ws, b1, ws.id('run42'));
    expect(r1).toEqual({ code: 42, stdout: 'out\n', stderr: 'err\n' });
    // PID 1 of a pid namespace is immune to SIGKILL from inside it: run this one without
    const b2 = ws.bundle((c) => {
      c.process.args = ['sh', '-c', 'kill -9 $$'];
      c.linux.namespaces = c.linux.namespaces?.filter((n) => n.type !== 'pid');
    });
    expect((await runContainer(ws, b2, ws.id('run9'))).code).toBe(137);
    // run deletes what it created
    expect(fs.readdirSync(ws.root).filter((e) => e.includes('run'))).toEqual([]);
  });

  it('unknown and malformed ids fail with a message', async () => {
    for (const verb of ['state', 'start', 'kill', 'delete']) {
      const r = await ws.rt([verb, 'no-such-container']);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toBe('container no-such-container does not exist\n');
    }
    const bad = await ws.rt(['state', '../etc']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/container id \.\.\/etc: only letters/);
    const none = await ws.rt(['start']);
    expect(none.stderr).toMatch(/a container id is required/);
  });

  it('refuses a second container with the same id', async () => {
    const bundle = ws.bundle();
    const id = ws.id('dup');
    expect((await createContainer(ws, bundle, id)).code).toBe(0);
    const r = await createContainer(ws, bundle, id);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toBe(`container ${id} already exists\n`);
    expect((await ws.rt(['delete', '--force', id])).code).toBe(0);
  });

  it('a program missing from the rootfs fails at create, not at start', async () => {
    const bundle = ws.bundle((c) => (c.process.args = ['no-such-program']));
    const id = ws.id('noexec');
    const r = await createContainer(ws, bundle, id);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/^exec no-such-program: not found in PATH \/bin: No such file or directory\n$/);
    expect(fs.existsSync(path.join(ws.root, id))).toBe(false);
    expect(existingCgroupDirs(id)).toEqual([]);
  });

  it('a cwd that cannot be entered fails as "step: strerror"', async () => {
    const bundle = ws.bundle((c) => (c.process.cwd = '/etc/passwd/sub'));
    const r = await createContainer(ws, bundle, ws.id('cwd'));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/: Not a directory\n$/);
  });
});

describe('config.json validation at create', () => {
  const cases: [string, (c: Record<string, unknown>) => void, RegExp][] = [
    ['args missing', (c) => delete (c.process as Record<string, unknown>).args, /process\.args: must not be empty/],
    ['args not strings', (c) => ((c.process as Record<string, unknown>).args = ['sh', 3]), /process\.args\[1\]: must be a string/],
    ['relative cwd', (c) => ((c.process as Record<string, unknown>).cwd = 'tmp'), /process\.cwd: must be an absolute path/],
    ['bad consoleSize', (c) => ((c.process as Record<string, unknown>).consoleSize = { height: -1, width: 80 }),
      /process\.consoleSize: height and width must be integers from 0 to 65535/],
    ['unknown capability', (c) => ((c.process as { capabilities: { bounding: string[] } }).capabilities.bounding = ['CAP_FLY']),
      /process\.capabilities\.bounding: unknown capability CAP_FLY/],
    ['unknown rlimit', (c) => ((c.process as Record<string, unknown>).rlimits = [{ type: 'RLIMIT_FUN', soft: 1, hard: 1 }]),
      /process\.rlimits\[0\]\.type: unknown rlimit RLIMIT_FUN/],
    ['soft above hard', (c) => ((c.process as Record<string, unknown>).rlimits = [{ type: 'RLIMIT_NOFILE', soft: 9, hard: 1 }]),
      /process\.rlimits\[0\]: soft is above hard/],
    ['mounts without a mount namespace', (c) => ((c.linux as { namespaces: unknown[] }).namespaces = [{ type: 'pid' }]),
      /mounts: the container has no mount namespace of its own/],
    ['unknown namespace', (c) => (c.linux as { namespaces: unknown[] }).namespaces.push({ type: 'chaos' }),
      /linux\.namespaces\[5\]\.type: unknown namespace type chaos/],
    ['hostname without uts', (c) => ((c.linux as { namespaces: unknown[] }).namespaces = [{ type: 'mount' }]),
      /hostname: the container has no uts namespace of its own/],
    ['user namespace without maps', (c) => (c.linux as { namespaces: unknown[] }).namespaces.push({ type: 'user' }),
      /linux\.uidMappings: a new user namespace needs/],
    ['mount without destination', (c) => ((c.mounts as unknown[])[0] = { type: 'proc' }), /mounts\[0\]\.destination: required/],
    ['bind without source', (c) => ((c.mounts as unknown[])[0] = { destination: '/x', type: 'bind' }), /mounts\[0\]\.source: a bind mount needs a source/],
    ['memory limit not a number', (c) => ((c.linux as Record<string, unknown>).resources = { memory: { limit: '1g' } }),
      /linux\.resources\.memory\.limit: must be an integer/],
    ['cpu shares out of range', (c) => ((c.linux as Record<string, unknown>).resources = { cpu: { shares: 1 } }),
      /linux\.resources\.cpu\.shares: 2 to 262144/],
    ['systemd cgroupsPath', (c) => ((c.linux as Record<string, unknown>).cgroupsPath = 'system.slice:strata:x'),
      /linux\.cgroupsPath: the systemd form/],
    ['ociVersion 2', (c) => (c.ociVersion = '2.0.0'), /ociVersion: 2\.0\.0 is not a 1\.x version/],
    ['missing root', (c) => delete c.root, /root: required object/],
    ['rootfs missing', (c) => ((c.root as { path: string }).path = 'nowhere'), /root\.path: .*nowhere: No such file or directory/],
  ];
  for (const [name, edit, message] of cases) {
    it(`refuses ${name}, naming the field`, async () => {
      const bundle = ws.bundle();
      const file = path.join(bundle, 'config.json');
      const config = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
      edit(config);
      fs.writeFileSync(file, JSON.stringify(config));
      const id = ws.id('bad');
      const r = await createContainer(ws, bundle, id);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).toMatch(/^config\.json: /);
      expect(fs.existsSync(path.join(ws.root, id))).toBe(false);
    });
  }

  it('refuses malformed JSON with the offset', async () => {
    const bundle = ws.bundle();
    fs.writeFileSync(path.join(bundle, 'config.json'), '{"ociVersion": "1.0.2",}');
    const r = await createContainer(ws, bundle, ws.id('json'));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toBe('config JSON: expected object key at offset 23\n');
  });

  it('ignores unknown fields, as the spec says', async () => {
    const bundle = ws.bundle((c) => {
      c.process.args = ['sh', '-c', 'echo ok'];
      Object.assign(c, { futureField: { nested: [1, 2, { x: null }] } });
      Object.assign(c.linux, { intelRdt: null, somethingNew: true });
    });
    const r = await runContainer(ws, bundle, ws.id('unknown'));
    expect(r).toEqual({ code: 0, stdout: 'ok\n', stderr: '' });
  });
});
