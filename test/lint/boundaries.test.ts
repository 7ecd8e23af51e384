// The import boundaries of DESIGN.md, as `npm run lint` enforces them: each rule is tried
// with an import that breaks it and one that keeps it, through ESLint and this repo's config.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const eslint = new ESLint({ cwd: root });

/** The no-restricted-imports messages for `code` as if it were the file at `file`. */
async function refusals(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('import boundaries', () => {
  it('src-shared imports nothing of ours and no node: module', async () => {
    expect(await refusals('src-shared/x.ts', "import fs from 'node:fs';\nexport const a = fs;\n")).toHaveLength(1);
    expect(await refusals('src-shared/api/x.ts', "import { Engine } from '../../src-main/engine/index';\nexport const a = Engine;\n")).toHaveLength(1);
    expect(await refusals('src-shared/api/x.ts', "import { StrataError } from '../errors';\nexport const a = StrataError;\n")).toEqual([]);
  });

  it('the renderer never imports src-main', async () => {
    expect(await refusals('src-renderer/src/stores/x.ts', "import type { Engine } from '../../../src-main/engine/index';\nexport type A = Engine;\n")).toHaveLength(1);
    expect(await refusals('src-renderer/src/stores/x.ts', "import type { ContainerRecord } from '@shared/api/types/containers';\nexport type A = ContainerRecord;\n")).toEqual([]);
  });

  it('the engine never imports electron, api, server or cli', async () => {
    expect(await refusals('src-main/engine/containers/x.ts', "import { app } from 'electron';\nexport const a = app;\n")).toHaveLength(1);
    expect(await refusals('src-main/engine/containers/x.ts', "import { Api } from '../../api/dispatch';\nexport const a = Api;\n")).toHaveLength(1);
    expect(await refusals('src-main/engine/containers/x.ts', "import { serve } from '../../cli/commands/serve';\nexport const a = serve;\n")).toHaveLength(1);
    expect(await refusals('src-main/engine/containers/x.ts', "import { Store } from '../store/store';\nexport const a = Store;\n")).toEqual([]);
  });
});
