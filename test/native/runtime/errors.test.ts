// Machine-readable failures: with --log-format json, strata-runtime reports each failure
// as one JSON line whose code says what kind it was, so the engine maps it to its own
// stable codes without reading the prose (runtimeFailure in runtime-binary.ts).
import fs from 'node:fs';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import { runRuntime, runtimeFailure } from '../../../src-main/engine/runtime';
import { createContainer, until, useWorkspace } from './harness';

const ws = useWorkspace();

/** A verb with JSON errors: its exit status and the one error line it printed, parsed. */
async function json(args: string[], bundleDir?: string): Promise<{ code: number; error: { level: string; code: string; msg: string } | null }> {
  const r = await runRuntime(args, { root: ws.root, cwd: bundleDir });
  const lines = r.stderr.split('\n').filter(Boolean);
  expect(lines.length).toBeLessThanOrEqual(1);
  return { code: r.code, error: lines[0] ? (JSON.parse(lines[0]) as { level: string; code: string; msg: string }) : null };
}

describe('strata-runtime --log-format json', () => {
  it('classes each failure: NOT_FOUND, CONFLICT, INVALID_ARGUMENT, UNSUPPORTED', async () => {
    expect(await json(['kill', ws.id('nosuch')])).toEqual({
      code: 1,
      error: { level: 'error', code: 'NOT_FOUND', msg: `container ${ws.id('nosuch')} does not exist` },
    });
    expect((await json(['state', '../escape'])).error?.code).toBe('INVALID_ARGUMENT');
    expect((await json(['kill', '--bogus', ws.id('x')])).error).toEqual({ level: 'error', code: 'INVALID_ARGUMENT', msg: 'unknown option --bogus' });
    expect((await json(['kill', ws.id('x'), 'SIGNOPE'])).error?.code).toBe('INVALID_ARGUMENT');

    const broken = ws.bundle();
    fs.writeFileSync(path.join(broken, 'config.json'), '{"ociVersion": "1.0.2",');
    const bad = await json(['create', '--bundle', broken, ws.id('broken')]);
    expect(bad.code).toBe(1);
    expect(bad.error?.code).toBe('INVALID_ARGUMENT');

    const terminal = ws.bundle((c) => {
      (c.process as { terminal?: boolean }).terminal = true;
    });
    expect(await json(['create', '--bundle', terminal, ws.id('tty')])).toEqual({
      code: 1,
      error: {
        level: 'error',
        code: 'INVALID_ARGUMENT',
        msg: 'process.terminal is true: give --console-socket (or run it in the foreground or under the shim)',
      },
    });
  });

  it('says CONFLICT for what the container state does not allow, whatever the verb', async () => {
    const bundle = ws.bundle((c) => {
      c.process.args = ['sleep', '600'];
    });
    const id = ws.id('state');
    expect((await createContainer(ws, bundle, id)).code).toBe(0);
    expect((await json(['start', id])).code).toBe(0);
    const twice = await json(['start', id]);
    expect(twice.error).toEqual({ level: 'error', code: 'CONFLICT', msg: `start: container ${id} is running, not created` });
    expect((await json(['delete', id])).error?.code).toBe('CONFLICT');
    expect((await json(['exec', id, '--', 'true'])).code).toBe(0);

    expect((await json(['kill', id, 'KILL'])).code).toBe(0);
    await until(async () => JSON.parse((await runRuntime(['state', id], { root: ws.root })).stdout).status === 'stopped');
    expect((await json(['kill', id])).error?.code).toBe('CONFLICT');
    const exec = await json(['exec', id, '--', 'true']);
    expect(exec.code).toBe(125);
    expect(exec.error?.code).toBe('CONFLICT');
    expect((await json(['delete', id])).code).toBe(0);
  });

  it('is read by runtimeFailure; text or a crash is INTERNAL with the last line', () => {
    expect(runtimeFailure('{"level":"error","code":"CONFLICT","msg":"kill: container a is stopped"}\n', 1)).toEqual({ code: 'CONFLICT', message: 'kill: container a is stopped' });
    expect(runtimeFailure('{"level":"error","code":"SOMETHING_NEW","msg":"x"}\n', 1)).toEqual({ code: 'INTERNAL', message: 'x' });
    expect(runtimeFailure('warning: a hook said no\nSegmentation fault\n', 139)).toEqual({ code: 'INTERNAL', message: 'Segmentation fault' });
    expect(runtimeFailure('', 3)).toEqual({ code: 'INTERNAL', message: 'exit status 3' });
  });
});
