// The table's input schemas are made when their method is first called (define.ts), not
// when the table is imported: a CLI command builds only the schemas it uses (issue 18).
// What a caller sees must not depend on it: a method whose schema was never made refuses
// bad input with the same INVALID_ARGUMENT and message as once it is.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inputMade } from '@shared/api/define';
import { type MethodName, methods } from '@shared/api/contract';
import { Api } from '../../src-main/api/dispatch';
import { Engine } from '../../src-main/engine/index';
import type { Reply } from '@shared/api/protocol';
import { makeTempDir } from '../helpers/test-images';

let work: string;
let api: Api;

const made = (): MethodName[] => (Object.keys(methods) as MethodName[]).filter((name) => inputMade(methods[name]));

beforeAll(() => {
  work = makeTempDir('api-lazy-schemas');
  api = new Api({ engine: Engine.open({ root: path.join(work, 'store') }), version: '9.9.9' });
});

afterAll(async () => {
  await api.close();
  fs.rmSync(work, { recursive: true, force: true });
});

function errorOf(reply: Reply): { code: string; message: string } {
  if (!('error' in reply)) throw new Error(`expected an error, got ${JSON.stringify(reply)}`);
  return reply.error;
}

describe('input schemas made on first call', () => {
  it('none is made by importing the table, the dispatcher and the engine, or opening an Api', () => {
    expect(made()).toEqual([]);
  });

  it('a call makes its own method’s schema and no other', async () => {
    const session = api.openSession(() => {});
    expect(await session.call('containers.list', { all: true })).toEqual({ result: [] });
    expect(made()).toEqual(['containers.list']);
  });

  it('bad input to a method whose schema was not made yet: INVALID_ARGUMENT, the same message as after', async () => {
    const session = api.openSession(() => {});
    const cases: [MethodName, unknown, string][] = [
      ['containers.stop', { ref: 'a', timeoutS: -1 }, 'containers.stop: invalid input: timeoutS: Too small: expected number to be >=0'],
      ['images.tag', { source: '', target: 'b' }, 'images.tag: invalid input: source: must not be empty'],
      ['terminal.input', { session: 's', data: 'not base64!' }, 'terminal.input: invalid input: data: must be base64'],
      ['images.save', { refs: [], output: '/x' }, 'images.save: invalid input: refs: name at least one image'],
      ['system.info', { extra: 1 }, 'system.info: invalid input: (input): Unrecognized key: "extra"'],
    ];
    for (const [method, input, message] of cases) {
      expect(inputMade(methods[method]), method).toBe(false);
      const first = errorOf(await session.call(method, input));
      expect(first, method).toEqual({ code: 'INVALID_ARGUMENT', message });
      expect(inputMade(methods[method]), method).toBe(true);
      // Made now: the same answer, and the same schema object every time.
      expect(errorOf(await session.call(method, input))).toEqual(first);
      expect(methods[method].input).toBe(methods[method].input);
    }
  });
});
