// A fresh directory under os.tmpdir() per test, removed afterwards.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach } from 'vitest';

export function useTmpDir(): { readonly dir: string } {
  const state = { dir: '' };
  beforeEach(() => {
    state.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-native-'));
  });
  afterEach(() => {
    fs.rmSync(state.dir, { recursive: true, force: true });
  });
  return state;
}
