// Hooks run at their points of the lifecycle with the state JSON on stdin.
import fs from 'node:fs';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import { createContainer, until, useWorkspace } from './harness';
import { existingCgroupDirs } from '../../helpers/cgroups';

const ws = useWorkspace();

describe('hooks', () => {
  it('runs createRuntime, prestart, createContainer, startContainer, poststart and poststop with the state', async () => {
    const out = path.join(ws.dir, 'hooks.out');
    fs.writeFileSync(out, '');
    const hook = (name: string) => ({ path: '/bin/sh', args: ['sh', '-c', `read -r s; echo "${name} $HOOK_ENV $s" >> ${out}`], env: ['HOOK_ENV=set'] });
    const bundle = ws.bundle((c) => {
      c.process.args = ['sleep', '600'];
      c.annotations = { who: 'hooks' };
      c.hooks = {
        prestart: [hook('prestart')],
        createRuntime: [hook('createRuntime')],
        createContainer: [hook('createContainer')],
        poststart: [hook('poststart')],
        poststop: [hook('poststop')],
      };
    });
    const id = ws.id('hooks');
    const created = await createContainer(ws, bundle, id);
    expect(created.stderr).toBe('');
    expect((await ws.rt(['start', id])).code).toBe(0);
    expect((await ws.rt(['delete', '--force', id])).code).toBe(0);
    const got = fs.readFileSync(out, 'utf8').trim().split('\n').map((l) => {
      const [name, env, ...json] = l.split(' ');
      return { name, env, state: JSON.parse(json.join(' ')) as { id: string; status: string; pid?: number; bundle: string; annotations: object } };
    });
    expect(got.map((g) => g.name)).toEqual(['prestart', 'createRuntime', 'createContainer', 'poststart', 'poststop']);
    for (const g of got) {
      expect(g.env).toBe('set');
      expect(g.state).toMatchObject({ id, bundle, annotations: { who: 'hooks' } });
    }
    expect(got.map((g) => g.state.status)).toEqual(['creating', 'creating', 'creating', 'running', 'stopped']);
    expect(got[0]!.state.pid).toBeGreaterThan(1);
  });

  it('a failing createRuntime hook fails create and leaves nothing behind', async () => {
    const bundle = ws.bundle((c) => (c.hooks = { createRuntime: [{ path: '/bin/false' }] }));
    const id = ws.id('hookfail');
    const r = await createContainer(ws, bundle, id);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toBe('hook createRuntime[0] /bin/false: exited with status 1\n');
    expect(fs.existsSync(path.join(ws.root, id))).toBe(false);
    expect(existingCgroupDirs(id)).toEqual([]);
  });

  it('kills a hook that runs past its timeout', async () => {
    const bundle = ws.bundle((c) => (c.hooks = { prestart: [{ path: '/bin/sleep', args: ['sleep', '60'], timeout: 1 }] }));
    const r = await createContainer(ws, bundle, ws.id('hookslow'));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toBe('hook prestart[0] /bin/sleep: timed out after 1 s\n');
  });

  it('a failing poststart hook is a warning: the container runs', async () => {
    const bundle = ws.bundle((c) => {
      c.process.args = ['sleep', '600'];
      c.hooks = { poststart: [{ path: '/bin/false' }] };
    });
    const id = ws.id('poststart');
    expect((await createContainer(ws, bundle, id)).code).toBe(0);
    const r = await ws.rt(['start', id]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('warning: hook poststart[0] /bin/false: exited with status 1\n');
    await until(async () => JSON.parse((await ws.rt(['state', id])).stdout).status === 'running');
    expect((await ws.rt(['delete', '--force', id])).code).toBe(0);
  });
});
